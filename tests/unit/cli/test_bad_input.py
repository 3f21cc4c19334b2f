# ruff: noqa: E501  (expected messages stay on one line, exactly as the terminal shows them)
"""Bad input of every kind: a precise message (file, line, field, expectation), exit 2,
no traceback, and nothing touched (no versions directory, no cluster contact).

Each case writes its files into a scratch directory and runs `undertow validate` (and, for
a selection, `undertow run`, whose kubeconfig points at a closed port: reaching the cluster
would fail differently, with another message).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

GOOD_SLEEP = "sleep:\n  duration: 0\n"
ALERTS = (
    "performance_monitoring:\n"
    "    prometheus_url: http://127.0.0.1:9\n"
    "    enable_alerts: True\n"
    "    alert_profile: alerts.yaml\n"
)

SLOS = "resiliency:\n    resiliency_file: slo.yaml\n"
PROMETHEUS = "performance_monitoring:\n    prometheus_url: http://127.0.0.1:9\n"
GOOD_SLO = "- expr: up == 0\n  description: down\n  severity: critical\n"


def native(scenarios: str = "  - sleep_scenarios: [s.yaml]\n", extra: str = "") -> str:
    return f"scenarios:\n{scenarios}{extra}"


def krkn(kraken_extra: str = "", rest: str = "") -> str:
    return (
        "kraken:\n"
        "    kubeconfig_path: ~/.kube/config\n"
        f"{kraken_extra}"
        "    chaos_scenarios:\n"
        "        - sleep_scenarios:\n"
        "            - s.yaml\n"
        f"{rest}"
    )


def typed(scenario_type: str) -> str:
    return native(f"  - {scenario_type}: [s.yaml]\n")


HTTP_LOAD = (
    "- http_load_scenario:\n    namespace: shop\n    targets:\n      endpoints:\n"
    "        - url: {url}\n          method: {method}\n    rate: {rate}\n    duration: {duration}\n"
)

HIJACK = (
    "service_name: {name}\nservice_namespace: {namespace}\nservice_target_port: 80\n"
    "plan:\n  - resource: /\n    steps:\n      GET: [{{status: 503}}]\n"
)


@dataclass
class Case:
    id: str
    files: dict[str, str | bytes]
    expected: str
    args: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    config: str = "config.yaml"


CASES = [
    Case("config-missing", {}, "config.yaml: file not found"),
    Case(
        "config-is-directory",
        {"config.yaml/x": ""},
        "config.yaml: is a directory, expected a YAML file",
    ),
    Case(
        "yaml-syntax",
        {"config.yaml": "scenarios:\n  - sleep_scenarios: [s.yaml\nx: 1\n"},
        "config.yaml:3: invalid YAML: expected ',' or ']', but got ':' (column 2)",
    ),
    Case(
        "duplicate-key",
        {
            "config.yaml": native() + "exit_on_failure: true\nexit_on_failure: false\n",
            "s.yaml": GOOD_SLEEP,
        },
        'config.yaml:4: invalid YAML: found duplicate key "exit_on_failure" with value "False" (original value: "True") (column 1)',
    ),
    Case(
        "empty-config",
        {"config.yaml": "# nothing\n"},
        "config.yaml: empty file: expected a config mapping",
    ),
    Case(
        "config-is-list",
        {"config.yaml": "- a\n- b\n"},
        "config.yaml:1: expected a mapping with a `kraken:` section (Krkn) or a `scenarios:` list (undertow), got a list",
    ),
    Case(
        "krkn-unknown-section",
        {"config.yaml": krkn(rest="tuning:\n    iterations: 2\n"), "s.yaml": GOOD_SLEEP},
        "config.yaml:6 at tuning: unknown section 'tuning' (did you mean 'tunings'? known: "
        "cerberus, elastic, health_checks, kraken, kubevirt_checks, object_state_checks, "
        "performance_monitoring, resiliency, telemetry, triggers, tunings, undertow)",
    ),
    Case(
        "krkn-unknown-kraken-key",
        {"config.yaml": krkn("    auto_rolback: true\n"), "s.yaml": GOOD_SLEEP},
        "config.yaml:3 at kraken.auto_rolback: unknown field 'auto_rolback' (did you mean "
        "'auto_rollback'? allowed: auto_rollback, chaos_scenarios, exit_on_failure, "
        "generate_pdf_report, kubeconfig_path, port, publish_kraken_status, "
        "rollback_versions_directory, signal_address, signal_state)",
    ),
    Case(
        "krkn-kraken-not-mapping",
        {"config.yaml": "kraken:\n  - chaos_scenarios\n"},
        "config.yaml:1 at kraken: expected a mapping, got a list",
    ),
    Case(
        "iterations-zero",
        {"config.yaml": krkn(rest="tunings:\n    iterations: 0\n"), "s.yaml": GOOD_SLEEP},
        "config.yaml:7 at tunings.iterations: must be >= 1, got 0",
    ),
    Case(
        "iterations-not-integer",
        {"config.yaml": krkn(rest="tunings:\n    iterations: three\n"), "s.yaml": GOOD_SLEEP},
        "config.yaml:7 at tunings.iterations: expected an integer, got 'three'",
    ),
    Case(
        "iterations-fractional",
        {"config.yaml": krkn(rest="tunings:\n    iterations: 1.5\n"), "s.yaml": GOOD_SLEEP},
        "config.yaml:7 at tunings.iterations: expected a whole number, got 1.5",
    ),
    Case(
        "wait-duration-negative",
        {"config.yaml": krkn(rest="tunings:\n    wait_duration: -5\n"), "s.yaml": GOOD_SLEEP},
        "config.yaml:7 at tunings.wait_duration: must be >= 0, got -5",
    ),
    Case(
        "daemon-mode-not-bool",
        {"config.yaml": krkn(rest="tunings:\n    daemon_mode: maybe\n"), "s.yaml": GOOD_SLEEP},
        "config.yaml:7 at tunings.daemon_mode: expected true or false, got 'maybe'",
    ),
    Case(
        "auto-rollback-not-bool",
        {"config.yaml": krkn("    auto_rollback: sometimes\n"), "s.yaml": GOOD_SLEEP},
        "config.yaml:3 at kraken.auto_rollback: expected true or false, got 'sometimes'",
    ),
    Case(
        "kubeconfig-path-not-string",
        {"config.yaml": krkn().replace("~/.kube/config", "42"), "s.yaml": GOOD_SLEEP},
        "config.yaml:2 at kraken.kubeconfig_path: expected a string, got 42",
    ),
    Case(
        "chaos-scenarios-missing",
        {"config.yaml": "kraken:\n    exit_on_failure: false\n"},
        "config.yaml:1 at kraken.chaos_scenarios: required: a list of {{scenario_type: [files]}} entries",
    ),
    Case(
        "chaos-scenarios-empty",
        {"config.yaml": "kraken:\n    chaos_scenarios: []\n"},
        "config.yaml:2 at kraken.chaos_scenarios: no scenarios: expected at least one {{scenario_type: [files]}} entry",
    ),
    Case(
        "chaos-scenarios-mapping",
        {"config.yaml": "kraken:\n    chaos_scenarios:\n        sleep_scenarios: [s.yaml]\n"},
        "config.yaml:2 at kraken.chaos_scenarios: expected a list of {{scenario_type: [files]}} entries, got a mapping",
    ),
    Case(
        "entry-two-types",
        {"config.yaml": native("  - sleep_scenarios: [s.yaml]\n    node_scenarios: [n.yaml]\n")},
        "config.yaml:2 at scenarios[0]: expected exactly one scenario type per entry, got 2 (sleep_scenarios, node_scenarios)",
    ),
    Case(
        "entry-not-mapping",
        {"config.yaml": native("  - sleep_scenarios\n")},
        "config.yaml:2 at scenarios[0]: expected a mapping {{scenario_type: [files]}}, got 'sleep_scenarios'",
    ),
    Case(
        "file-list-empty",
        {"config.yaml": native("  - sleep_scenarios: []\n")},
        "config.yaml:2 at scenarios[0].sleep_scenarios: expected at least one scenario file, got an empty list",
    ),
    Case(
        "file-list-is-string",
        {"config.yaml": native("  - sleep_scenarios: s.yaml\n")},
        "config.yaml:2 at scenarios[0].sleep_scenarios: expected a list of scenario files, got 's.yaml'",
    ),
    Case(
        "file-item-null",
        {"config.yaml": native("  - sleep_scenarios:\n      -\n")},
        "config.yaml:3 at scenarios[0].sleep_scenarios[0]: expected a file path, got null",
    ),
    Case(
        "unknown-scenario-type",
        {"config.yaml": native("  - sleep_scenario: [s.yaml]\n"), "s.yaml": GOOD_SLEEP},
        "config.yaml:2 at scenarios[0].sleep_scenario[0]: unknown scenario type 'sleep_scenario' (did you mean 'sleep_scenarios'? implemented: {implemented})",
    ),
    Case(
        "scenario-file-missing",
        {"config.yaml": native("  - sleep_scenarios: [missing.yaml]\n")},
        "config.yaml:2 at scenarios[0].sleep_scenarios[0]: file not found: missing.yaml (looked for {tmp}/missing.yaml)",
    ),
    Case(
        "scenario-file-is-directory",
        {"config.yaml": native("  - sleep_scenarios: [dir]\n"), "dir/x": ""},
        "config.yaml:2 at scenarios[0].sleep_scenarios[0]: not a file: dir (looked for {tmp}/dir)",
    ),
    Case(
        "scenario-yaml-syntax",
        {"config.yaml": native(), "s.yaml": "sleep:\n  duration: [0\n"},
        "{tmp}/s.yaml:3: invalid YAML: expected ',' or ']', but got '<stream end>' (column 1)",
    ),
    Case(
        "scenario-empty",
        {"config.yaml": native(), "s.yaml": ""},
        "{tmp}/s.yaml: empty scenario file: expected a sleep_scenarios spec",
    ),
    Case(
        "scenario-not-utf8",
        {"config.yaml": native(), "s.yaml": b"sleep:\n  duration: \xff\n"},
        "{tmp}/s.yaml: not UTF-8 text (invalid byte at offset 19)",
    ),
    Case(
        "scenario-unknown-field",
        {"config.yaml": native(), "s.yaml": "sleep:\n  duraton: 3\n"},
        "{tmp}/s.yaml:2 at sleep.duraton: unknown field 'duraton' (did you mean 'duration'? "
        "allowed: configmap_namespace, count, create_configmap, delete_configmap, duration, "
        "label_configmap, label_selector, name_pattern, outcome)",
    ),
    Case(
        "scenario-wrong-type",
        {"config.yaml": native(), "s.yaml": "sleep:\n  duration: ten\n"},
        "{tmp}/s.yaml:2 at sleep.duration: expected a number, got 'ten'",
    ),
    Case(
        "scenario-negative-duration",
        {"config.yaml": native(), "s.yaml": "sleep:\n  duration: -1\n"},
        "{tmp}/s.yaml:2 at sleep.duration: must be >= 0, got -1",
    ),
    Case(
        "scenario-bad-regex",
        {"config.yaml": native(), "s.yaml": "sleep:\n  name_pattern: 'web-(['\n"},
        "{tmp}/s.yaml:2 at sleep.name_pattern: invalid regular expression 'web-([': unterminated character set at position 5",
    ),
    Case(
        "scenario-bad-label-selector",
        {"config.yaml": native(), "s.yaml": "sleep:\n  label_selector: 'app in (a'\n"},
        "{tmp}/s.yaml:2 at sleep.label_selector: unbalanced '(' in label selector 'app in (a'",
    ),
    Case(
        "scenario-bad-choice",
        {"config.yaml": native(), "s.yaml": "sleep:\n  outcome: explode\n"},
        "{tmp}/s.yaml:2 at sleep.outcome: expected one of 'pass', 'fail', 'raise', 'exit' or 'interrupt', got 'explode'",
    ),
    Case(
        "scenario-count-zero",
        {"config.yaml": native(), "s.yaml": "sleep:\n  count: 0\n"},
        "{tmp}/s.yaml:2 at sleep.count: must be >= 1, got 0",
    ),
    Case(
        "scenario-missing-section",
        {"config.yaml": native(), "s.yaml": "slep:\n  duration: 1\n"},
        "{tmp}/s.yaml:1 at sleep: required field is missing",
    ),
    Case(
        "scenario-top-level-list",
        {"config.yaml": native(), "s.yaml": "- sleep: {}\n"},
        "{tmp}/s.yaml:1: expected a mapping, got a list",
    ),
    # Names Kubernetes would reject, for every scenario type (undertow's own and Krkn's).
    Case(
        "pod-disruption-bad-node-name",
        {
            "config.yaml": typed("pod_disruption_scenarios"),
            "s.yaml": "- id: kill-pods\n  config:\n    namespace_pattern: ^shop$\n"
            "    label_selector: app=web\n    node_names: [Worker_1]\n",
        },
        "{tmp}/s.yaml:5 at [0].config.node_names[0]: invalid node name 'Worker_1': at most 253 characters of lower-case letters, digits, '-' and '.', starting and ending with a letter or digit",
    ),
    Case(
        "pod-disruption-bad-label-value",
        {
            "config.yaml": typed("pod_disruption_scenarios"),
            "s.yaml": "- id: kill-pods\n  config:\n    namespace_pattern: ^shop$\n"
            "    label_selector: app=web shop\n",
        },
        "{tmp}/s.yaml:4 at [0].config.label_selector: cannot parse 'app=web shop' in label selector 'app=web shop': expected key, !key, key=value, key!=value, 'key in (a,b)' or 'key notin (a,b)'",
    ),
    Case(
        "application-outage-bad-namespace",
        {
            "config.yaml": typed("application_outages_scenarios"),
            "s.yaml": "application_outage:\n  namespace: <namespace-with-application>\n",
        },
        "{tmp}/s.yaml:2 at application_outage.namespace: invalid namespace '<namespace-with-application>': at most 63 characters of lower-case letters, digits and '-', starting and ending with a letter or digit",
    ),
    Case(
        "application-outage-bad-label-key",
        {
            "config.yaml": typed("application_outages_scenarios"),
            "s.yaml": "application_outage:\n  namespace: shop\n  pod_selector: {'-app': web}\n",
        },
        "{tmp}/s.yaml:3 at application_outage.pod_selector: invalid label key '-app': the name part must be 1-63 characters of [A-Za-z0-9-_.], starting and ending with an alphanumeric",
    ),
    Case(
        "service-disruption-bad-selector",
        {
            "config.yaml": typed("service_disruption_scenarios"),
            "s.yaml": "scenarios:\n  - label_selector: 'team=a/b'\n",
        },
        "{tmp}/s.yaml:2 at scenarios[0].label_selector: invalid label value 'a/b' for key 'team': at most 63 characters of [A-Za-z0-9-_.], starting and ending with an alphanumeric (or empty)",
    ),
    Case(
        "service-hijacking-bad-namespace",
        {
            "config.yaml": typed("service_hijacking_scenarios"),
            "s.yaml": HIJACK.format(name="web", namespace="Shop"),
        },
        "{tmp}/s.yaml:2 at service_namespace: invalid namespace 'Shop': at most 63 characters of lower-case letters, digits and '-', starting and ending with a letter or digit",
    ),
    Case(
        "service-hijacking-bad-service-name",
        {
            "config.yaml": typed("service_hijacking_scenarios"),
            "s.yaml": HIJACK.format(name="web_svc", namespace="shop"),
        },
        "{tmp}/s.yaml:1 at service_name: invalid Service name 'web_svc': at most 63 characters of lower-case letters, digits and '-', starting with a letter and ending with a letter or digit",
    ),
    Case(
        "container-negative-count",
        {
            "config.yaml": typed("container_scenarios"),
            "s.yaml": "scenarios:\n  - namespace: shop\n    label_selector: app=web\n    count: -1\n",
        },
        "{tmp}/s.yaml:4 at scenarios[0].count: must be >= 1, got -1",
    ),
    Case(
        "container-unknown-signal",
        {
            "config.yaml": typed("container_scenarios"),
            "s.yaml": "scenarios:\n  - namespace: shop\n    label_selector: app=web\n    action: SIGFOO\n",
        },
        "{tmp}/s.yaml:4 at scenarios[0].action: unknown signal 'SIGFOO': expected a number 1-15, `kill <n>` or a name (HUP, INT, QUIT, ILL, TRAP, ABRT, BUS, FPE, KILL, USR1, SEGV, USR2, PIPE, ALRM, TERM)",
    ),
    Case(
        "hog-load-over-100",
        {
            "config.yaml": typed("hog_scenarios"),
            "s.yaml": "hog-type: cpu\nduration: 5\ncpu-load-percentage: 150\n",
        },
        "{tmp}/s.yaml:3 at cpu-load-percentage: must be <= 100, got 150",
    ),
    Case(
        "pvc-fill-over-100",
        {
            "config.yaml": typed("pvc_scenarios"),
            "s.yaml": "pvc_scenario:\n  pvc_name: data\n  namespace: db\n  fill_percentage: 101\n",
        },
        "{tmp}/s.yaml:4 at pvc_scenario.fill_percentage: must be <= 99, got 101",
    ),
    Case(
        "pvc-negative-duration",
        {
            "config.yaml": typed("pvc_scenarios"),
            "s.yaml": "pvc_scenario:\n  pod_name: db-0\n  namespace: db\n  duration: -5\n",
        },
        "{tmp}/s.yaml:4 at pvc_scenario.duration: must be >= 0, got -5",
    ),
    Case(
        "time-skew-pod",
        {
            "config.yaml": typed("time_scenarios"),
            "s.yaml": "time_scenarios:\n  - action: skew_time\n    object_type: pod\n    label_selector: app=web\n",
        },
        "{tmp}/s.yaml:3 at time_scenarios[0].object_type: a pod has no clock of its own: Linux time namespaces offset only CLOCK_MONOTONIC and CLOCK_BOOTTIME, never CLOCK_REALTIME, so a container reads its node's wall clock and `date -s` inside it would move the whole node's; use object_type: node",
    ),
    Case(
        "storage-throttle-negative-iops",
        {
            "config.yaml": typed("storage_throttle_scenarios"),
            "s.yaml": "storage_throttle_scenario:\n  pvc_name: data\n  namespace: db\n  read_iops: -1\n",
        },
        "{tmp}/s.yaml:4 at storage_throttle_scenario.read_iops: must be >= 1, got -1",
    ),
    Case(
        "hog-bad-node-name",
        {
            "config.yaml": typed("hog_scenarios"),
            "s.yaml": "hog-type: memory\nnode-name: worker-1,Worker 2\n",
        },
        "{tmp}/s.yaml:2 at node-name: invalid node name 'Worker 2': at most 253 characters of lower-case letters, digits, '-' and '.', starting and ending with a letter or digit",
    ),
    Case(
        "node-scenarios-bad-node-name",
        {
            "config.yaml": typed("node_scenarios"),
            "s.yaml": "node_scenarios:\n  - actions: [node_cordon_scenario]\n    node_name: worker-1,Worker 2\n",
        },
        "{tmp}/s.yaml:3 at node_scenarios[0].node_name: invalid node name 'Worker 2': at most 253 characters of lower-case letters, digits, '-' and '.', starting and ending with a letter or digit",
    ),
    Case(
        "node-scenarios-bad-taint-key",
        {
            "config.yaml": typed("node_scenarios"),
            "s.yaml": "node_scenarios:\n  - actions: [node_taint_scenario]\n    node_name: worker-1\n    taints: ['bad key=x:NoSchedule']\n",
        },
        "{tmp}/s.yaml:4 at node_scenarios[0].taints[0].key: invalid label key 'bad key': the name part must be 1-63 characters of [A-Za-z0-9-_.], starting and ending with an alphanumeric",
    ),
    Case(
        "zone-outage-bad-zone",
        {
            "config.yaml": typed("zone_outages_scenarios"),
            "s.yaml": "zone_outage:\n  cloud_type: gcp\n  zone: <zone>\n",
        },
        "{tmp}/s.yaml:3 at zone_outage.zone: invalid label value '<zone>' for key 'topology.kubernetes.io/zone': at most 63 characters of [A-Za-z0-9-_.], starting and ending with an alphanumeric (or empty)",
    ),
    Case(
        "native-unknown-key",
        {"config.yaml": native(extra="rollbak:\n  auto: false\n"), "s.yaml": GOOD_SLEEP},
        "config.yaml:3 at rollbak: unknown field 'rollbak' (did you mean 'rollback'? allowed: "
        "allow_protected_namespaces, "
        "cerberus, context, control, exit_on_failure, health_checks, heartbeat, images, kubeconfig, "
        "max_targets, performance_monitoring, report, resiliency, rollback, scenarios, strict, tunings)",
    ),
    Case(
        "native-rollback-auto-not-bool",
        {"config.yaml": native(extra="rollback:\n  auto: 2\n"), "s.yaml": GOOD_SLEEP},
        "config.yaml:4 at rollback.auto: expected true or false, got 2",
    ),
    Case(
        "scenario-option-not-in-config",
        {"config.yaml": native(), "s.yaml": GOOD_SLEEP},
        "command line at --scenario: scenario type 'pod_disruption_scenarios' is not in config.yaml (it names: sleep_scenarios)",
        args=["--scenario", "pod_disruption_scenarios"],
    ),
    Case(
        "node-cloud-type-without-provider",
        {
            "config.yaml": native("  - sleep_scenarios: [s.yaml]\n  - node_scenarios: [n.yaml]\n"),
            "s.yaml": GOOD_SLEEP,
            "n.yaml": "node_scenarios:\n  - actions: [node_reboot_scenario]\n    node_name: w1\n    cloud_type: docker\n",
        },
        "{tmp}/n.yaml:4 at node_scenarios[0].cloud_type: cloud_type 'docker' has no node provider in undertow, which node_reboot_scenario needs (providers: aws, azure (az), bm, gcp, ibmcloud (ibm), local, openstack, vmware (vsphere)); cordon, drain, taint and the kubelet actions work with any cloud_type",
    ),
    Case(
        "node-action-undertow-does-not-run",
        {
            "config.yaml": native("  - node_scenarios: [n.yaml]\n"),
            "n.yaml": "node_scenarios:\n  - actions: [node_block_scenario]\n    node_name: w1\n",
        },
        "{tmp}/n.yaml:2 at node_scenarios[0].actions: node_block_scenario: not supported by undertow (needs a shell on the node or an OpenShift helper); supported: node_cordon_scenario, node_crash_scenario, node_disk_detach_attach_scenario, node_drain_scenario, node_reboot_scenario, node_start_scenario, node_stop_scenario, node_stop_start_scenario, node_taint_scenario, node_termination_scenario, restart_kubelet_scenario, stop_kubelet_scenario, stop_start_kubelet_scenario",
    ),
    Case(
        "node-crash-krkn-format-without-allow-irreversible",
        {
            "config.yaml": krkn()
            .replace("sleep_scenarios", "node_scenarios")
            .replace("s.yaml", "n.yaml"),
            "n.yaml": "node_scenarios:\n  - actions:\n      - node_crash_scenario\n    node_name: w1\n    cloud_type: local\n",
        },
        "{tmp}/n.yaml:2 at node_scenarios[0].allow_irreversible: node_crash_scenario crashes the node's kernel and cannot be undone: set allow_irreversible: true in this entry to run it",
    ),
    Case(
        "node-disk-detach-on-local-nodes",
        {
            "config.yaml": native("  - node_scenarios: [n.yaml]\n"),
            "n.yaml": "node_scenarios:\n  - actions: [node_disk_detach_attach]\n    node_name: w1\n    cloud_type: local\n",
        },
        "{tmp}/n.yaml:4 at node_scenarios[0].cloud_type: node_disk_detach_attach needs a cloud provider's disk API (aws, azure, gcp); cloud_type 'local' has none",
    ),
    Case(
        "node-termination-bare-metal",
        {
            "config.yaml": native("  - node_scenarios: [n.yaml]\n"),
            "n.yaml": "node_scenarios:\n  - actions: [node_termination_scenario]\n    node_name: w1\n    cloud_type: bm\n",
        },
        "{tmp}/n.yaml:2 at node_scenarios[0].actions: node_termination is not possible on bare metal (cloud_type bm)",
    ),
    Case(
        "zone-azure-not-implemented",
        {
            "config.yaml": native("  - zone_outages_scenarios: [z.yaml]\n"),
            "z.yaml": "zone_outage:\n  cloud_type: azure\n  resource_group: rg\n  vnet_name: v\n  subnet_name: s\n",
        },
        "{tmp}/z.yaml:2 at zone_outage.cloud_type: zone_outage with cloud_type azure (subnet NSG swap) is not implemented in undertow; use cloud_type aws, gcp or local",
    ),
    Case(
        "env-iterations",
        {"config.yaml": native(), "s.yaml": GOOD_SLEEP},
        "environment at UNDERTOW_ITERATIONS: expected an integer >= 1, got 'zero'",
        env={"UNDERTOW_ITERATIONS": "zero"},
    ),
    Case(
        "env-rollback-auto",
        {"config.yaml": native(), "s.yaml": GOOD_SLEEP},
        "environment at UNDERTOW_ROLLBACK_AUTO: expected true or false (1/0, yes/no, on/off), got 'maybe'",
        env={"UNDERTOW_ROLLBACK_AUTO": "maybe"},
    ),
    Case(
        "alert-profile-missing",
        {"config.yaml": krkn(rest=ALERTS), "s.yaml": GOOD_SLEEP},
        "config.yaml:9 at performance_monitoring.alert_profile: alert profile not found (looked for {tmp}/alerts.yaml)",
    ),
    Case(
        "alert-profile-bad-severity",
        {
            "config.yaml": krkn(rest=ALERTS),
            "s.yaml": GOOD_SLEEP,
            "alerts.yaml": "- expr: up == 0\n  description: down\n  severity: fatal\n",
        },
        "{tmp}/alerts.yaml:3 at [0].severity: expected one of 'debug', 'info', 'warning', 'error' or 'critical', got 'fatal'",
    ),
    Case(
        "alert-profile-not-a-list",
        {"config.yaml": krkn(rest=ALERTS), "s.yaml": GOOD_SLEEP, "alerts.yaml": "expr: up\n"},
        "{tmp}/alerts.yaml:1: expected a list of {{expr, description, severity}}, got a mapping",
    ),
    Case(
        "alerts-without-prometheus-url",
        {
            "config.yaml": krkn(
                rest=ALERTS.replace("    prometheus_url: http://127.0.0.1:9\n", "")
            ),
            "s.yaml": GOOD_SLEEP,
        },
        "config.yaml:6 at performance_monitoring: enable_alerts is true but prometheus_url is not set",
    ),
    Case(
        "slo-file-without-prometheus-url",
        {"config.yaml": krkn(rest=SLOS), "s.yaml": GOOD_SLEEP, "slo.yaml": GOOD_SLO},
        "config.yaml:7 at resiliency.resiliency_file: resiliency_file needs "
        "performance_monitoring.prometheus_url to evaluate its SLOs",
    ),
    Case(
        "slo-file-bad-weight",
        {
            "config.yaml": krkn(rest=SLOS + PROMETHEUS),
            "s.yaml": GOOD_SLEEP,
            "slo.yaml": GOOD_SLO + "  weight: 0\n",
        },
        "{tmp}/slo.yaml:4 at [0].weight: must be > 0, got 0",
    ),
    Case(
        "slo-file-unknown-severity",
        {
            "config.yaml": krkn(rest=SLOS + PROMETHEUS),
            "s.yaml": GOOD_SLEEP,
            "slo.yaml": GOOD_SLO.replace("critical", "fatal"),
        },
        "{tmp}/slo.yaml:3 at [0].severity: expected one of 'debug', 'info', 'warning', 'error' or 'critical', got 'fatal'",
    ),
    Case(
        "alert-profile-weight-not-a-number",
        {
            "config.yaml": krkn(rest=ALERTS),
            "s.yaml": GOOD_SLEEP,
            "alerts.yaml": GOOD_SLO + "  weight: '2'\n",
        },
        "{tmp}/alerts.yaml:4 at [0].weight: expected a number, got '2'",
    ),
    # The newer scenario types: network_chaos_ng, syn_flood, http_load, time, hogs.
    Case(
        "network-ng-port-out-of-range",
        {
            "config.yaml": typed("network_chaos_ng_scenarios"),
            "s.yaml": "- id: pod_network_filter\n  test_duration: 20\n  label_selector: app=web\n  namespace: shop\n  ports: [70000]\n",
        },
        "{tmp}/s.yaml:5 at [0].ports[0]: must be <= 65535, got 70000",
    ),
    Case(
        "network-ng-loss-over-100",
        {
            "config.yaml": typed("network_chaos_ng_scenarios"),
            "s.yaml": "- id: pod_network_chaos\n  test_duration: 20\n  label_selector: app=web\n  namespace: shop\n  loss: 150\n",
        },
        "{tmp}/s.yaml:5 at [0].loss: must be <= 100, got 150",
    ),
    Case(
        "network-ng-bad-bandwidth",
        {
            "config.yaml": typed("network_chaos_ng_scenarios"),
            "s.yaml": "- id: pod_network_chaos\n  test_duration: 20\n  label_selector: app=web\n  namespace: shop\n  bandwidth: fast\n",
        },
        "{tmp}/s.yaml:5 at [0].bandwidth: expected a rate such as 512kbit, 10mbit or 1gbit, got 'fast'",
    ),
    Case(
        "legacy-network-chaos-bad-execution",
        {
            "config.yaml": typed("network_chaos_scenarios"),
            "s.yaml": "network_chaos:\n  duration: 20\n  label_selector: node-role.kubernetes.io/worker\n  instance_count: 1\n  execution: sideways\n  egress:\n    loss: 1\n",
        },
        "{tmp}/s.yaml:5 at network_chaos.execution: expected one of 'serial' or 'parallel', got 'sideways'",
    ),
    Case(
        "pod-network-outage-port-out-of-range",
        {
            "config.yaml": typed("pod_network_scenarios"),
            "s.yaml": "- id: pod_network_outage\n  config:\n    namespace: shop\n    direction: [ingress]\n    ingress_ports: [70000]\n    label_selector: app=web\n    test_duration: 20\n",
        },
        "{tmp}/s.yaml:5 at [0].config.ingress_ports[0]: must be <= 65535, got 70000",
    ),
    Case(
        "pod-egress-shaping-negative-latency",
        {
            "config.yaml": typed("pod_network_scenarios"),
            "s.yaml": "- id: pod_egress_shaping\n  config:\n    namespace: shop\n    label_selector: app=web\n    network_params:\n      latency: -5ms\n    test_duration: 20\n",
        },
        "{tmp}/s.yaml:6 at [0].config.network_params.latency: expected a duration such as 500us, 50ms or 1s, got '-5ms'",
    ),
    Case(
        "syn-flood-port-zero",
        {
            "config.yaml": typed("syn_flood_scenarios"),
            "s.yaml": "duration: 5\nnamespace: shop\ntarget-service: web\ntarget-port: 0\n",
        },
        "{tmp}/s.yaml:4 at target-port: must be >= 1, got 0",
    ),
    Case(
        "syn-flood-no-attackers",
        {
            "config.yaml": typed("syn_flood_scenarios"),
            "s.yaml": "duration: 5\nnamespace: shop\ntarget-service: web\ntarget-port: 80\nnumber-of-pods: 0\n",
        },
        "{tmp}/s.yaml:5 at number-of-pods: must be >= 1, got 0",
    ),
    Case(
        "syn-flood-bad-namespace",
        {
            "config.yaml": typed("syn_flood_scenarios"),
            "s.yaml": "duration: 5\nnamespace: Shop\ntarget-service: web\ntarget-port: 80\n",
        },
        "{tmp}/s.yaml:2 at namespace: invalid namespace 'Shop': at most 63 characters of lower-case letters, digits and '-', starting and ending with a letter or digit",
    ),
    Case(
        "http-load-bad-url",
        {
            "config.yaml": typed("http_load_scenarios"),
            "s.yaml": HTTP_LOAD.format(url="ftp://web/", method="GET", rate="20/1s", duration="5s"),
        },
        "{tmp}/s.yaml:5 at [0].http_load_scenario.targets.endpoints[0].url: expected an http:// or https:// URL with a host, got 'ftp://web/'",
    ),
    Case(
        "http-load-bad-method",
        {
            "config.yaml": typed("http_load_scenarios"),
            "s.yaml": HTTP_LOAD.format(
                url="http://web/", method="FETCH", rate="20/1s", duration="5s"
            ),
        },
        "{tmp}/s.yaml:6 at [0].http_load_scenario.targets.endpoints[0].method: expected one of 'GET', 'POST', 'PUT', 'DELETE', 'PATCH' or 'HEAD', got 'FETCH'",
    ),
    Case(
        "http-load-bad-rate",
        {
            "config.yaml": typed("http_load_scenarios"),
            "s.yaml": HTTP_LOAD.format(url="http://web/", method="GET", rate="fast", duration="5s"),
        },
        "{tmp}/s.yaml:7 at [0].http_load_scenario.rate: expected requests per period such as 50/1s or 1000/1m, or 0 (as fast as possible), got 'fast'",
    ),
    Case(
        "http-load-bad-duration",
        {
            "config.yaml": typed("http_load_scenarios"),
            "s.yaml": HTTP_LOAD.format(
                url="http://web/", method="GET", rate="20/1s", duration="forever"
            ),
        },
        "{tmp}/s.yaml:8 at [0].http_load_scenario.duration: expected a positive duration such as 30s, 5m or 1m30s, got 'forever'",
    ),
    Case(
        "time-unknown-action",
        {
            "config.yaml": typed("time_scenarios"),
            "s.yaml": "time_scenarios:\n  - action: skew_clock\n    object_type: node\n    label_selector: node-role.kubernetes.io/worker\n",
        },
        "{tmp}/s.yaml:2 at time_scenarios[0].action: expected one of 'skew_time' or 'skew_date', got 'skew_clock'",
    ),
    Case(
        "hog-unknown-type",
        {"config.yaml": typed("hog_scenarios"), "s.yaml": "hog-type: gpu\nduration: 5\n"},
        "{tmp}/s.yaml:1 at hog-type: expected one of 'cpu', 'memory' or 'io', got 'gpu'",
    ),
    # Config-level: undertow's own sections and Krkn's run control keys.
    Case(
        "heartbeat-interval-negative",
        {"config.yaml": native(extra="heartbeat:\n  interval: -3\n"), "s.yaml": GOOD_SLEEP},
        "config.yaml:4 at heartbeat.interval: must be > 0, got -3",
    ),
    Case(
        "report-unknown-key",
        {"config.yaml": native(extra="report:\n  formats: [pdf]\n"), "s.yaml": GOOD_SLEEP},
        "config.yaml:4 at report.formats: unknown field 'formats' (allowed: directory, pdf)",
    ),
    Case(
        "control-port-out-of-range",
        {"config.yaml": native(extra="control:\n  port: 99999\n"), "s.yaml": GOOD_SLEEP},
        "config.yaml:4 at control.port: must be <= 65535, got 99999",
    ),
    Case(
        "image-not-string",
        {"config.yaml": native(extra="images:\n  stress: 5\n"), "s.yaml": GOOD_SLEEP},
        "config.yaml:4 at images.stress: expected a string, got 5",
    ),
    Case(
        "strict-not-bool",
        {"config.yaml": native(extra="strict: perhaps\n"), "s.yaml": GOOD_SLEEP},
        "config.yaml:3 at strict: expected true or false, got 'perhaps'",
    ),
    Case(
        "krkn-signal-state-unknown",
        {"config.yaml": krkn("    signal_state: WAIT\n"), "s.yaml": GOOD_SLEEP},
        "config.yaml:3 at kraken.signal_state: expected one of 'RUN' or 'PAUSE', got 'WAIT'",
    ),
    Case(
        "allow-protected-namespace-invalid",
        {
            "config.yaml": native(extra="allow_protected_namespaces: [Kube_System]\n"),
            "s.yaml": GOOD_SLEEP,
        },
        "config.yaml:3 at allow_protected_namespaces[0]: invalid namespace 'Kube_System': at most 63 characters of lower-case letters, digits and '-', starting and ending with a letter or digit",
    ),
    Case(
        "max-targets-zero",
        {"config.yaml": native(extra="max_targets: 0\n"), "s.yaml": GOOD_SLEEP},
        "config.yaml:3 at max_targets: must be >= 1, got 0",
    ),
    Case(
        "krkn-port-not-integer",
        {"config.yaml": krkn("    port: http\n"), "s.yaml": GOOD_SLEEP},
        "config.yaml:3 at kraken.port: expected an integer, got 'http'",
    ),
]


def _write(root: Path, files: dict[str, str | bytes]) -> None:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)


def _expected(case: Case, root: Path) -> str:
    from undertow.scenarios.registry import build_registry

    return case.expected.format(tmp=root, implemented=", ".join(build_registry().types()))


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_validate_rejects(
    case: Case, workdir: Path, cli: Callable[..., object], monkeypatch: pytest.MonkeyPatch
) -> None:
    _write(workdir, case.files)
    for name, value in case.env.items():
        monkeypatch.setenv(name, value)
    result = cli("validate", "-c", case.config, *case.args)
    assert result.code == 2, result
    assert "Traceback" not in result.err
    lines = result.err.splitlines()
    assert lines[0].startswith("error: invalid input ("), result.err
    assert f"  {_expected(case, workdir)}" in lines, result.err
    assert not (workdir / "state").exists()


RUN_CASES = [
    c
    for c in CASES
    if c.id
    in {
        "yaml-syntax",
        "krkn-unknown-kraken-key",
        "unknown-scenario-type",
        "scenario-file-missing",
        "scenario-bad-regex",
        "scenario-unknown-field",
        "env-rollback-auto",
        "chaos-scenarios-empty",
        "pod-disruption-bad-node-name",
        "application-outage-bad-namespace",
        "service-disruption-bad-selector",
        "service-hijacking-bad-namespace",
        "node-scenarios-bad-node-name",
        "container-unknown-signal",
        "hog-load-over-100",
        "pvc-fill-over-100",
        "pvc-negative-duration",
        "time-skew-pod",
        "storage-throttle-negative-iops",
        "zone-outage-bad-zone",
        "node-cloud-type-without-provider",
        "node-stop-kubelet-krkn-format",
        "node-termination-bare-metal",
        "node-disk-detach-on-local-nodes",
        "alert-profile-bad-severity",
        "network-ng-port-out-of-range",
        "syn-flood-port-zero",
        "http-load-bad-url",
        "time-unknown-action",
        "heartbeat-interval-negative",
    }
]


@pytest.mark.parametrize("case", RUN_CASES, ids=[c.id for c in RUN_CASES])
def test_run_rejects_before_touching_anything(
    case: Case, workdir: Path, cli: Callable[..., object], monkeypatch: pytest.MonkeyPatch
) -> None:
    _write(workdir, case.files)
    (workdir / "kubeconfig").write_text(
        "apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: 'https://127.0.0.1:9'}}]\n"
        "users: [{name: u, user: {token: t}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\n"
        "current-context: x\n"
    )
    for name, value in case.env.items():
        monkeypatch.setenv(name, value)
    result = cli("run", "-c", case.config, "--kubeconfig", "kubeconfig", *case.args)
    assert result.code == 2, result
    assert "Traceback" not in result.err
    assert f"  {_expected(case, workdir)}" in result.err.splitlines(), result.err
    assert not (workdir / "state").exists()


def test_every_problem_is_reported_in_one_pass(workdir: Path, cli: Callable[..., object]) -> None:
    _write(
        workdir,
        {
            "config.yaml": krkn(rest="tunings:\n    iterations: 0\n    wait_duration: -1\n"),
            "s.yaml": "sleep:\n  duration: -1\n",
        },
    )
    result = cli("validate", "-c", "config.yaml")
    assert result.code == 2
    assert result.err.splitlines()[0] == "error: invalid input (2 problems):"


def test_an_unknown_node_action_is_refused_though_krkn_would_skip_it(
    workdir: Path, cli: Callable[..., object]
) -> None:
    _write(
        workdir,
        {
            "config.yaml": native("  - node_scenarios: [n.yaml]\n"),
            "n.yaml": "node_scenarios:\n  - actions:\n      - node_reboot_scenaro\n    node_name: w1\n",
        },
    )
    result = cli("validate", "-c", "config.yaml")
    assert result.code == 2, result
    (problem,) = result.err.splitlines()[1:]
    assert problem.startswith(
        f"  {workdir}/n.yaml:3 at node_scenarios[0].actions[0]: unknown node action "
        "'node_reboot_scenaro' (did you mean 'node_reboot_scenario'? known: node_start_scenario, "
    )
    assert problem.endswith(
        "Krkn would skip it, undertow refuses it on purpose: a misspelt action would make the "
        "run change nothing and pass"
    )


def test_a_cloud_provider_without_its_sdk_names_the_extra_to_install(
    workdir: Path, cli: Callable[..., object], monkeypatch: pytest.MonkeyPatch
) -> None:
    from undertow.scenarios import providers

    monkeypatch.setitem(providers.NEEDS, "aws", ("no_such_sdk", "pip install 'undertow[aws]'"))
    _write(
        workdir,
        {
            "config.yaml": native("  - node_scenarios: [n.yaml]\n"),
            "n.yaml": "node_scenarios:\n  - actions: [node_stop_start_scenario]\n    cloud_type: aws\n",
        },
    )
    result = cli("validate", "-c", "config.yaml")
    assert result.code == 2, result
    assert result.err.splitlines()[1] == (
        f"  {workdir}/n.yaml:3 at node_scenarios[0].cloud_type: cloud_type aws needs "
        "no_such_sdk (pip install 'undertow[aws]')"
    )


def test_the_corpus_covers_every_registered_scenario_type() -> None:
    from undertow.scenarios.registry import build_registry

    named = " ".join(
        content
        for case in CASES
        for name, content in case.files.items()
        if name == case.config and isinstance(content, str)
    )
    missing = [t for t in build_registry().types() if f"{t}:" not in named]
    assert missing == []
    assert len(CASES) >= 80
