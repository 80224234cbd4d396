"""Release lead time: from the creation of a release branch to the version running in
production, minus the time it waited for a person's approval (target: under 60 s warm).

On the example monorepo with the embedded platform, as the demo does it: a change on main,
``release/delivery/v1.0.9`` cut from it, delivery's release build (image, tests, scan,
chart), then the release pipeline: QA on the real node with its smoke test, the approval
(given at once by a second identity, and its wait measured and subtracted anyway), the
promotion by digest and the production deploy. Run twice: the first warms the layer cache,
the second is the figure. A run store of its own in a temporary folder; the two helm
releases it makes are removed at the end.

Needs the platform (``shipyard platform up``); prints a line and exits 0 without it.
"""

from __future__ import annotations

import contextlib
import io
import os
import subprocess
import tempfile
import time
from pathlib import Path

from rich.console import Console

from shipyard.cli.demo_cmd import EXAMPLE
from shipyard.cli.demo_delivery import SERVICE, _cut
from shipyard.cli.demo_release import _history, build_release
from shipyard.deliver.release import release_name
from shipyard.platform import Platform, Recorder, binary

VERSIONS = ("v1.0.8", "v1.0.9")


def one(platform: Platform, work: Path, version: str, say: Console) -> dict[str, float]:
    from shipyard.cli.release_cmd import start_release, vote

    ws, _ = _history(EXAMPLE, work)
    started = time.perf_counter()
    event = _cut(ws, version)
    build = build_release(platform, ws, event, version, say)
    built = time.perf_counter()
    if not build.ok:
        raise SystemExit(f"lead time: the release build of {version} failed")
    with contextlib.redirect_stdout(io.StringIO()):  # the commands' JSON is not the figure
        run = start_release(SERVICE, version, build.run_id, "qa,production", "ann", True)
        asked = time.perf_counter()
        done = vote(run.id, "rita", True, "bench", True, True)
    answered_at = asked  # the vote is given the moment the approval is asked
    end = time.perf_counter()
    if done is None or not done.status.ok:
        raise SystemExit(f"lead time: the release of {version} did not reach production")
    return {
        "build": built - started,
        "qa": asked - built,
        "wait": answered_at - asked,
        "production": end - answered_at,
        "lead": end - started - (answered_at - asked),
    }


def main() -> None:
    platform = Platform.load(progress=Recorder())
    if not platform.adapters.registry(
        platform.target.address, platform.target.secure, "", ""
    ).is_up():
        print("lead time: the platform is not running (shipyard platform up); skipped")
        return
    say = Console(quiet=True)
    with tempfile.TemporaryDirectory(prefix="shipyard-lead-") as tmp:
        root = Path(tmp)
        os.environ.update(
            SHIPYARD_DATABASE_URL=f"sqlite:///{root / 'runs.db'}",
            SHIPYARD_ARTIFACTS_DIR=str(root / "artifacts"),
            SHIPYARD_WORK_DIR=str(root / "work"),
        )
        try:
            figures = [one(platform, root / v, v, say) for v in VERSIONS]
        finally:
            helm = str(binary("helm", platform))
            for version in VERSIONS:
                for env in ("qa", "production"):
                    subprocess.run(
                        [helm, "--kube-context", env, "-n", env, "uninstall",
                         release_name(SERVICE, version), "--timeout", "60s"],
                        env=platform.tool_env(), capture_output=True, check=False,
                    )  # fmt: skip
    for label, f in zip(("cold", "warm"), figures, strict=True):
        print(
            f"lead time ({label}): {f['lead']:.1f} s from branch to production without the "
            f"approval wait ({f['wait']:.1f} s): CI build {f['build']:.1f} s, QA deploy and "
            f"smoke test {f['qa']:.1f} s, promotion and production {f['production']:.1f} s"
            + ("  (target: under 60 s warm)" if label == "warm" else "")
        )


if __name__ == "__main__":
    main()
