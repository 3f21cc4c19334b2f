"""Write docs/reliability.md from JUnit XML: the crash matrix (failpoint x change ->
restored, and scenario type x failpoint -> restored), the API fault rates survived, the bad
inputs tried and the mutations they made, the concurrency checks, and the RBAC families.

    python scripts/reliability_report.py                       # run the tests, then write it
    python scripts/reliability_report.py --junit A --junit B   # from runs' JUnit XML

Running them means `pytest <TESTS> --junitxml=...` with UNDERTOW_CRASH_MATRIX=full (on the
cluster behind UNDERTOW_TEST_KUBECONFIG, else a local cluster the test session starts), then
`pytest <REAL_NODE_TESTS>` without UNDERTOW_TEST_KUBECONFIG (the local test cluster with its
real node). The page is made
only from the JUnit XML: a crash case counts as restored when its test passed; the other
sections come from the `reliability` testsuite properties (JSON) the tests record once their
assertions held.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from undertow import failpoints

ROOT = Path(__file__).resolve().parents[1]
MATRIX = "tests/integration/rollback/test_crash_matrix.py"
TESTS = (
    MATRIX,
    "tests/integration/faults",
    "tests/integration/audit/test_bad_input_audit.py",
    "tests/integration/runner/test_planted_secrets.py",
    "tests/integration/deploy/test_rbac_families.py",
    "tests/integration/scenarios/test_scenario_crash_matrix.py",
)
REAL_NODE_TESTS = (
    "tests/integration/realnode/test_real_crash_matrix.py",
    "tests/integration/realnode/test_real_rbac_families.py",
)
TEST = "test_sigkill_at_failpoint_then_rollback_execute_restores"
TYPE_TESTS = {
    "test_type_killed_at_failpoint_then_rollback_execute_restores": "kwok",
    "test_real_type_killed_at_failpoint_then_rollback_execute_restores": "real node",
}
"""The per-type crash tests, and where each runs its scenarios."""
OUT = ROOT / "docs" / "reliability.md"
CHANGES = {
    "create": "create a ConfigMap",
    "label": "label an existing ConfigMap",
    "delete_restore": "delete an existing ConfigMap (restore on undo)",
    "label_cleanup": "label an existing ConfigMap; the scenario passes and its own clean-up "
    "undoes the label",
}
"""The matrix's changes, as the test names them, and what each is."""
CELL = {"passed": "yes", "failed": "**no**", "skipped": "skipped"}


@dataclass(frozen=True)
class Results:
    cells: dict[tuple[str, str], str]
    """(failpoint, change) -> passed, failed or skipped."""
    type_cells: dict[tuple[str, str, str], str]
    """(scenario type, where, failpoint) -> passed, failed or `skipped: <reason>`."""
    timestamp: str
    seconds: float
    recorded: list[dict[str, object]]
    """The tests' `reliability` properties, each a JSON object naming its `section`."""


def read_junit(path: Path) -> Results:
    suite = ET.parse(path).getroot()  # noqa: S314 (pytest's own report, not untrusted input)
    if suite.tag == "testsuites":
        suite = suite[0]
    recorded = [
        json.loads(prop.get("value", "{}"))
        for prop in suite.iter("property")
        if prop.get("name") == "reliability"
    ]
    cells: dict[tuple[str, str], str] = {}
    type_cells: dict[tuple[str, str, str], str] = {}
    for case in suite.iter("testcase"):
        test, _, params = case.get("name", "").partition("[")
        if test == TEST:
            point, change = params[:-1].split("-", 1)
            cells[(point, change)] = _state(case)
        elif test in TYPE_TESTS:
            scenario_type, point = params[:-1].split("-", 1)
            type_cells[(scenario_type, TYPE_TESTS[test], point)] = _state(case)
    return Results(
        cells,
        type_cells,
        suite.get("timestamp", "?"),
        float(suite.get("time", "0")),
        recorded,
    )


def _state(case: ET.Element) -> str:
    """passed, failed, or `skipped: <pytest's reason>`."""
    if case.find("failure") is not None or case.find("error") is not None:
        return "failed"
    skipped = case.find("skipped")
    if skipped is not None:
        return f"skipped: {skipped.get('message', '')}"
    return "passed"


