"""A small run that the crash tests SIGKILL at chosen points.

    python crash_driver.py KUBECONFIG VERSIONS_DIR NAMESPACE NODE POINT

It makes five journaled changes (create a ConfigMap and a Deployment, scale a prepared
Deployment, label and cordon and taint a node) and then rolls back, printing `READY` and
stopping at POINT until it is killed:
  after_record   the first version file is on disk, its change not yet made
  after_change   the first object exists, its uid not yet written to the journal
  mid_duration   every change made, the scenario "waiting"
  mid_rollback   the rollback has undone one entry of five
"""

from __future__ import annotations

import sys
import time
import uuid
from pathlib import Path
from typing import Any

from undertow.kube import ObjectRef, connect, mutate
from undertow.rollback import JournaledClient
from undertow.rollback.entry import EntryOutcome
from undertow.rollback.journal import Journal


def stop_here(point: str, wanted: str) -> None:
    if point == wanted:
        print("READY", flush=True)
        time.sleep(300)


def main() -> None:
    kubeconfig, versions, namespace, node, point = sys.argv[1:6]
    api = connect(Path(kubeconfig))
    journal = Journal.open(Path(versions), str(uuid.uuid4()))
    client = JournaledClient(api, journal, "crash_scenarios")
    real_create = mutate.create

    def create(api_: Any, manifest: dict[str, Any]) -> dict[str, Any]:
        stop_here(point, "after_record")
        created = real_create(api_, manifest)
        stop_here(point, "after_change")
        return created

    mutate.create = create  # type: ignore[assignment]
    client.create(
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "crash-cm", "namespace": namespace},
        }
    )
    mutate.create = real_create  # type: ignore[assignment]
    client.create(
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "crash-made", "namespace": namespace},
            "spec": {
                "replicas": 1,
                "selector": {"matchLabels": {"app": "crash-made"}},
                "template": {
                    "metadata": {"labels": {"app": "crash-made"}},
                    "spec": {"containers": [{"name": "c", "image": "pause"}]},
                },
            },
        }
    )
    client.scale(ObjectRef("apps/v1", "Deployment", "target", namespace), 0)
    client.set_label(ObjectRef.node(node), "undertow-test/crash", "yes")
    client.cordon(node)
    client.add_taint(node, "undertow.io/crash", "x", "NoExecute")
    stop_here(point, "mid_duration")

    class Observer:
        def started(self, total: int) -> None:
            pass

        def finished(self, outcome: EntryOutcome) -> None:
            stop_here(point, "mid_rollback")

    client.settle(passed=False, auto_rollback=True, progress=Observer())
    journal.close()


if __name__ == "__main__":
    main()
