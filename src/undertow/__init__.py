"""undertow: chaos and resiliency testing for Kubernetes that always puts the cluster back."""

__version__ = "0.1.0"

__all__ = ["__version__"]
