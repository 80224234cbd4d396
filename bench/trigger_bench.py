"""How trigger evaluation scales: 1,000 pipelines against a change of 10,000 files, then 2x.

A monorepo with one pipeline per service, each including its own folder and a shared
library, some with excludes (docs, Markdown) and wildcards (``src/svcN/*/config/*.yaml``),
receives one large push (a mass refactor touching 10,000 files). Git is left out: a fake
returns the precomputed file list, so the figure is the cost of the decisions alone.

Then both sizes double. Evaluation bisects each path pattern's literal prefix in the sorted
changed files and stops at the first few matches, so the time should roughly double too
(growth ratio near 2, the N log N sort of the files included) rather than quadruple as a
pipelines x files scan would. Target: under 1 s for 1k x 10k.

Run: ``python bench/trigger_bench.py`` (``--pipelines`` and ``--files`` to change the base
size).
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Sequence

from shipyard.domain.events import Push
from shipyard.domain.filters import compile_path_filter, compile_ref_filter
from shipyard.domain.pipeline import CITrigger, Filter
from shipyard.flow.trigger import RegisteredPipeline, TriggerReport, evaluate

BEFORE, AFTER = "a" * 40, "b" * 40
SHARED_LIBS = 50


class PrecomputedGit:
    """Answers every Git port question from precomputed data, instantly."""

    def __init__(self, changed: list[str]) -> None:
        self.changed = changed

    def resolve(self, rev: str) -> str | None:
        return rev

    def changed_files(self, base: str, head: str) -> list[str]:
        return self.changed

    def merge_base(self, a: str, b: str) -> str | None:
        return a

    def tree_files(self, rev: str) -> list[str]:
        return self.changed

    def read_file(self, rev: str, path: str) -> bytes | None:
        return None

    def default_branch(self) -> str:
        return "main"

    def is_ancestor(self, a: str, b: str) -> bool:
        return False

    def commits_between(self, base: str, head: str) -> list[str]:
        return [head]


def build_pipelines(count: int) -> list[RegisteredPipeline]:
    pipelines = []
    for i in range(count):
        svc = f"svc{i:05}"
        include = [f"/src/{svc}/", f"shared/lib{i % SHARED_LIBS:02}/"]
        exclude: list[str] = []
        if i % 3 == 0:
            exclude += [f"src/{svc}/docs/", "**/*.md"]
        if i % 5 == 0:
            include.append(f"deploy/*/{svc}/*.yaml")
        if i % 7 == 0:
            include = [f"src/{svc}/*/config/*.yaml", f"src/{svc}/cmd"]
        branches = Filter(
            ("main", f"release/{svc}/v*", "feature/*"),
            ("feature/experimental/*",) if i % 4 == 0 else (),
        )
        trigger = CITrigger(
            batch=i % 2 == 0, branches=branches, paths=Filter(tuple(include), tuple(exclude))
        )
        pipelines.append(RegisteredPipeline(svc, f"src/{svc}/azure-pipelines.yml", trigger))
    return pipelines


def build_change(files: int, services: int, seed: int = 7) -> list[str]:
    """A large push: most files in a tenth of the services, some shared, docs, deploy."""
    rnd = random.Random(seed)
    touched = rnd.sample(range(services), max(1, services // 10))
    out: set[str] = set()
    while len(out) < files:
        roll = rnd.random()
        svc = f"svc{rnd.choice(touched):05}"
        if roll < 0.80:
            sub = rnd.choice(["pkg", "internal", "docs", "cmd", "api"])
            ext = rnd.choice([".go", ".py", ".md", ".yaml"])
            out.add(f"src/{svc}/{sub}/m{rnd.randrange(10_000)}/f{rnd.randrange(1_000)}{ext}")
        elif roll < 0.802:
            out.add(f"shared/lib{rnd.randrange(SHARED_LIBS * 2):02}/f{rnd.randrange(10**6)}.py")
        elif roll < 0.95:
            out.add(f"docs/section{rnd.randrange(100)}/page{rnd.randrange(10**6)}.md")
        else:
            out.add(f"deploy/{rnd.choice(['staging', 'prod'])}/{svc}/v{rnd.randrange(10**6)}.yaml")
    return sorted(out, key=lambda _: rnd.random())  # git does not promise an order


def measure(
    pipelines: Sequence[RegisteredPipeline], changed: list[str], repeat: int = 3
) -> tuple[float, float, TriggerReport]:
    """Seconds for the first evaluation (filters compiled then) and the best of ``repeat``."""
    compile_ref_filter.cache_clear()
    compile_path_filter.cache_clear()
    git = PrecomputedGit(changed)
    event = Push("main", BEFORE, AFTER)
    start = time.perf_counter()
    report = evaluate(pipelines, event, git)
    first = time.perf_counter() - start
    best = first
    for _ in range(repeat):
        start = time.perf_counter()
        evaluate(pipelines, event, git)
        best = min(best, time.perf_counter() - start)
    return first, best, report


def main(argv: Sequence[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--pipelines", type=int, default=1_000)
    parser.add_argument("--files", type=int, default=10_000)
    args = parser.parse_args(argv)

    figures: dict[str, float] = {}
    results = []
    for scale in (1, 2):
        n_pipes, n_files = args.pipelines * scale, args.files * scale
        pipelines = build_pipelines(n_pipes)
        changed = build_change(n_files, n_pipes)
        first, best, report = measure(pipelines, changed)
        results.append(best)
        figures[f"first_s_{scale}x"] = first
        figures[f"best_s_{scale}x"] = best
        print(
            f"{n_pipes:>6} pipelines x {n_files:>6} changed files: "
            f"first {first * 1000:7.1f} ms (filters compiled), best {best * 1000:7.1f} ms; "
            f"{len(report.runs)} run, {len(report.skipped)} skipped"
        )
    ratio = results[1] / results[0]
    figures["growth_ratio"] = ratio
    print(f"growth ratio for 2x pipelines and 2x files: {ratio:.2f} (linear is 2, quadratic 4)")
    verdict = "OK" if results[0] < 1.0 else "SLOW"
    print(f"target < 1 s at {args.pipelines} x {args.files}: {verdict}")
    return figures


if __name__ == "__main__":
    main()
