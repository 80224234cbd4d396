"""Session fixtures shared by the whole suite.

``shipyard_platform``: the embedded platform (registry, base image, clusters), brought up
once per test run, not per test. ``up`` is idempotent, so when ``make test`` has already run
``shipyard platform up`` (or a previous run left it up) this costs a few seconds of checks;
on a machine where nothing is installed it installs and builds everything first. It is left
running at the end, for the next run; ``make platform-down`` stops it.

Tests that use it are marked ``platform`` (and ``integration``), so ``make unit`` never
starts it.
"""

from __future__ import annotations

import pytest

from shipyard.platform import Platform, Recorder, lifecycle


@pytest.fixture(scope="session")
def shipyard_platform() -> Platform:
    platform = Platform.load(progress=Recorder())
    lifecycle.up(platform)
    return platform
