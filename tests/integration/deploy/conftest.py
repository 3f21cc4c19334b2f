"""Fixtures of the deployment tests: the family ClusterRoles and identities bound to one."""

from family_roles import family_roles, token_for

__all__ = ["family_roles", "token_for"]
