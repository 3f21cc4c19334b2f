"""The headline rows of each benchmark's JSON, for the one table `run_all.py` prints and
docs/performance.md shows: (benchmark, measure, value, target, met)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Row = tuple[str, str, str, str, str]


def _met(ok: bool | None) -> str:
    return "" if ok is None else ("yes" if ok else "NO")


def _largest(runs: list[dict[str, Any]]) -> dict[str, Any]:
    return runs[-1]


def floors(r: dict[str, Any]) -> list[Row]:
    j, k, e = r["journal"], r["kill"], r["execute"]
    return [
        ("floors", "journal record+discard / bare durable write (p50)",
         f"{j['ratio_p50']}x ({j['journal_ms']['p50']} / {j['floor_ms']['p50']} ms)",
         "<= 1.2x", _met(j["ratio_p50"] <= 1.2)),
        ("floors", "journaled pod deletions / plain deletions (throughput)",
         f"{k['ratio_p50']}x ({k['journaled_pods_per_s']['p50']} / {k['plain_pods_per_s']['p50']}"
         " pods/s)", ">= 0.8x", _met(k["ratio_p50"] >= 0.8)),
        ("floors", "rollback execute / plain creates (throughput)",
         f"{e['ratio_p50']}x ({e['execute_objects_per_s']['p50']} / "
         f"{e['plain_creates_per_s']['p50']} objects/s)", ">= 0.8x", _met(e["ratio_p50"] >= 0.8)),
    ]  # fmt: skip


def chaostoolkit(r: dict[str, Any]) -> list[Row]:
    rows: list[Row] = []
    for key, title in (("pod_kill", "kill 3 pods + recovery"), ("network_outage", "2 s outage")):
        x = r[key]
        rows += [
            ("vs Chaos Toolkit", f"{title}: own work, Chaos Toolkit / undertow",
             f"{x['speedup']}x ({x['chaostoolkit_own_work_s']} / {x['undertow_own_work_s']} s;"
             f" CPU {x['chaostoolkit_cpu_s']} / {x['undertow_cpu_s']} s)",
             ">= 2x", _met(x["speedup"] >= 2)),
            ("vs Chaos Toolkit", f"{title}: peak RSS undertow / Chaos Toolkit",
             f"{x['undertow_peak_rss_mib']} / {x['chaostoolkit_peak_rss_mib']} MiB",
             "<=", _met(x["undertow_peak_rss_mib"] <= x["chaostoolkit_peak_rss_mib"])),
        ]  # fmt: skip
    s, c = r["startup"], r["sigkill_mid_outage"]
    rows += [
        ("vs Chaos Toolkit", "`undertow --help` / `chaos --help`",
         f"{s['help_ratio']}x ({s['undertow --help best_s']} / {s['chaos --help best_s']} s)",
         "<= 0.5x", _met(s["help_ratio"] <= 0.5)),
        ("vs Chaos Toolkit", "`undertow validate` / `chaos validate`",
         f"{s['validate_ratio']}x ({s['undertow validate best_s']} / "
         f"{s['chaos validate best_s']} s)", "", ""),
        ("vs Chaos Toolkit", "SIGKILL mid-outage: policy left after recovery",
         f"undertow: {len(c['undertow']['left_after_restore'])} (rollback execute); "
         f"Chaos Toolkit: {len(c['chaostoolkit']['left_after_restore'])} (no way back)",
         "0", _met(not c["undertow"]["left_after_restore"])),
    ]  # fmt: skip
    return rows


def pod_kill(r: dict[str, Any]) -> list[Row]:
    rows: list[Row] = [
        ("pod kill", f"{x['pods']} pods / {x['nodes']} nodes: selection, kills/s, peak RSS",
         f"{x['selection_s']} s, {x['kills_per_s']}/s, {x['peak_rss_mib']} MiB", "", "")
        for x in r["sizes"]
    ]  # fmt: skip
    big, met, growth = _largest(r["sizes"]), r["targets_met"], r["growth"]
    rows += [
        ("pod kill", "largest: selection", f"{big['selection_s']} s", "< 2 s",
         _met(met["selection_s"])),
        ("pod kill", "largest: kill throughput", f"{big['kills_per_s']} pods/s", ">= 150/s",
         _met(met["kills_per_s"])),
        ("pod kill", "largest: undertow peak RSS", f"{big['peak_rss_mib']} MiB", "<= 300 MiB",
         _met(met["peak_rss_mib"])),
        ("pod kill", "selection cost per pod, largest / smallest size",
         f"{growth['selection_s_per_pod']['per_unit_cost_ratio']}x", "<= 1 (linear)",
         _met(growth["selection_s_per_pod"]["per_unit_cost_ratio"] <= 1.2)),
    ]  # fmt: skip
    return rows


def journal(r: dict[str, Any]) -> list[Row]:
    o = r["overhead"]
    rows: list[Row] = [
        ("journal", "record + remove per change (p50 / p99)", f"{o['p50_ms']} / {o['p99_ms']} ms",
         "<= 2 ms p50", _met(o["p50_ms"] <= 2.0)),
    ]  # fmt: skip
    rows += [
        ("journal", f"`rollback list --json` over {x['files']} files", f"{x['command_s']} s",
         "<= 1 s" if x["files"] >= 10_000 else "", _met(x["command_s"] <= 1.0)
         if x["files"] >= 10_000 else "")
        for x in r["list"]
    ]  # fmt: skip
    rows += [
        ("journal", f"`rollback execute` of {x['entries']} entries",
         f"{x['seconds']} s, {x['peak_rss_mib']} MiB", "", "")
        for x in r["execute"]
    ]  # fmt: skip
    g = r["growth"]
    rows += [
        ("journal", "list / execute cost per entry, largest / smallest size",
         f"{g['list_command_s_per_file']['per_unit_cost_ratio']}x / "
         f"{g['execute_s_per_entry']['per_unit_cost_ratio']}x", "<= 1 (linear)", ""),
    ]  # fmt: skip
    return rows


def startup(r: dict[str, Any]) -> list[Row]:
    return [
        ("start-up", name, f"{x['best_s']} s best, {x['median_s']} s median", "", "")
        for name, x in r["results"].items()
    ]


def cluster(r: dict[str, Any]) -> list[Row]:
    w = r["warm_start"]
    rows: list[Row] = [
        ("local cluster", "build (recorded or cold)", f"{r['build']['total_s']:.0f} s", "", ""),
        ("local cluster", "warm start to nodes Ready", f"{w['start_to_nodes_ready_s']:.1f} s",
         "< 30 s", _met(w["start_to_nodes_ready_s"] < 30)),
        ("local cluster", "control-plane RSS, 3 nodes", f"{w['rss_total_gib']:.2f} GiB",
         "< 1.5 GiB", _met(w["rss_total_gib"] < 1.5)),
    ]  # fmt: skip
    if real := r.get("real_node"):
        rows.append(
            ("local cluster", "warm start with the real node Ready",
             f"{real['start_to_real_node_ready_s']:.1f} s", "< 20 s",
             _met(real["start_to_real_node_ready_s"] < 20))
        )  # fmt: skip
    return rows


ROWS: dict[str, Callable[[dict[str, Any]], list[Row]]] = {
    "floors": floors,
    "chaostoolkit": chaostoolkit,
    "pod_kill": pod_kill,
    "journal": journal,
    "startup": startup,
    "cluster": cluster,
}


def rows_of(name: str, results: dict[str, Any]) -> list[Row]:
    """The headline rows of one benchmark's results (none if it has no table yet)."""
    make = ROWS.get(name)
    return make(results) if make else []


def markdown(rows: list[Row]) -> str:
    lines = ["| benchmark | measure | result | target | met |", "|---|---|---|---|---|"]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"