def merge(results: list[Results]) -> Results:
    """Several runs' results as one: the crash cells of all, the earliest timestamp."""
    cells: dict[tuple[str, str], str] = {}
    type_cells: dict[tuple[str, str, str], str] = {}
    recorded: list[dict[str, object]] = []
    for one in results:
        cells.update(one.cells)
        type_cells.update(one.type_cells)
        recorded.extend(one.recorded)
    timestamps = sorted(r.timestamp for r in results if r.cells) or ["?"]
    seconds = sum(r.seconds for r in results if r.cells)
    return Results(cells, type_cells, timestamps[0], seconds, recorded)


def run_tests(junit: Path, real_node_junit: Path) -> None:
    """The tests on the cluster as configured, then the real-node tests on the local test
    cluster with its real node; every crash matrix in full."""
    env = {**os.environ, "UNDERTOW_CRASH_MATRIX": "full"}
    without_cluster = {k: v for k, v in env.items() if k != "UNDERTOW_TEST_KUBECONFIG"}
    for tests, xml, session_env in (
        (TESTS, junit, env),
        (REAL_NODE_TESTS, real_node_junit, without_cluster),
    ):
        pytest = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
        subprocess.run(
            [*pytest, *tests, f"--junitxml={xml}"],
            cwd=ROOT,
            env=session_env,
            check=False,  # failed cases are what the page reports
        )


def _section(results: Results, name: str) -> list[dict[str, object]]:
    return [r for r in results.recorded if r.get("section") == name]


def _table(header: list[str], rows: list[list[object]]) -> str:
    if not rows:
        return "Not run in the runs this page was made from."
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def render_faults(results: Results) -> str:
    rows = [
        [
            f"`{r['scenario']}`",
            f"{float(str(r['rate'])):.0%} of {r.get('requests_faulted', 'all')} requests",
            r.get("faults_chosen", "all kinds"),
            f"{r['faults']} of {r['requests']}",
            r["run_exit"],
            r["pending_after_run"],
            r["pending_after_proxied_rollback"],
            "yes",
        ]
        for r in sorted(
            _section(results, "api_faults"),
            key=lambda r: (str(r["scenario"]), str(r.get("requests_faulted")), str(r["rate"])),
        )
    ]
    header = [
        "scenario",
        "fault rate",
        "faults",
        "faults injected / requests",
        "run exit",
        "pending after the run",
        "pending after `rollback execute` through the proxy",
        "restored",
    ]
    return _table(header, rows)


BAD_INPUT_KINDS = {
    "bad_input": "the corpus and bad kubeconfigs",
    "bad_input_fuzzed": "fuzzed scenario files",
}
"""The bad-input sections the audit test records, and what each one's inputs are."""


def render_bad_input(results: Results) -> str:
    rows = [
        [what, r["tried"], r["exit_2_naming_file_and_field"], r["mutations"]]
        for section, what in BAD_INPUT_KINDS.items()
        for r in _section(results, section)
    ]
    header = ["inputs", "tried", "exit 2 naming file and field", "mutating requests seen"]
    return _table(header, rows)


def render_secrets(results: Results) -> str:
    rows = [
        [r["planted"], r["commands"], r["outputs_searched"], r["hits"]]
        for r in _section(results, "secrets")
    ]
    header = ["planted values", "commands run", "outputs searched", "planted values found"]
    return _table(header, rows)


def render_concurrency(results: Results) -> str:
    rows = [[r["check"], r["outcome"]] for r in _section(results, "concurrency")]
    return _table(["check", "what happened"], rows)


def render_rbac(results: Results) -> str:
    rows = [
        [
            f"`undertow-family-{r['family']}`",
            "the real node" if r.get("node") == "real" else "kwok nodes",
            "yes" if r["runs"] else "**no**",
            ", ".join(str(f) for f in r.get("refused", [])) or "-",  # type: ignore[attr-defined]
        ]
        for r in sorted(_section(results, "rbac"), key=lambda r: str(r["family"]))
    ]
    header = ["ClusterRole", "run on", "its family's run passes", "refused (403)"]
    return _table(header, rows)


TYPE_CELL = {"passed": "yes", "failed": "**NOT RESTORED**"}


def render_types(results: Results) -> str:
    """The scenario type x failpoint table, and the types without cells with why."""
    points = failpoints.names()
    rows = [
        [f"`{scenario_type}`", where]
        + [
            _type_cell(results.type_cells.get((scenario_type, where, point), "not run"))
            for point in points
        ]
        for scenario_type, where in sorted({(t, w) for t, w, _ in results.type_cells})
    ]
    table = _table(["scenario type", "run on", *(f"`{p}`" for p in points)], rows)
    states = [s.partition(":")[0] for s in results.type_cells.values()]
    tally = (
        f"**{states.count('passed')} of {len(states)} cells restored**, "
        f"{states.count('failed')} not restored, {states.count('skipped')} skipped."
    )
    why = [
        f"- `{name}`: {reason}"
        for r in _section(results, "crash_types_not_in_matrix")
        for name, reason in r.items()
        if name != "section"
    ]
    without = "Scenario types without cells:\n\n" + "\n".join(why) if why else ""
    return "\n\n".join(part for part in (table, tally if rows else "", without) if part)


