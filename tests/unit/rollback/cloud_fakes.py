"""A stand-in for boto3 with one stopped EC2 instance, importable in-process or, written to
a directory on PYTHONPATH, by a version file run by hand. Cloud SDKs cannot be reached from
the tests; what is under test is undertow's side (what it imports, what it connects to)."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

FAKE_BOTO3 = """
from types import SimpleNamespace

class _Ec2:
    state = "stopped"

    def describe_instances(self, InstanceIds):
        return {"Reservations": [{"Instances": [{"State": {"Name": _Ec2.state}}]}]}

    def start_instances(self, InstanceIds):
        _Ec2.state = "running"

    def get_waiter(self, name):
        return SimpleNamespace(wait=lambda **kw: None)


def client(service, region_name=None):
    return _Ec2()
"""

NO_KUBERNETES = 'raise ImportError("kubernetes is not installed here")\n'


def write_site(directory: Path) -> Path:
    """A directory to put first on PYTHONPATH: the fake boto3, and a `kubernetes` that
    cannot be imported (so a version file that needs the cluster fails loudly)."""
    directory.mkdir()
    (directory / "boto3.py").write_text(FAKE_BOTO3)
    (directory / "kubernetes").mkdir()
    (directory / "kubernetes" / "__init__.py").write_text(NO_KUBERNETES)
    return directory


def fake_boto3() -> ModuleType:
    """The fake boto3 as an in-process module (put it in sys.modules with monkeypatch)."""
    module = ModuleType("boto3")
    exec(compile(FAKE_BOTO3, "fake_boto3", "exec"), module.__dict__)
    return module
