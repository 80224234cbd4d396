"""The ``check`` fixture: ``check(yaml_text)`` -> the sorted diagnostics of that one step."""

from __future__ import annotations

import pytest

from .helpers import Check, check_step, load_step


@pytest.fixture
def check() -> Check:
    return lambda text: check_step(load_step(text))
