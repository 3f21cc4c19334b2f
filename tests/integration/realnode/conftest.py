"""Fixtures of the real-node tests."""

from __future__ import annotations

from typing import Any

import pytest
from family_roles import family_roles, token_for

__all__ = ["core", "family_roles", "token_for"]


@pytest.fixture
def core(api_client: Any, real_node: Any) -> Any:
    """A CoreV1Api on the cluster, with its real node attached."""
    from kubernetes import client

    return client.CoreV1Api(api_client)
