"""``shipyard demo``: the flow on the example monorepo, from nothing, in a scratch folder.

It builds a real git history of ``examples/fabrikam`` (the article's team: delivery,
package and workflow services, a shared library) and plans the events of the reference
flow: a feature push, a push to main touching only the shared library, a release branch
cut from main with no new commit, and a docs-only change.
"""

from __future__ import annotations

import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import typer
from rich.console import Console
from rich.markup import escape

from shipyard.adapters.git import GitCli
from shipyard.adapters.gitwrite import GitWorkspace
from shipyard.cli.errors import guarded
from shipyard.cli.output import OutputFormat, console, emit_json
from shipyard.cli.plan_cmd import print_report
from shipyard.domain.diagnostics import EnvironmentProblem
from shipyard.domain.events import Event, NewBranch, Push
from shipyard.flow.planner import PlanReport, plan_event

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "fabrikam"


@dataclass(frozen=True, slots=True)
class Scenario:
    title: str
    prepare: Callable[[GitWorkspace], Event]


def _feature_push(ws: GitWorkspace) -> Event:
    ws.checkout("main")
    ws.branch("feature/delivery/x")
    ws.checkout("feature/delivery/x")
    before = ws.head()
    ws.append("src/shipping/delivery/README.md", "A change on the delivery service.\n")
    return Push("refs/heads/feature/delivery/x", before, ws.commit_all("delivery: a feature"))


def _shared_push(ws: GitWorkspace) -> Event:
    ws.checkout("main")
    before = ws.head()
    ws.append("src/shipping/common/README.md", "A change in the shared library.\n")
    return Push("refs/heads/main", before, ws.commit_all("common: shared change"))


def _release_branch(ws: GitWorkspace) -> Event:
    ws.checkout("main")
    ws.branch("release/delivery/v1.0.2", "main")
    return NewBranch("refs/heads/release/delivery/v1.0.2", ws.head())


def _docs_push(ws: GitWorkspace) -> Event:
    ws.checkout("main")
    before = ws.head()
    ws.append("docs/README.md", "Docs only.\n")
    return Push("refs/heads/main", before, ws.commit_all("docs: only docs"))


SCENARIOS = (
    Scenario("push to feature/delivery/x touching src/shipping/delivery", _feature_push),
    Scenario("push to main touching only the shared library", _shared_push),
    Scenario("release/delivery/v1.0.2 created from main with no new commit", _release_branch),
    Scenario("push to main touching only docs/", _docs_push),
)


def run_demo(example: Path, workdir: Path) -> list[tuple[str, PlanReport]]:
    if not (example / "src").is_dir():
        raise EnvironmentProblem(
            f"the example monorepo is missing at {example}",
            hint="run from a checkout of Shipyard, or pass --example",
        )
    ws = GitWorkspace.create(workdir / "fabrikam", seed=example)
    ws.commit_all("Initial import of the Fabrikam monorepo")
    git = GitCli(ws.path)
    results = []
    for scenario in SCENARIOS:
        event = scenario.prepare(ws)
        results.append((scenario.title, plan_event(event, git, repository="fabrikam")))
    return results


def _start_server(say: Console) -> Any:
    from shipyard.platform import settings
    from shipyard.server.serving import start_background

    port = settings.load().server.port
    return start_background("127.0.0.1", port, lambda line: say.print(line, highlight=False))


def _linger(out: Console, server: Any) -> None:
    """On a terminal, keep the server up so the user can look at what the flow did."""
    out.print(f"\nThe runs, releases and approvals are at {server.url}/", highlight=False)
    if not sys.stdin.isatty() or not sys.stdout.isatty():
        return
    out.print("Serving until Ctrl-C.")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        out.print("stopping the server")


def register(app: typer.Typer) -> None:
    @app.command("demo")
    def demo_cmd(
        example: Path = typer.Option(EXAMPLE, "--example", help="The example monorepo"),
        keep: Path | None = typer.Option(
            None, "--keep", help="Build the demo repository here and keep it"
        ),
        plan_only: bool = typer.Option(
            False, "--plan-only", help="Only the trigger decisions and plans (seconds, no tools)"
        ),
        output: OutputFormat = typer.Option(
            OutputFormat.text, "--output", "-o", help="text or json"
        ),
        serve: bool = typer.Option(
            True,
            "--serve/--no-serve",
            help="Start the server (web UI and API) beside the flow and print its URL; on a "
            "terminal it keeps serving after the flow until Ctrl-C",
        ),
    ) -> None:
        """Run Shipyard's flow on the example monorepo (the README's main job).

        1. Plans: a real git history of examples/fabrikam, and what each event of the
           reference flow runs (a feature push, a shared-library change, a release
           branch cut from main, a docs change), and why the rest does not.

        2. The release build: starts the embedded platform when it is not running
           (registry, image tools, clusters; the first time installs and builds them),
           then runs delivery's full CI for release/delivery/v1.0.2 with the real tools:
           tests in a container, runtime image built, scanned and pushed as
           staging/delivery:v1.0.2, chart packaged and pushed as v1.0.2.

        3. The release pipeline: v1.0.2 deployed to QA (real pods, smoke test), the
           author's own approval refused, a second identity's approval, the image
           promoted to prod/ by digest, the chart deployed to production; then v1.0.3
           the same way, side by side; then a rollback. It prints where each runs.

        Exit code 1 when any step does not end as expected.
        """
        as_json = output is OutputFormat.json

        def body() -> None:
            from shipyard.cli.demo_delivery import print_delivery, run_delivery_demo

            with tempfile.TemporaryDirectory(prefix="shipyard-demo-") as tmp:
                work = keep or Path(tmp)
                results = run_demo(example, work / "plans")
                out = console()
                if not as_json:
                    for title, report in results:
                        out.rule(escape(title))
                        print_report(report, verbose=False)
                plans = [{"scenario": t, "plan": r.as_json()} for t, r in results]
                if plan_only:
                    if as_json:
                        emit_json({"plans": plans})
                    return
                say = Console(quiet=True) if as_json else out
                server = _start_server(say) if serve else None
                try:
                    demo = run_delivery_demo(example, work / "release", say=say)
                    if server is not None and not as_json:
                        _linger(out, server)
                finally:
                    if server is not None:
                        server.stop()
                if as_json:
                    emit_json({"plans": plans, "delivery": demo.as_json()})
                else:
                    print_delivery(out, demo)
                if not demo.ok:
                    raise SystemExit(1)

        guarded(body, as_json)
