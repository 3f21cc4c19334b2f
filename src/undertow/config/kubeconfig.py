"""Which kubeconfig a command uses, who chose it, and how to choose another.

The first source that is set wins (kubectl's order, with the config file where Krkn put it):

    1. --kubeconfig
    2. UNDERTOW_KUBECONFIG
    3. the config file's `kubeconfig` (Krkn: `kraken.kubeconfig_path`)
    4. KUBECONFIG (several files separated by `:` are merged, as kubectl does)
    5. ~/.kube/config
    6. the in-cluster service account (inside a pod)

Krkn's sample config holds `kubeconfig_path: ~/.kube/config`. When that file does not
exist, the entry counts as not set (with a notice), so a Krkn config works as it is in a
pod or a CI job that sets KUBECONFIG. Any other named file that does not exist is bad input
(`ConfigError`, exit 2). Every message names the source and how to override it. Reading
the file system happens here, when a command is about to connect; `validate` never does.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from undertow.errors import ConfigError, ConfigIssue

KRKN_SAMPLE_DEFAULT = "~/.kube/config"
"""What Krkn's sample config.yaml holds in `kraken.kubeconfig_path`."""

FLAG = "--kubeconfig"
ENV_VAR = "UNDERTOW_KUBECONFIG"


@dataclass(frozen=True)
class KubeconfigSetting:
    """A kubeconfig named explicitly: by the flag, UNDERTOW_KUBECONFIG or the config file."""

    path: Path
    source: str
    """`--kubeconfig`, `UNDERTOW_KUBECONFIG`, or the config's field (`kraken.kubeconfig_path`)."""
    file: str = "command line"
    """Where the source is: `command line`, `environment`, or the config file."""
    line: int | None = None
    written: str = ""
    """The value as written in the config file."""

    @property
    def from_config(self) -> bool:
        return self.source not in (FLAG, ENV_VAR)

    @property
    def described(self) -> str:
        if not self.from_config:
            return self.source
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{self.source} in {where}"

    @property
    def override(self) -> str:
        if self.source == FLAG:
            return f"pass another {FLAG} FILE"
        if self.source == ENV_VAR:
            return f"pass {FLAG} FILE, or change {ENV_VAR}"
        return f"pass {FLAG} FILE (or set {ENV_VAR}), or change {self.source}"


@dataclass(frozen=True)
class KubeconfigChoice:
    """The kubeconfig a command uses; `path` None means the in-cluster service account."""

    path: Path | None
    source: str
    """Who chose it, for messages: `--kubeconfig`, `KUBECONFIG`, `~/.kube/config (default)`..."""
    override: str
    """How to choose another, for hints."""
    notice: str = ""
    """Said once when the choice is not the obvious one (Krkn's sample default fell through)."""
    merged: tuple[Path, ...] = ()
    """The other files KUBECONFIG lists, merged after `path` (as kubectl does)."""

    @property
    def hint(self) -> str:
        used = self.described or "the in-cluster service account"
        return f"the kubeconfig ({used}) came from {self.source}; to use another, {self.override}"

    @property
    def described(self) -> str:
        """The file(s), as KUBECONFIG would list them; empty for the in-cluster account."""
        if self.path is None:
            return ""
        return os.pathsep.join(str(path) for path in (self.path, *self.merged))


def explicit(path: Path) -> KubeconfigChoice:
    """A kubeconfig file handed over directly (tests, tools)."""
    return choose_kubeconfig(KubeconfigSetting(path.expanduser(), FLAG), os.environ)


def named_kubeconfig(flag: Path | None, env: Path | None) -> KubeconfigSetting | None:
    """The kubeconfig named by --kubeconfig, else by UNDERTOW_KUBECONFIG (None: neither)."""
    if flag is not None:
        return KubeconfigSetting(flag, FLAG)
    if env is not None:
        return KubeconfigSetting(env, ENV_VAR, file="environment")
    return None


def choose_kubeconfig(
    setting: KubeconfigSetting | None, env: Mapping[str, str]
) -> KubeconfigChoice:
    """Apply the order above; raise ConfigError (exit 2) if the chosen file is missing."""
    default = Path("~/.kube/config").expanduser()
    override = f"pass {FLAG} FILE"
    sample = ""
    if setting is not None:
        if setting.path.is_file():
            return KubeconfigChoice(setting.path, setting.described, setting.override)
        if not (setting.from_config and setting.written == KRKN_SAMPLE_DEFAULT):
            raise ConfigError([_missing(setting)])
        sample = f"{setting.described} is Krkn's sample default {KRKN_SAMPLE_DEFAULT}, which "
        sample += "does not exist here; using "
        override = setting.override
    listed = env.get("KUBECONFIG", "")
    if listed.strip():
        override += ", or change KUBECONFIG"
        if not any(Path(part).expanduser().is_file() for part in listed.split(os.pathsep) if part):
            message = f"{listed}: no such kubeconfig file; {override}"
            raise ConfigError([ConfigIssue("environment", "KUBECONFIG", message)])
        notice = f"{sample}KUBECONFIG ({listed})" if sample else ""
        first, *rest = [Path(part).expanduser() for part in listed.split(os.pathsep) if part]
        return KubeconfigChoice(first, "KUBECONFIG", override, notice, tuple(rest))
    override += ", or set KUBECONFIG"
    if default.is_file():
        return KubeconfigChoice(default, f"{default} (the default)", override)
    if env.get("KUBERNETES_SERVICE_HOST"):
        notice = f"{sample}the in-cluster service account" if sample else ""
        return KubeconfigChoice(None, "the in-cluster service account", override, notice)
    raise ConfigError([_nothing_found(setting, default, override)])


def _missing(setting: KubeconfigSetting) -> ConfigIssue:
    """The named file is not there: the issue points at whoever named it."""
    message = f"kubeconfig {setting.path} does not exist; {setting.override}"
    return ConfigIssue(setting.file, setting.source, message, line=setting.line)


def _nothing_found(setting: KubeconfigSetting | None, default: Path, override: str) -> ConfigIssue:
    """No source gave a usable kubeconfig: say what was tried, at the entry that named one."""
    rest = (
        f"{default} does not exist, and this is not a pod (no in-cluster service account); "
        f"{override}, or start the local cluster with `undertow cluster up`"
    )
    if setting is None:
        unset = (
            "--kubeconfig, UNDERTOW_KUBECONFIG, the config's kubeconfig and KUBECONFIG are unset"
        )
        return ConfigIssue("environment", "", f"no kubeconfig: {unset}; {rest}")
    message = f"kubeconfig {setting.path} does not exist, KUBECONFIG is unset, {rest}"
    return ConfigIssue(setting.file, setting.source, message, line=setting.line)
