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
from undertow.kube.mutate import send
from undertow.kube.refs import ObjectRef

FIELD_MANAGER = "undertow"


def apply(api: KubeApi, manifest: dict[str, Any]) -> dict[str, Any]:
    """Create `manifest` or bring the live object back to it; returns the object."""
    ref = ObjectRef.of(manifest)
    response = send(
        api,
        ref,
        "apply",
        lambda res, ns: res.server_side_apply(
            body=manifest,
            name=ref.name,
            namespace=ns,
            field_manager=FIELD_MANAGER,
            force_conflicts=True,
            serialize=False,
        ),
    )
    applied: dict[str, Any] = json.loads(response.data)
    return applied


def remove(api: KubeApi, manifest: dict[str, Any]) -> bool:
    """Delete the object `manifest` names; False if it was not there."""
    ref = ObjectRef.of(manifest)
    try:
        send(
            api,
            ref,
            "delete",
            lambda res, ns: res.delete(
                name=ref.name, namespace=ns, body={"propagationPolicy": "Foreground"}
            ),
        )
    except errors.NotFound:
        return False
    return True
