"""One scenario judged: health targets sampled from before the injection until they are
healthy again after the rollback, then Cerberus asked for its go/no-go, the alert profile
and the SLOs evaluated and the metrics profile collected over the scenario's window."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from undertow.clock import CancelToken, Clock
from undertow.config.judging import CerberusSection, HealthChecksSection, ResiliencySection
from undertow.config.performance import PrometheusSettings
from undertow.health.alerts import AlertResult, SloResult, evaluate_alerts, evaluate_slos
from undertow.health.availability import Availability
from undertow.health.cerberus import CerberusVerdict, ask_cerberus
from undertow.health.http import HttpProbe
from undertow.health.kube_checks import KubeProbe
from undertow.health.metrics import MetricResult, collect_metrics
from undertow.health.monitor import HealthMonitor, Probe

if TYPE_CHECKING:
    from undertow.kube.api import KubeApi


@dataclass(frozen=True)
class Judging:
    """What judges each scenario, from the config's judging sections."""

    health_checks: HealthChecksSection | None = None
    cerberus: CerberusSection | None = None
    resiliency: ResiliencySection = field(default_factory=ResiliencySection)
    prometheus: PrometheusSettings | None = None

    @property
    def reads_cluster(self) -> bool:
        """Whether the judge needs the cluster's API (kubernetes_checks)."""
        return self.health_checks is not None and bool(self.health_checks.kubernetes_checks)


@dataclass(frozen=True)
class Verdict:
    health: tuple[Availability, ...] = ()
    cerberus: CerberusVerdict | None = None
    alerts: tuple[AlertResult, ...] = ()
    metrics: tuple[MetricResult, ...] = ()
    slos: tuple[SloResult, ...] = ()
    """The `resiliency_file`'s SLOs: scored, never a failure."""

    @property
    def failures(self) -> tuple[str, ...]:
        """Why this verdict fails the run: exit_on_failure targets that were down, no-go,
        an `error`/`critical` alert that fired (or could not be evaluated)."""
        reasons = [
            f"health check {target.target} failed ({target.first_failure_detail}, "
            f"down {target.downtime:.1f}s)"
            for target in self.health
            if target.exit_on_failure and not target.passed
        ]
        if self.cerberus is not None and not self.cerberus.go:
            reasons.append(f"cerberus no-go: {self.cerberus.reason}")
        for alert in self.alerts:
            if alert.fails_run and alert.fired:
                reasons.append(f"{alert.severity} alert fired: {alert.description}")
            elif alert.fails_run:
                reasons.append(f"{alert.severity} alert {alert.expr!r} unevaluated: {alert.error}")
        return tuple(reasons)


class ScenarioJudge:
    """Start before the scenario injects anything; `finish` after its rollback."""

    def __init__(
        self,
        judging: Judging,
        *,
        api: KubeApi | None,
        clock: Clock,
        cancel: CancelToken,
        log: logging.Logger,
    ) -> None:
        self._judging = judging
        self._clock = clock
        self._cancel = cancel
        self._log = log
        health = judging.health_checks
        probes: list[Probe] = []
        if health is not None:
            probes += [HttpProbe(check) for check in health.config]
            if api is not None:
                probes += [KubeProbe(check, api) for check in health.kubernetes_checks]
        self._monitor = (
            HealthMonitor(probes, interval=health.interval, clock=clock, log=log)
            if health is not None and probes
            else None
        )
        self._started = 0.0

    def start(self) -> None:
        self._started = self._clock.wall()
        if self._monitor is not None:
            self._monitor.start()

    def finish(self) -> Verdict:
        health: list[Availability] = []
        if self._monitor is not None and self._judging.health_checks is not None:
            health = self._monitor.finish(
                recovery_timeout=self._judging.health_checks.recovery_timeout,
                cancel=self._cancel,
            )
        cerberus = self._judging.cerberus
        verdict = None
        if cerberus is not None and cerberus.cerberus_enabled and not self._cancel.cancelled:
            verdict = ask_cerberus(cerberus, started=self._started, ended=self._clock.wall())
            self._log.info("cerberus: %s", "go" if verdict.go else f"no-go ({verdict.reason})")
        return Verdict(tuple(health), verdict, *self._prometheus())

    def _prometheus(
        self,
    ) -> tuple[tuple[AlertResult, ...], tuple[MetricResult, ...], tuple[SloResult, ...]]:
        settings = self._judging.prometheus
        if settings is None or self._cancel.cancelled:
            return (), (), ()
        ended = self._clock.wall()
        results = evaluate_alerts(settings, start=self._started, end=ended)
        for alert in results:
            if alert.fired:
                self._log.log(_LEVELS[alert.severity], "alert: %s", alert.description)
            elif alert.error:
                self._log.warning("alert %r not evaluated: %s", alert.expr, alert.error)
        metrics = collect_metrics(settings, start=self._started, end=ended)
        for metric in metrics:
            if metric.error:
                self._log.warning("metric %s not collected: %s", metric.metric_name, metric.error)
        slos = evaluate_slos(settings, start=self._started, end=ended)
        for slo in slos:
            if slo.fired:
                self._log.warning("slo %s failed: %s", slo.severity, slo.description)
            elif slo.error:
                self._log.warning("slo %r not evaluated: %s", slo.expr, slo.error)
        return tuple(results), tuple(metrics), tuple(slos)


_LEVELS = {
    "debug": logging.DEBUG,
    "info": logging.INFO,
    "warning": logging.WARNING,
    "error": logging.ERROR,
    "critical": logging.CRITICAL,
}
"""Krkn logs a fired alert at its severity's level."""
