"""Where the pods undertow creates itself run, and from which images.

undertow starts helper pods for some scenarios (the service hijacker and the hog pods;
network and storage helpers next). Their images come from the scenario file (Krkn's defaults name
registry images), and are substituted through an image map: the `images` setting of
undertow's config, over the defaults the cluster publishes in the ConfigMap
`kube-public/undertow-defaults` (undertow's local cluster publishes its locally built images
and the placement on its real node there). A key matches an image reference exactly, or its
repository without tag or digest (`python` matches `python:3.12-alpine`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

DEFAULTS_NAMESPACE = "kube-public"
DEFAULTS_NAME = "undertow-defaults"


def repository(ref: str) -> str:
    """`quay.io/a/b:v1` -> `quay.io/a/b`; digests too; a registry port is kept."""
    ref = ref.split("@", 1)[0]
    slash = ref.rfind("/")
    colon = ref.rfind(":")
    return ref[:colon] if colon > slash else ref


@dataclass(frozen=True)
class HelperPods:
    images: Mapping[str, str] = field(default_factory=dict)
    node_selector: Mapping[str, str] = field(default_factory=dict)
    tolerations: tuple[Mapping[str, Any], ...] = ()

    def image(self, ref: str) -> str:
        """The image to run for `ref` (itself when nothing maps it)."""
        return self.images.get(ref) or self.images.get(repository(ref)) or ref

    def place(self, pod: dict[str, Any]) -> dict[str, Any]:
        """`pod` with the node selector and tolerations added (what the pod sets wins)."""
        spec = pod.setdefault("spec", {})
        if self.node_selector:
            spec["nodeSelector"] = {**self.node_selector, **(spec.get("nodeSelector") or {})}
        if self.tolerations:
            spec["tolerations"] = [*(spec.get("tolerations") or []), *map(dict, self.tolerations)]
        return pod

    def with_images(self, overrides: Mapping[str, str]) -> HelperPods:
        return replace(self, images={**self.images, **overrides})

    def config_map_data(self) -> dict[str, str]:
        return {
            "images": json.dumps(dict(self.images), sort_keys=True),
            "nodeSelector": json.dumps(dict(self.node_selector), sort_keys=True),
            "tolerations": json.dumps([dict(t) for t in self.tolerations]),
        }

    @classmethod
    def from_config_map_data(cls, data: Mapping[str, str]) -> HelperPods:
        """Read what `config_map_data` wrote; raises ValueError on anything else."""
        images = json.loads(data.get("images") or "{}")
        selector = json.loads(data.get("nodeSelector") or "{}")
        tolerations = json.loads(data.get("tolerations") or "[]")
        if not (
            _str_map(images)
            and _str_map(selector)
            and isinstance(tolerations, list)
            and all(isinstance(t, dict) for t in tolerations)
        ):
            raise ValueError(
                "images and nodeSelector must map strings to strings, "
                "tolerations must be a list of objects"
            )
        return cls(images, selector, tuple(tolerations))


def _str_map(value: object) -> bool:
    return isinstance(value, dict) and all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    )
