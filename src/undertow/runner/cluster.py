"""The real `RunBackend`: the rollback journal and the journaled kube client.

Order matters: the journal is opened first, so an unusable versions directory stops the run
before undertow talks to the cluster at all (fail closed). Then the API is connected, stale
runs are handled, and each scenario gets its own journaled client.
"""

from __future__ import annotations

import contextlib
import logging
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path

from undertow.clock import SystemClock
from undertow.config import HeartbeatSection, KubeconfigChoice
from undertow.config.helper_pods import DEFAULTS_NAME, DEFAULTS_NAMESPACE, HelperPods
from undertow.errors import (
    ConfigError,
    ConfigIssue,
    Forbidden,
    JournalError,
    NotFound,
    VersionsDirUnusable,
)
from undertow.kube import KubeApi, connect
from undertow.kube.refs import ObjectRef
from undertow.rollback import InterruptGate, Journal, JournaledClient, RollbackReport
from undertow.rollback import directory as versions
from undertow.rollback import execute as execute_undo
from undertow.rollback.cluster_copy import ClusterCopy
from undertow.rollback.conflict import explain_conflicts
from undertow.rollback.signing import load_key
from undertow.runner.guardian import GuardianMode, guardian_ready
from undertow.runner.heartbeat import Heartbeat, HeartbeatThread, holder_identity, lease_name
from undertow.runner.lease import KubeLeaseStore
from undertow.runner.outcome import RollbackTally, StaleReport
from undertow.undo.outcome import ALREADY_RESTORED, CONFLICT, GONE, NOTHING_TO_UNDO, RESTORED

_ALREADY = {ALREADY_RESTORED, GONE, NOTHING_TO_UNDO}


def tally(report: RollbackReport, api: KubeApi) -> RollbackTally:
    """Count a journal RollbackReport's outcomes into the runner's tally; a conflict's text
    says what undertow set, what is there now, and how to inspect or force it."""
    restored = already = conflicts = failed = 0
    errors: list[str] = []
    explained = explain_conflicts(report.outcomes, lambda: api)
    for outcome in report.outcomes:
        if outcome.outcome == RESTORED:
            restored += 1
        elif outcome.outcome in _ALREADY:
            already += 1
        elif outcome.outcome == CONFLICT:
            conflicts += 1
            help_lines = explained.get(str(outcome.entry.path), [])
            errors.append("\n  ".join([outcome.detail, *help_lines]))
        elif not outcome.ok:
            failed += 1
            errors.append(outcome.detail)
    return RollbackTally(
        restored=restored,
        already_restored=already,
        conflicts=conflicts,
        failed=failed,
        pending=len(report.kept_pending),
        errors=tuple(errors),
    )


class ScenarioJournal:
    """One scenario's journaled client, settled once."""

    def __init__(
        self, client: JournaledClient, *, auto_rollback: bool, gate: InterruptGate
    ) -> None:
        self._client = client
        self._auto = auto_rollback
        self._gate = gate

    @property
    def kube(self) -> JournaledClient:
        return self._client

    def settle(self, *, passed: bool) -> RollbackTally:
        if not passed:
            self._gate.rollback_started()
        report = self._client.settle(passed, self._auto, should_abort=self._gate.should_abort)
        return tally(report, self._client.api) + RollbackTally(cleaned_up=self._client.cleaned_up)


def cluster_helper_defaults(api: KubeApi, log: logging.Logger) -> HelperPods:
    """What the cluster publishes in kube-public/undertow-defaults (nothing when absent)."""
    ref = ObjectRef("v1", "ConfigMap", DEFAULTS_NAME, DEFAULTS_NAMESPACE)
    try:
        data = api.get(ref).get("data") or {}
    except (NotFound, Forbidden):
        return HelperPods()
    try:
        defaults = HelperPods.from_config_map_data(data)
    except ValueError as exc:
        log.warning("ignoring %s/%s: %s", DEFAULTS_NAMESPACE, DEFAULTS_NAME, exc)
        return HelperPods()
    if defaults.images:
        log.info("the cluster maps helper images: %s", dict(defaults.images))
    return defaults


def _heartbeat_thread(
    api: KubeApi, run_id: str, settings: HeartbeatSection, log: logging.Logger
) -> HeartbeatThread:
    store = KubeLeaseStore(api, namespace=settings.namespace, run_id=run_id)
    heartbeat = Heartbeat(
        store,
        name=lease_name(run_id),
        holder=holder_identity(),
        settings=settings,
        clock=SystemClock(),
        log=log,
    )
    return HeartbeatThread(heartbeat)


def _check_guardian(
    api: KubeApi, mode: GuardianMode, heartbeat: HeartbeatSection | None, log: logging.Logger
) -> None:
    if mode == "off" or heartbeat is None:
        return
    if guardian_ready(api, heartbeat.namespace):
        return
    problem = (
        f"no guardian is ready in namespace {heartbeat.namespace}: if this machine dies "
        "mid-run, nothing in the cluster rolls the run back (`undertow guardian install "
        f"--namespace {heartbeat.namespace}`)"
    )
    if mode == "required":
        raise ConfigError([ConfigIssue("command line", "--guardian required", problem)])
    log.warning("%s", problem)


