"""How long ``shipyard platform up`` takes when everything is already there (target: < 30 s).

Runs ``shipyard platform up --output json`` as a user would (a new process each time): the
first run brings the platform up if needed (on a fresh machine that is the cold install and
build); the next runs are the warm case that a developer or CI pays at the start of every
test run, and must build nothing. Also prints the cold time of each Go build, as recorded in
the tool cache when it was built, and how long ``status`` takes.

Run: ``python bench/platform_bench.py [--runs N]``. Exit status 1 if a warm ``up`` built
anything or took 30 s or more.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from typing import Any

from shipyard.platform import Platform
from shipyard.platform.catalog import TOOLS
from shipyard.platform.gobuild import read_manifest

TARGET_SECONDS = 30.0


def _cli(*args: str) -> tuple[float, dict[str, Any]]:
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "shipyard", "platform", *args, "--output", "json"],
        capture_output=True,
        text=True,
        check=False,
    )
    took = time.monotonic() - started
    if done.returncode != 0:
        sys.stderr.write(done.stdout + done.stderr)
        raise SystemExit(f"shipyard platform {' '.join(args)} failed")
    return took, json.loads(done.stdout)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    first, report = _cli("up")
    built = report["changed"]
    print(
        f"first up: {first:.1f} s"
        + (f" (did: {', '.join(built)})" if built else " (nothing to do)")
    )
    for step in report["steps"]:
        if step["outcome"] == "done":
            print(f"  {step['step']:<55} {step['seconds']:>8.1f} s  {step['detail']}")

    warm: list[float] = []
    failed = False
    for i in range(args.runs):
        took, again = _cli("up")
        warm.append(took)
        if again["changed"]:
            failed = True
            print(f"warm up #{i + 1} did work: {again['built']}")
    median = statistics.median(warm)
    print(
        f"warm up: median {median:.2f} s over {len(warm)} runs (min {min(warm):.2f}, "
        f"max {max(warm):.2f}); target < {TARGET_SECONDS:.0f} s; builds nothing: {not failed}"
    )
    status_took, _ = _cli("status")
    print(f"status: {status_took:.2f} s")

    paths = Platform.load().paths
    print("cold Go builds, as recorded in the tool cache:")
    for t in TOOLS:
        manifest = read_manifest(paths.tool_dir(t.name, t.version))
        if manifest:
            print(
                f"  {t.name:<12} {t.version:<9} {manifest.get('seconds', '?'):>7} s  "
                f"built {manifest.get('built', '?')} with {manifest.get('go', '?')}"
            )
    return 1 if failed or median >= TARGET_SECONDS else 0


if __name__ == "__main__":
    raise SystemExit(main())
