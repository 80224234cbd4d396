"""CLI start-up: wall time of short commands, median of several runs (target: < 0.25 s for
``shipyard --help`` and ``shipyard expr``).

Beside them, the floor under any command: the interpreter alone, importing Typer, and
importing pydantic, which Typer (0.2x) uses to convert every parameter of a command that
takes any, so that each verb with options pays for it once it runs.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

RUNS = 7
TARGET_S = 0.25


def timed(argv: list[str]) -> float:
    subprocess.run(argv, capture_output=True, check=False)  # warm the page cache
    samples = []
    for _ in range(RUNS):
        t = time.perf_counter()
        subprocess.run(argv, capture_output=True, check=False)
        samples.append(time.perf_counter() - t)
    return statistics.median(samples)


def main() -> None:
    if os.environ.get("PYTHONDONTWRITEBYTECODE"):
        print("(PYTHONDONTWRITEBYTECODE is set: Shipyard's own modules compile at every start)")
    exe = Path(sys.executable)
    shipyard = shutil.which("shipyard", path=str(exe.parent)) or "shipyard"
    cases = {
        "shipyard --help": [shipyard, "--help"],
        "shipyard --version": [shipyard, "--version"],
        "shipyard expr 'eq(1, 1)'": [shipyard, "expr", "eq(1, 1)"],
        "shipyard expr -1.2": [shipyard, "expr", "-1.2"],
        "shipyard validate --help": [shipyard, "validate", "--help"],
        "floor: python -c pass": [str(exe), "-c", "pass"],
        "floor: import typer": [str(exe), "-c", "import typer"],
        "floor: import pydantic": [str(exe), "-c", "import pydantic"],
    }
    for name, argv in cases.items():
        took = timed(argv)
        mark = ""
        if name in ("shipyard --help", "shipyard expr 'eq(1, 1)'"):
            mark = "  ok" if took < TARGET_S else f"  over the {TARGET_S} s target"
        print(f"{name:<28} {took * 1000:6.0f} ms (median of {RUNS}){mark}")


if __name__ == "__main__":
    main()