class ClusterBackend:
    def __init__(
        self,
        api: KubeApi,
        journal: Journal,
        *,
        versions_directory: Path,
        auto_rollback: bool,
        gate: InterruptGate,
        log: logging.Logger,
        helper_pods: HelperPods | None = None,
        stale_rollback: bool | None = None,
        heartbeat: HeartbeatThread | None = None,
        protected: frozenset[str] = frozenset(),
    ) -> None:
        self._api = api
        self._protected = protected
        self._heartbeat = heartbeat
        self._helper_pods = helper_pods or HelperPods()
        self._journal = journal
        self._versions = versions_directory
        self._auto = auto_rollback
        self._stale_rollback = auto_rollback if stale_rollback is None else stale_rollback
        self._gate = gate
        self._log = log

    @classmethod
    def open(
        cls,
        *,
        versions_directory: Path,
        journal_key: Path,
        auto_rollback: bool,
        kubeconfig: KubeconfigChoice,
        context: str | None,
        ask: Callable[[str], bool],
        log: logging.Logger,
        run_id: str | None = None,
        images: Mapping[str, str] | None = None,
        stale_rollback: bool | None = None,
        heartbeat: HeartbeatSection | None = None,
        guardian: GuardianMode = "off",
        preflight: Callable[[KubeApi], None] | None = None,
        protected: frozenset[str] = frozenset(),
    ) -> ClusterBackend:
        """Open the journal (fail closed), then connect; close the journal if that fails.

        A journal that cannot be opened is a problem of the environment (exit 2): nothing
        has been changed yet, and its message names the fix. `stale_rollback`: undo dead
        runs' pending entries at start (default: `auto_rollback`). `preflight(api)` checks
        the input against the cluster before anything is created (it raises ConfigError).
        `guardian`: whether a guardian must watch the heartbeat's namespace (required: else
        bad environment, exit 2, before any change), should (optional: else a warning), or is
        not looked for. `protected`: namespaces no scenario may change."""
        try:
            key = load_key(journal_key)  # an unsafe or unwritable key: the environment too
            journal = Journal.open(versions_directory, run_id or str(uuid.uuid4()), key=key)
        except JournalError as exc:
            raise VersionsDirUnusable(str(exc)) from exc
        try:
            api = connect(kubeconfig, context)
            helper_pods = cluster_helper_defaults(api, log).with_images(images or {})
            if preflight is not None:
                preflight(api)
            _check_guardian(api, guardian, heartbeat, log)
        except BaseException:
            journal.close()
            raise
        beat = None
        if heartbeat is not None:
            beat = _heartbeat_thread(api, journal.run_id, heartbeat, log)
            beat.start()
            if heartbeat.journal_copy == "auto":
                copy = ClusterCopy.if_namespace_exists(
                    api, namespace=heartbeat.namespace, run_id=journal.run_id, log=log
                )
                if copy is not None:
                    journal.attach_copy(copy)
        return cls(
            api,
            journal,
            versions_directory=versions_directory,
            auto_rollback=auto_rollback,
            gate=InterruptGate(ask),
            log=log,
            helper_pods=helper_pods,
            stale_rollback=stale_rollback,
            heartbeat=beat,
            protected=protected,
        )

    @property
    def run_id(self) -> str:
        return self._journal.run_id

    @property
    def helper_pods(self) -> HelperPods:
        return self._helper_pods

    @property
    def gate(self) -> InterruptGate:
        return self._gate

    def recover_stale(self) -> StaleReport:
        """Show what dead runs left pending, then undo it (rollback.auto or --yes) and say
        what each entry did; otherwise leave it all pending and inject nothing."""
        key = self._journal.key
        stale = [r for r in versions.stale_runs(self._versions, key=key) if r.run_id != self.run_id]
        if not stale:
            return StaleReport()
        runs = tuple(run.run_id for run in stale)
        entries = sum(len(run.pending) for run in stale)
        contexts = {run.path for run in stale}
        with versions.select_pending(self._versions, key=key) as selection:
            chosen = [entry for entry in selection.entries if entry.run_id in runs]
            refused = [
                why  # names its file or run directory (Selection.refused)
                for path, why in selection.refused
                if path in contexts or path.parent in contexts
            ]
            self._log.warning(
                "%d pending rollback entr%s from %d earlier run(s) whose process is gone (%s):",
                entries,
                "y" if entries == 1 else "ies",
                len(runs),
                ", ".join(runs),
            )
            for entry in chosen:
                self._log.warning("  to undo: %s  (run %s)", entry.acts_on, entry.run_id)
            for why in refused:
                self._log.warning("  refused: %s", why)
            if not self._stale_rollback:
                held = (
                    f"{entries} pending rollback entr{'y' if entries == 1 else 'ies'} of earlier "
                    "runs left as they are (rollback.auto is off) and nothing was injected: "
                    "review them with `undertow rollback list`, undo them with `undertow "
                    f"rollback execute --run {runs[0]}`, or run again with --yes"
                )
                return StaleReport(runs=runs, entries=entries, held=held)
            self._gate.rollback_started()
            report = execute_undo(
                chosen, lambda: self._api, resolve="executed", should_abort=self._gate.should_abort
            )
        for done in report.outcomes:
            log = self._log.info if done.ok else self._log.warning
            log("  %s: %s", done.outcome, done.detail)
        result = tally(report, self._api)
        if refused:
            result = result + RollbackTally(failed=len(refused), errors=tuple(refused))
        return StaleReport(runs=runs, entries=entries, rolled_back=True, tally=result)

    def begin(self, scenario_type: str, scenario_file: str) -> ScenarioJournal:
        client = JournaledClient(
            self._api, self._journal, scenario_type, self.run_id, protected=self._protected
        )
        return ScenarioJournal(client, auto_rollback=self._auto, gate=self._gate)

    def close(self) -> None:
        """End the heartbeat (every scenario has settled by now), then close the journal."""
        try:
            if self._heartbeat is not None:
                self._heartbeat.stop()
            self._journal.close()
        finally:
            with contextlib.suppress(Exception):
                self._api.close()