def _type_cell(state: str) -> str:
    kind, _, reason = state.partition(": ")
    return f"skipped ({reason})" if kind == "skipped" else TYPE_CELL.get(kind, kind)


def render_rbac_reviewed(results: Results) -> str:
    rows = [
        [
            f"`undertow-family-{r['family']}`",
            f"{r['allowed']} of {r['calls']}",
            f"{r['outside_refused']} of {r['outside']}",
        ]
        for r in sorted(_section(results, "rbac_reviewed"), key=lambda r: str(r["family"]))
    ]
    header = ["ClusterRole", "its code's calls allowed", "other calls refused"]
    return _table(header, rows)


def render(results: Results) -> str:
    points = failpoints.names()
    states = [state.partition(":")[0] for state in results.cells.values()]
    counts = {state: states.count(state) for state in CELL}
    missing = len(points) * len(CHANGES) - len(results.cells)
    header = "| failpoint | " + " | ".join(f"`{c}`" for c in CHANGES) + " |"
    rows = [header, "|---|" + "---|" * len(CHANGES)]
    for point in points:
        cells = [
            CELL.get(results.cells.get((point, c), "").partition(":")[0], "not run")
            for c in CHANGES
        ]
        rows.append(f"| `{point}` | " + " | ".join(cells) + " |")
    steps = "\n".join(f"| `{name}` | {what} |" for name, what in failpoints.FAILPOINTS.items())
    changes = "\n".join(f"| `{name}` | {what} |" for name, what in CHANGES.items())
    when = results.timestamp[:16].replace("T", " ")
    return f"""# Reliability

undertow promises that the cluster is restored even when undertow itself is killed half-way,
or the API server fails under it; that bad input changes nothing; that concurrent commands
never undo one entry twice or a live run's entries; and that it needs no more rights than its
scenarios use. Each section below is a test's result:

- [the crash matrix](#the-crash-matrix): SIGKILL at every failpoint of the journal protocol,
  for each kind of change and for every scenario type;
- [API faults](#api-faults): real scenarios through an API server answering 5xx, 429,
  resets, lost answers and slow responses;
- [bad input](#bad-input): the bad-input corpus against a live cluster, as its audit log saw it;
- [secrets](#secrets): credentials planted in every input, searched for in every output;
- [concurrency](#concurrency): runs and rollbacks at the same time, as real processes;
- [RBAC per family](#rbac-per-family): one ServiceAccount per family's ClusterRole.

This page is generated by `python scripts/reliability_report.py` from the JUnit XML of runs
of those tests (it runs them, or reads given XML files with `--junit FILE`); nothing in it is
written by hand but the text around the tables.

## The crash matrix

The crash matrix (`{MATRIX}`) kills a real `undertow run` with SIGKILL at every failpoint of
the rollback journal's protocol, for each kind of change, runs `undertow rollback execute`,
and compares the namespace with its snapshot from before the run.

### Result

Run of {when} UTC: {len(results.cells)} cases; the test session took {results.seconds:.0f} s
on a shared 2-core machine.

{chr(10).join(rows)}

**{counts["passed"]} of {len(results.cells)} cases restored**, {counts["failed"]} not restored, \
{counts["skipped"]} skipped{f", {missing} not run" if missing else ""}.

"Restored" means every one of these held (the test's assertions):

1. the run died by SIGKILL at the failpoint (exit signal 9, nothing in it could react);
2. the journal held what that step promises: no pending version file before the file is
   published (`journal.before_write`, `journal.temp_written`), exactly one from then on;
   the change visible in the cluster exactly where it was made and not yet undone
   (`client.after_api_call`, `executor.before_undo`);
3. for a failpoint inside the undo (`executor.*`), which kills the run during its own
   rollback, a first `undertow rollback execute --yes` with the same failpoint armed died by
   SIGKILL at the same step, its file still pending;
4. `undertow rollback execute --yes`, unarmed, exited 0, and undid each pending entry exactly
   once: its summary counts as many entries as were pending, and exactly those files became
   `.executed` (an entry undone twice, or left out, fails the case);
5. the namespace equals its snapshot from before the run: every ConfigMap's labels and
   data (the one a controller adds to each namespace on its own left out), and no
   undertow-labelled object left;
6. no version file is pending, and no temp file is left (`rollback execute` deletes the
   `.tmp-<name>.py` a run killed at `journal.temp_written` leaves behind).

### Every scenario type

`tests/integration/scenarios/test_scenario_crash_matrix.py` (on kwok nodes) and
`tests/integration/realnode/test_real_crash_matrix.py` (on the real node) kill a short real
`undertow run` of each scenario type at each failpoint: the journal's failpoints meet the
type's FIRST journaled change, the `executor.*` ones its first undo (the scenario's own
clean-up after its few seconds, or the rollback of a run that fails). Then the same checks
as above: the run died by SIGKILL, nothing pending before the first version file is
published and something pending after, the armed `rollback execute` dies inside the undo,
the unarmed one exits 0 undoing each pending entry exactly once, nothing pending and no temp
file left; and what the type changes is as before the run (kwok: the nodes' labels, taints,
schedulability and readiness, the namespace's Services and their selectors,
NetworkPolicies, ConfigMaps, ServiceAccounts and Deployments, and no undertow-labelled
object; the real node: the pods of the namespace, and the nftables rules and qdiscs of the
target pod, the cgroup IO limits, the volume's usage and files, or the container's restarts).
A run killed mid-duration is tested per type in
`tests/integration/scenarios/test_scenario_crash.py` and the real-node tests it lists.

CI runs each type at one failpoint (the i-th of the sorted types at the i-th failpoint,
cyclically, so every failpoint is hit); `UNDERTOW_CRASH_MATRIX=full`, which this page's run
sets, runs every cell.

{render_types(results)}

### The failpoints

Set `UNDERTOW_FAILPOINTS=name[,name…]` and undertow SIGKILLs itself the first time it
reaches one of them (the variable is read once, at start; unset, a failpoint is one lookup in
an empty set). They are defined, with these descriptions, in `undertow.failpoints`; the matrix
takes its rows from there, so a new failpoint is in the matrix without further work.

| failpoint | the state it leaves |
|---|---|
{steps}

### The changes

Each case is one `undertow run` of the test plugin `sleep_scenarios` (tests/data/plugin)
in a namespace of its own, with one change. The scenario fails, so the run rolls the change
back at once (the version file ends `.executed`), except in `label_cleanup`, where it passes
and its normal clean-up runs the same undo (the file is removed):

| change | what the run does |
|---|---|
{changes}

### What is left on disk

A run killed before its version file is published (`journal.before_write`,
`journal.temp_written`) leaves its rollback context behind with its run record and no version
file, and at `journal.temp_written` also the synced temp file (`.tmp-<name>.py`). Neither is a
version file: `rollback list` and `rollback execute` never run a temp file, and no change was
made for it. The next `rollback execute` deletes such temp files of dead runs (only
undertow's own temp names, only in contexts no live process holds, under the context lock).

## API faults

`tests/integration/faults/test_api_faults.py` puts a loopback HTTPS proxy
(`tests/integration/faults/api_fault_proxy.py`) between undertow and the API server. At the
fault rate, a request meets one of: 500, 503, 429 with `Retry-After: 1` (none of them
forwarded), a connection reset before any answer, a reset after the request was forwarded
(applied, answer lost), or a one-second delay. Each scenario runs with `undertow run` through
the proxy; then `undertow rollback execute` runs through the proxy, then directly. A row is
there only if every one of these held: the run ended with a code of undertow's table and no
traceback; each `rollback execute` ran exactly the entries still pending, each once (so none
was undone twice); the direct one exited 0 with nothing left pending; and what the scenario
touches (the node's taints and schedulability, the namespace's NetworkPolicies, undertow's
objects, the Deployment and its ready pods) equals its snapshot from before the run.

{render_faults(results)}

## Bad input

`tests/integration/audit/test_bad_input_audit.py` runs every case of the bad-input corpus
(`tests/unit/cli/test_bad_input.py`: every scenario type; wrong types, out-of-range values,
unknown fields, names Kubernetes would reject, missing files) and bad kubeconfigs through
`undertow run` against a live cluster whose API server writes an audit log
([local-cluster.md](local-cluster.md#audit-log)), and so do 20 scenario files (every builtin
type at least once) that the fuzzer of `tests/unit/cli/test_input_fuzz.py` mutated into bad input:
wrong types, out-of-range numbers, unknown or missing keys, odd strings. Each must exit 2
naming its file and field; then the audit log must show no `create`, `update`, `patch`,
`delete` or `deletecollection` from undertow's user agent (`undertow/<version>`) as the
test's own ServiceAccount (so other runs on a shared cluster are not counted). A valid run
afterwards proves the log does record undertow's changes. The fuzzer itself, in the unit
tests, checks that every mutated config and scenario file either loads or is bad input,
never another exception.

{render_bad_input(results)}

## Secrets

`tests/integration/runner/test_planted_secrets.py` plants recognisable values where
credentials live: a bound ServiceAccount token in one kubeconfig and an inlined client key in
another, cloud and BMC credentials in the environment (`AWS_SECRET_ACCESS_KEY`,
`AWS_SESSION_TOKEN`, `AZURE_CLIENT_SECRET`, `IBMC_APIKEY`, `OS_PASSWORD`, `VSPHERE_PASSWORD`,
`IPMI_PASSWORD`), a `bmc_password` in a node scenario, and a Prometheus bearer token and the
run-control token in the config. Then it runs, on the cluster, `undertow run` passing and
failing (the failed run's entry left pending, so its cluster copy is there), `--dry-run`,
`validate`, `rollback list`, `report show` of both runs and `rollback execute`, and searches
every output for every planted value: each command's stdout and stderr, every file under the
state, config, temp and report dirs (run logs, version files, `report.json`, `report.html`,
`junit.xml`), and the ConfigMaps, Secrets (decoded) and Leases of the journal's cluster copy
namespace. A value found anywhere fails the test.

{render_secrets(results)}

## Concurrency

`tests/integration/faults/test_concurrent_commands.py`, with real `undertow` processes on one
cluster and one versions dir (a second `rollback execute` is kept busy by the fault proxy's
slow answers). `tests/unit/rollback/test_one_executor.py` and `test_temps.py` check the
same locks in memory.

{render_concurrency(results)}

## RBAC per family

Each ClusterRole of `deploy/rbac-families.yaml` is proven by a real run: a ServiceAccount
bound to it alone (and to a Role for its heartbeat Lease) runs its family's scenario with a
bound token (exit 0, restored, nothing pending, no warning). The pods, network and nodes
families run on kwok nodes (`tests/integration/deploy/test_rbac_families.py`), where the same
identity is also refused by the API server every other family's scenario (the run fails,
nothing pending, nothing changed) and key call
([deploy/README.md](../deploy/README.md#one-family-only)). The containers, services,
hijacking and helpers families run on the real node
(`tests/integration/realnode/test_real_rbac_families.py`: a container signalled, a
Deployment and Service deleted and restored, a Service hijacked, a PVC filled).

{render_rbac(results)}

The containers, services, hijacking and helpers ClusterRoles are also checked call by call
by asking the API server (SelfSubjectAccessReview) as a ServiceAccount bound to the
family's ClusterRole alone: every call the family's code makes (the test lists them) is
allowed, the role grants exactly those, and calls none of these families needs (patch a
Node, read a Secret, create a NetworkPolicy, evict a pod) are refused.

{render_rbac_reviewed(results)}

## Regenerating this page

```
UNDERTOW_TEST_KUBECONFIG=<kubeconfig> python scripts/reliability_report.py
python scripts/reliability_report.py --junit matrix.xml --junit faults.xml ...
```

The first form runs the kwok tests on that cluster, then the real-node tests (the crash
matrix's real-node types, the real-node RBAC families) on the local test cluster with its
real node, started if it is not running; the second renders the page from given runs'
JUnit XML (a cell in several files takes its value from the last one).
"""


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument(
        "--junit",
        type=Path,
        action="append",
        help="JUnit XML of a run of the tests (repeatable); default: run them",
    )
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    if args.junit is None:
        with tempfile.TemporaryDirectory() as tmp:
            junit, real_node = Path(tmp) / "reliability.xml", Path(tmp) / "real-node.xml"
            run_tests(junit, real_node)
            results = merge([read_junit(junit), read_junit(real_node)])
    else:
        results = merge([read_junit(path) for path in args.junit])
    args.out.write_text(render(results), encoding="utf-8")
    states = [*results.cells.values(), *results.type_cells.values()]
    restored = states.count("passed")
    print(f"wrote {args.out}: {restored} of {len(states)} crash cases restored")
    return 0 if states and "failed" not in states else 1


if __name__ == "__main__":
    sys.exit(main())
