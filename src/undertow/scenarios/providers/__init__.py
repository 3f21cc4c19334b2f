"""Node providers: where a node's machine lives, and how to stop, start, reboot or terminate it.

`local` drives the local cluster's kwok nodes through the Kubernetes API; the cloud
providers (aws, gcp, azure, openstack, ibmcloud, vmware, bm) call their SDK, which is an
optional extra imported only when a scenario names that provider. `provider_for` is the
one place that maps a scenario's `cloud_type` to a provider.
"""

from __future__ import annotations

import importlib
import importlib.util
import shutil
from collections.abc import Mapping
from typing import Any

from undertow.errors import ScenarioError
from undertow.scenarios.providers.base import Instance, InstanceState, NodeProvider
from undertow.undo.cloud import SDKS
from undertow.undo.disks import DISK_ATTACHERS

__all__ = ["PROVIDERS", "Instance", "InstanceState", "NodeProvider", "provider_for"]

PROVIDERS: dict[str, str] = {
    "local": "undertow.scenarios.providers.local:LocalProvider",
    "aws": "undertow.scenarios.providers.aws:AwsProvider",
    "gcp": "undertow.scenarios.providers.gcp:GcpProvider",
    "azure": "undertow.scenarios.providers.azure:AzureProvider",
    "openstack": "undertow.scenarios.providers.openstack:OpenStackProvider",
    "ibmcloud": "undertow.scenarios.providers.ibmcloud:IbmCloudProvider",
    "vmware": "undertow.scenarios.providers.vmware:VmwareProvider",
    "bm": "undertow.scenarios.providers.baremetal:BareMetalProvider",
}
"""Provider name → "module:class", imported on first use."""

NEEDS: dict[str, tuple[str, str]] = {
    name: (
        module,
        f"pip install {' '.join(packages)} (or in undertow's checkout: pip install '.[{name}]')",
    )
    for name, (module, packages) in SDKS.items()
}
"""The SDK module each cloud provider imports (`undertow.undo.cloud.SDKS`), and how to get it."""

ALIASES: dict[str, str] = {"az": "azure", "vsphere": "vmware", "ibm": "ibmcloud"}


def canonical(cloud_type: str) -> str:
    return ALIASES.get(cloud_type, cloud_type)


def described() -> str:
    """The provider names with their aliases, for messages: `aws, azure (az), bm, ...`."""
    aliases: dict[str, list[str]] = {}
    for alias, name in ALIASES.items():
        aliases.setdefault(name, []).append(alias)
    return ", ".join(
        f"{name} ({', '.join(aliases[name])})" if name in aliases else name
        for name in sorted(PROVIDERS)
    )


def supported(cloud_type: str) -> bool:
    return canonical(cloud_type) in PROVIDERS


def has_disks(cloud_type: str) -> bool:
    """Whether undertow detaches and attaches back the data disks of this provider's nodes."""
    return canonical(cloud_type) in DISK_ATTACHERS


def disk_providers() -> str:
    return ", ".join(sorted(DISK_ATTACHERS))


def missing_sdk(cloud_type: str) -> str | None:
    """What to install before this provider can act (None: ready), checked without importing."""
    name = canonical(cloud_type)
    if name == "bm":
        return (
            None if shutil.which("ipmitool") else "the ipmitool program (apt-get install ipmitool)"
        )
    if name not in NEEDS:
        return None
    module, how = NEEDS[name]
    try:
        found = importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:  # a parent package (e.g. google.cloud) is missing
        found = False
    return None if found else f"{module} ({how})"


def provider_for(cloud_type: str, options: Mapping[str, Any] | None = None) -> NodeProvider:
    """The provider for `cloud_type`, built with the scenario's provider options."""
    name = canonical(cloud_type)
    if name not in PROVIDERS:
        known = ", ".join(sorted(PROVIDERS))
        raise ScenarioError(
            f"cloud_type {cloud_type!r} has no node provider in undertow (known: {known}); "
            "the cluster-API actions (cordon, drain, taint) work with any cloud_type"
        )
    module_name, _, attr = PROVIDERS[name].partition(":")
    factory = getattr(importlib.import_module(module_name), attr)
    provider: NodeProvider = factory(**dict(options or {}))
    return provider
