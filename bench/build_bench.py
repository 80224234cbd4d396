"""Cold and warm image builds of the example's delivery service, as Docker@1 builds them.

Builds go through Shipyard's own buildah adapter (``--layers``, the platform's storage and
configuration, the host CA bundle, ``BASE_IMAGE`` from the platform's registry, the labels
step) on a copy of ``examples/fabrikam/src/shipping``:

- cold: ``--no-cache`` for the test runner stage (pip installs pytest) and the runtime image;
- warm: the same two builds again, nothing changed: every layer comes from the cache;
- app change: one line added to the service's code, then both builds: only the layers from
  that ``COPY`` on are rebuilt (the test tools stay cached).

Needs the embedded platform (``shipyard platform up``): the base image is in its registry.
Run: ``python bench/build_bench.py`` (``--rounds N`` repeats the warm build N times).
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from shipyard.adapters import process
from shipyard.adapters.containers import Buildah
from shipyard.flow.builds import BuildSpec
from shipyard.platform import Platform, Recorder
from shipyard.platform.images import base_image
from shipyard.tasks.api import ProcessResult

SHIPPING = Path(__file__).resolve().parents[1] / "examples" / "fabrikam" / "src" / "shipping"
TAG = "127.0.0.1:5000/bench/delivery"


def quiet_runner(
    argv: Sequence[str], *, cwd: Path | None = None, env: Mapping[str, str] | None = None
) -> ProcessResult:
    done = process.run(argv, cwd=cwd, extra_env=env, check=False, timeout=1800)
    if done.returncode != 0:
        print(done.stdout[-2000:], done.stderr[-2000:])
    return ProcessResult(done.returncode)


def build(
    builder: Buildah, base: str, context: Path, work: Path, target: str, no_cache: bool
) -> float:
    spec = BuildSpec(
        dockerfile=context / "delivery" / "Dockerfile",
        context=context,
        tags=(f"{TAG}:{target}",),
        workdir=work,
        target=target,
        build_args=(("BASE_IMAGE", base), ("APP_VERSION", "v0.0.0-bench")),
        labels=(("org.opencontainers.image.revision", "bench"),),
        no_cache=no_cache,
    )
    start = time.perf_counter()
    builder.build(spec, quiet_runner)
    return time.perf_counter() - start


def both(
    builder: Buildah, base: str, context: Path, work: Path, no_cache: bool = False
) -> tuple[float, float]:
    return (
        build(builder, base, context, work, "testrunner", no_cache),
        build(builder, base, context, work, "final", no_cache),
    )


def row(label: str, times: tuple[float, float]) -> str:
    return f"  {label:<44} {times[0]:10.2f} {times[1]:7.2f} {sum(times):7.2f}"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    platform = Platform.load(progress=Recorder())
    base = base_image("python").reference(platform.target.address)
    builder = Buildah(platform.tool_env())
    with tempfile.TemporaryDirectory(prefix="shipyard-build-bench-") as tmp:
        context = Path(tmp) / "shipping"
        shutil.copytree(SHIPPING, context, ignore=shutil.ignore_patterns("__pycache__"))
        work = Path(tmp) / "work"
        cold = both(builder, base, context, work, no_cache=True)
        warm = [both(builder, base, context, work) for _ in range(max(1, args.rounds))]
        app = context / "delivery" / "fabrikam_delivery" / "model.py"
        app.write_text(app.read_text() + "\n# a change\n")
        changed = both(builder, base, context, work)
    for target in ("testrunner", "final"):
        process.run(["buildah", "rmi", f"{TAG}:{target}"], extra_env=platform.tool_env(),
                    check=False)  # fmt: skip
    best = min(warm, key=sum)
    print(f"  {'delivery image builds (buildah --layers, s)':<44} testrunner   final   total")
    print(row("cold (--no-cache)", cold))
    print(row(f"warm (nothing changed, best of {len(warm)})", best))
    print(row("app change (one source file)", changed))
    print(f"  warm rebuild is {sum(cold) / max(sum(best), 1e-6):.1f}x faster than cold")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
