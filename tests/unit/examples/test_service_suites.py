"""Each service's own test suite passes, run the way its test runner image runs it."""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.unit.examples.support import SERVICES, SHIPPING


@pytest.mark.parametrize("folder", ["common", *SERVICES])
def test_the_suite_passes_and_writes_junit(folder: str, tmp_path: Path) -> None:
    report = tmp_path / "junit.xml"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", f"--junitxml={report}"],
        cwd=SHIPPING / folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    suite = ET.parse(report).getroot().find("testsuite")
    assert suite is not None
    assert int(suite.get("tests", "0")) >= 5
    assert suite.get("failures") == "0"
    assert suite.get("errors") == "0"
