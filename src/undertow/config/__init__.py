"""Configuration: Krkn's `config.yaml` and undertow's own, loaded into one typed `Settings`.

Validation happens here, once, before anything touches a cluster; errors carry the file,
the line and the field path (`undertow.errors.ConfigIssue`).
"""

from undertow.config.env import ENV_VARS
from undertow.config.kubeconfig import KubeconfigChoice, KubeconfigSetting, choose_kubeconfig
from undertow.config.loader import Overrides, load_connection, load_settings
from undertow.config.models import HeartbeatSection
from undertow.config.settings import (
    Connection,
    RollbackSettings,
    ScenarioFileRef,
    Settings,
    TuningSettings,
)
from undertow.config.yamlfile import YamlDocument, format_loc, load_yaml

__all__ = [
    "ENV_VARS",
    "Connection",
    "HeartbeatSection",
    "KubeconfigChoice",
    "KubeconfigSetting",
    "Overrides",
    "RollbackSettings",
    "ScenarioFileRef",
    "Settings",
    "TuningSettings",
    "YamlDocument",
    "choose_kubeconfig",
    "format_loc",
    "load_connection",
    "load_settings",
    "load_yaml",
]
