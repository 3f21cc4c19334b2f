"""Server-side apply and delete of undertow's own infrastructure (the guardian).

Not for chaos: the system under test is changed only through the journaled client. These
are the objects `undertow guardian install` owns, applied with field manager `undertow`
(created, or brought back to the manifest) and removed by `uninstall`.
"""

from __future__ import annotations

import json
from typing import Any

from undertow import errors
from undertow.kube.api import KubeApi
from undertow.kube.refs import ObjectRef
from undertow.kube.retry import call

FIELD_MANAGER = "undertow"


def apply(api: KubeApi, manifest: dict[str, Any]) -> dict[str, Any]:
    """Create `manifest` or bring the live object back to it; returns the object."""
    ref = ObjectRef.of(manifest)
    resource = api.resource(ref.api_version, ref.kind)
    namespace = ref.namespace if resource.namespaced else None
    response = call(
        lambda: resource.server_side_apply(
            body=manifest,
            name=ref.name,
            namespace=namespace,
            field_manager=FIELD_MANAGER,
            force_conflicts=True,
            serialize=False,
        ),
        f"apply {ref}",
        policy=api.retry,
        mutation=True,
    )
    applied: dict[str, Any] = json.loads(response.data)
    return applied


def remove(api: KubeApi, manifest: dict[str, Any]) -> bool:
    """Delete the object `manifest` names; False if it was not there."""
    ref = ObjectRef.of(manifest)
    resource = api.resource(ref.api_version, ref.kind)
    namespace = ref.namespace if resource.namespaced else None
    try:
        call(
            lambda: resource.delete(
                name=ref.name, namespace=namespace, body={"propagationPolicy": "Foreground"}
            ),
            f"delete {ref}",
            policy=api.retry,
            mutation=True,
        )
    except errors.NotFound:
        return False
    return True
