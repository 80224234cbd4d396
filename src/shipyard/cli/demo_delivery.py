"""The delivery part of the demo: the reference article's release pipeline, for real.

After delivery's release build of v1.0.2 (:mod:`shipyard.cli.demo_release`), the demo does
what a release manager and an approver do, through the same functions as the CLI commands:

1. ``shipyard release delivery v1.0.2``: the chart is deployed to QA on the dev/test
   cluster (real pods on the real node) and smoke-tested over the pods' health endpoint;
   the run then waits for production's approval;
2. the author of the change tries to approve and is refused; a second identity approves
   (``shipyard approve RUN --as rita``), bound to the image and chart digests;
3. the image is promoted from ``staging/`` to ``prod/`` by digest (blobs mounted, no layer
   bytes moved) and the chart deployed to the production cluster, the image by digest;
4. v1.0.3 is cut from main, built and released the same way: both versions then run side
   by side in production, each its own helm release;
5. v1.0.2 is deployed to production once more and rolled back to its first revision
   (``shipyard rollback``): helm's history and ``kubectl rollout history`` both tell it.

It ends with where each version runs.
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape

from shipyard.adapters.gitwrite import GitWorkspace
from shipyard.cli.demo_release import (
    ReleaseDemo,
    _history,
    build_release,
    ensure_platform,
)
from shipyard.domain.diagnostics import ShipyardError
from shipyard.domain.events import NewBranch
from shipyard.platform import Platform, Recorder

SERVICE = "delivery"
FIRST, SECOND = "v1.0.2", "v1.0.3"


@dataclass
class DeliveryDemo:
    builds: list[ReleaseDemo] = field(default_factory=list)
    releases: dict[str, dict[str, Any]] = field(default_factory=dict)  # version -> run
    refused_self_approval: str = ""
    approver: str = ""
    running: list[dict[str, Any]] = field(default_factory=list)  # helm releases per env
    rollback: dict[str, Any] = field(default_factory=dict)
    problem: str = ""

    @property
    def ok(self) -> bool:
        return (
            not self.problem
            and len(self.builds) == 2
            and all(b.ok for b in self.builds)
            and all(r.get("status") == "succeeded" for r in self.releases.values())
            and bool(self.refused_self_approval)
            and bool(self.rollback)
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "builds": [b.as_json() for b in self.builds],
            "releases": self.releases,
            "refused_self_approval": self.refused_self_approval,
            "approver": self.approver,
            "running": self.running,
            "rollback": self.rollback,
            "problem": self.problem,
        }


def second_identity(author: str) -> str:
    """Someone who is not the author: production refuses self-approval by default."""
    return "rita" if author != "rita" else "sam"


def _cut(ws: GitWorkspace, version: str) -> NewBranch:
    """A change on main, then release/delivery/VERSION from it."""
    ws.checkout("main")
    ws.append("src/shipping/delivery/README.md", f"Changes of {version}.\n")
    ws.commit_all(f"delivery: what {version} brings")
    branch = f"release/{SERVICE}/{version}"
    ws.branch(branch, "main")
    return NewBranch(f"refs/heads/{branch}", ws.head())


def _release(
    demo: DeliveryDemo, version: str, build_run: int, path: str, say: Console, quiet: bool
) -> dict[str, Any]:
    from shipyard.cli.release_cmd import _store, start_release, vote

    author = getpass.getuser()
    say.rule(escape(f"shipyard release {SERVICE} {version} --to {path}"))
    run = start_release(SERVICE, version, build_run, path, author, quiet)
    if not run.status.final:
        if not demo.refused_self_approval:
            try:
                vote(run.id, author, True, "my own change", True, quiet)
            except ShipyardError as refused:
                demo.refused_self_approval = str(refused)
                say.print(f"[yellow]{escape(author)} may not approve:[/] {escape(str(refused))}")
        demo.approver = second_identity(author)
        say.print(f"approving as a second identity: {demo.approver} (the author is {author})")
        done = vote(run.id, demo.approver, True, f"{version} signed off in QA", True, quiet)
        # None only when another engine carried the run on: read how it stands.
        run = done or _store().get_run(run.id) or run
    return {"run": run.id, "status": str(run.status), "build_run": build_run}


def _where(say: Console) -> list[dict[str, Any]]:
    from shipyard.cli.history_cmd import releases

    rows = releases(SERVICE, ["qa", "production"])
    say.rule("where each version runs")
    for r in rows:
        images = ", ".join(r["images"])
        say.print(
            f"  {r['environment']:<11} {r['name']:<18} revision {r['revision']:<3} {escape(images)}"
        )
    return rows


def run_delivery_demo(
    example: Path, workdir: Path, *, say: Console, platform: Platform | None = None
) -> DeliveryDemo:
    """The whole flow; stops at the first step that does not end as expected."""
    from shipyard.cli.history_cmd import rollback

    quiet = say.quiet
    platform = platform or Platform.load(progress=Recorder())
    ensure_platform(platform, say)
    demo = DeliveryDemo()
    ws, event = _history(example, workdir)
    for version in (FIRST, SECOND):
        if version != FIRST:
            event = _cut(ws, version)
        build = build_release(platform, ws, event, version, say)
        demo.builds.append(build)
        if not build.ok:
            demo.problem = f"the release build of {version} did not end as expected"
            return demo
        demo.releases[version] = _release(demo, version, build.run_id, "qa,production", say, quiet)
        if demo.releases[version]["status"] != "succeeded":
            demo.problem = f"the release of {version} ended {demo.releases[version]['status']}"
            return demo
    again = _release(demo, FIRST, demo.builds[0].run_id, "production", say, quiet)
    demo.releases[f"{FIRST} again"] = again
    if again["status"] != "succeeded":
        demo.problem = f"deploying {FIRST} again ended {again['status']}"
        return demo
    say.rule(escape(f"shipyard rollback {SERVICE} --env production --version {FIRST}"))
    demo.rollback = rollback(SERVICE, "production", FIRST, None, demo.approver, quiet)
    say.print(
        f"rolled {demo.rollback['release']} back to {demo.rollback['to']}: now revision "
        f"{demo.rollback['revision']}"
    )
    demo.running = _where(say)
    return demo


def print_delivery(say: Console, demo: DeliveryDemo) -> None:
    from shipyard.cli.demo_release import print_outcome

    for build in demo.builds:
        print_outcome(say, build)
    for version, run in demo.releases.items():
        say.print(f"release {version}: run {run['run']} {run['status']}")
    if demo.problem:
        say.print(f"[red]stopped:[/] {escape(demo.problem)}")
    word = "[green]OK[/]" if demo.ok else "[red]NOT OK[/]"
    say.print(f"delivery demo: {word}")
