"""Object names as the API server checks them, so a config or scenario file naming something
Kubernetes would reject fails validation (file, line, field; exit 2), not the run. Whole
names only: a trailing newline (a YAML block scalar's) is not part of a valid name.

Namespaces are DNS-1123 labels, Services DNS-1035 labels, Nodes DNS-1123 subdomains.
"""

from __future__ import annotations

import re

_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?")
_LABEL_1035 = re.compile(r"[a-z]([-a-z0-9]{0,61}[a-z0-9])?")
_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
_LABEL_RULE = "at most 63 characters of lower-case letters, digits and '-'"


def validate_namespace(name: str) -> str:
    if not _LABEL.fullmatch(name):
        raise ValueError(
            f"invalid namespace {name!r}: {_LABEL_RULE}, starting and ending with a letter or digit"
        )
    return name


def validate_service_name(name: str) -> str:
    if not _LABEL_1035.fullmatch(name):
        raise ValueError(
            f"invalid Service name {name!r}: {_LABEL_RULE}, starting with a letter and "
            "ending with a letter or digit"
        )
    return name


def validate_node_name(name: str) -> str:
    if len(name) > 253 or not _SUBDOMAIN.fullmatch(name):
        raise ValueError(
            f"invalid node name {name!r}: at most 253 characters of lower-case letters, "
            "digits, '-' and '.', starting and ending with a letter or digit"
        )
    return name
