"""undertow's one error family.

    UndertowError                      base; `undertow.exit_codes.for_error` gives its exit code
    ├── ConfigError                    bad input: config or scenario file, flag (exit 2)
    ├── KubeError                      a Kubernetes API call failed
    │   ├── NotFound                   404
    │   ├── Conflict                   409 / failed precondition / failed JSON-patch test
    │   ├── Forbidden                  401 / 403
    │   ├── ServerError                5xx, timeouts, dropped connections (retryable)
    │   └── ClusterUnreachable         credentials or context unusable, or the API server cannot
    │                                  be reached (exit 2)
    ├── JournalError                   the rollback journal cannot be written or read (fail closed)
    │   ├── VersionsDirUnusable        a run's journal cannot be opened: nothing changed (exit 2)
    │   └── TamperedVersionFile        a version file failed the ownership/mode/content checks
    ├── ScenarioError                  a scenario could not run as specified
    │   └── ScenarioInputError         its input names what the cluster does not have (an
    │                                  interface a target lacks), found by looking before any
    │                                  fault: what it created to look is removed (exit 2)
    ├── UndoFailed                     a clean-up a scenario needs could not restore everything
    └── LocalClusterError              the local control plane cannot be built, started or stopped

Errors carry a message meant for a human; the CLI prints it without a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass, field


class UndertowError(Exception):
    """Base of every error undertow raises on purpose."""


@dataclass(frozen=True)
class ConfigIssue:
    """One problem in one input file: where it is and what was expected."""

    file: str
    field: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        at = f" at {self.field}" if self.field else ""
        return f"{where}{at}: {self.message}"


@dataclass
class ConfigError(UndertowError):
    """Bad input. Holds every issue found, so the user can fix them in one pass."""

    issues: list[ConfigIssue] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(str(self))

    def __str__(self) -> str:
        return "\n".join(str(issue) for issue in self.issues)


class KubeError(UndertowError):
    """A Kubernetes API call failed. `status` is the HTTP status when there was one."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class NotFound(KubeError):
    pass


class Conflict(KubeError):
    pass


class Forbidden(KubeError):
    pass


class ServerError(KubeError):
    pass


class ClusterUnreachable(KubeError):
    """`hint` says where the kubeconfig came from and how to choose another."""

    def __init__(self, message: str, *, hint: str = "") -> None:
        super().__init__(message)
        self.hint = hint


class JournalError(UndertowError):
    pass


class VersionsDirUnusable(JournalError):
    """The versions directory cannot hold a new run's journal; the message names the fix."""


class TamperedVersionFile(JournalError):
    pass


class ScenarioError(UndertowError):
    pass


class ScenarioInputError(ScenarioError):
    """The user's input, not a failed fault: `issue` names the file and the field. Raised by
    a scenario before it changed anything but what it needed to look (the run rolls that back)."""

    def __init__(self, issue: ConfigIssue) -> None:
        super().__init__(str(issue))
        self.issue = issue


class UndoFailed(UndertowError):
    pass


class LocalClusterError(UndertowError):
    pass
