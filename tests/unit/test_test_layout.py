"""The suite's own layout: pytest imports test modules by basename (prepend import mode, so
helpers beside the tests import plainly), and two modules with one basename stop collection."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

TESTS = Path(__file__).parents[1]


def test_every_python_module_under_tests_has_a_unique_basename() -> None:
    names = Counter(
        p.name
        for p in TESTS.rglob("*.py")
        if p.name not in ("conftest.py", "__init__.py") and "data" not in p.relative_to(TESTS).parts
    )
    assert [name for name, count in names.items() if count > 1] == []
