"""The object-name checks config and scenario files share."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from undertow.config.names import validate_namespace, validate_node_name, validate_service_name


@pytest.mark.parametrize("check", [validate_namespace, validate_node_name, validate_service_name])
def test_a_name_is_checked_whole(check: Callable[[str], str]) -> None:
    assert check("web-1") == "web-1"
    for bad in ("web-1\n", "Web", "-web", ""):
        with pytest.raises(ValueError, match="invalid"):
            check(bad)
