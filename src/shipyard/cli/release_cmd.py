"""``shipyard release``, ``approve``, ``reject`` and ``approvals``: a version on its way to
production.

``release SERVICE VERSION`` finds the service's successful release build of that version
(its image and chart digests), and runs Shipyard's release pipeline for it: QA, then the
approval, then promotion and production. The command follows the run until it finishes or
waits for an approval; a waiting run needs no process (it is a row in the store), so the
command then ends and says who may approve. ``approve RUN --as USER`` records a vote; when
the votes are enough the run carries on, in this process unless ``--no-wait``.
"""

from __future__ import annotations

import getpass
from dataclasses import asdict
from typing import Any

import typer
from rich.markup import escape

from shipyard.cli.errors import guarded
from shipyard.cli.output import OutputFormat, console, emit_json
from shipyard.cli.plan_cmd import UsageProblem
from shipyard.deliver.approvals import Question
from shipyard.deliver.release import Release, normalize_version
from shipyard.domain.diagnostics import ShipyardError
from shipyard.flow.run.records import RunRecord
from shipyard.flow.run.views import StepTitles

OUTPUT = typer.Option(OutputFormat.text, "--output", "-o", help="text or json")


def _store() -> Any:
    from shipyard.cli.run_cmd import _store as open_swept

    return open_swept()


def _deployments(store: Any) -> Any:
    from shipyard.store.deployments import Deployments

    return Deployments(store.engine)


def find_release(store: Any, service: str, version: str, build_run: int | None) -> Release:
    """The release described by the newest successful release build of that version."""
    from shipyard.cli.build_record import build_record_json

    ref = f"refs/heads/release/{service}/{version}"
    if build_run is not None:
        run = store.get_run(build_run)
        if run is None:
            raise UsageProblem(f"run {build_run} does not exist")
        candidates = [run]
    else:
        candidates = [
            r for r in store.list_runs(limit=500, pipeline=service) if r.ref == ref and r.status.ok
        ]
    if not candidates:
        raise UsageProblem(
            f"no successful release build of {service} {version} (branch {ref})",
            hint=f"push release/{service}/{version} and let its build finish, or pass "
            "--build-run RUN",
        )
    run = candidates[0]
    if not run.status.ok:
        raise UsageProblem(f"run {run.id} did not succeed ({run.status}); it cannot be released")
    record = build_record_json(store, run)
    images = [i for i in record["images"] if i["name"] == service and i.get("digest")]
    charts = [c for c in record["charts"] if c["name"] == service and c.get("digest")]
    if not images or not charts:
        raise UsageProblem(
            f"run {run.id} pushed no image and chart of {service} with digests: nothing to release"
        )
    author = str(_deployments(store).run_request(run.id).get("requested_for") or "")
    return release_from(service, version, run, images[-1], charts[-1], author)


def release_from(
    service: str,
    version: str,
    run: RunRecord,
    image: dict[str, Any],
    chart: dict[str, Any],
    author: str,
) -> Release:
    ref = str(image["reference"]).split("@", 1)[0]
    address, _, rest = ref.partition("/")
    repository = rest.rsplit(":", 1)[0]
    chart_ref = str(chart["reference"]).removeprefix("oci://").split("@", 1)[0]
    chart_repo = chart_ref.partition("/")[2].rsplit(":", 1)[0]
    data = chart.get("data") or {}
    return Release(
        service=service,
        version=version,
        build_run_id=run.id,
        commit=run.sha,
        author=author,
        registry=address,
        plain_http=address.startswith(("127.", "localhost")),
        image_repository=repository,
        image_digest=str(image["digest"]),
        chart_repository=chart_repo,
        chart_version=str(data.get("version") or version),
        chart_digest=str(chart["digest"]),
    )


def follow(svc: Any, run_id: int, as_json: bool) -> RunRecord:
    """Print each finished step until the run settles (finished, or waiting)."""
    from shipyard.flow.run.status import Status

    out = console()
    sub = svc.bus.subscribe(run_id)
    titles = StepTitles(lambda: svc.store.get_run(run_id))
    try:
        while not svc.engine.settled(run_id) and svc.engine.crashed is None:
            event = sub.get(timeout=0.5)
            if as_json or event is None:
                continue
            if event.kind == "step" and Status(event.status).final:
                where = titles.where(event.stage, event.job, event.step)
                out.print(f"  {event.status:<20} {escape(where)}")
            if event.kind == "decision" and event.status == "pending":
                out.print(f"  [yellow]waiting[/]{'':13} {escape(str(event.data.get('title')))}")
    finally:
        sub.close()
    if svc.engine.crashed is not None:
        raise ShipyardError(f"the engine stopped: {svc.engine.crashed}")
    run: RunRecord = svc.store.get_run(run_id)
    return run


def pending_approvals(store: Any, run_id: int | None = None) -> list[Any]:
    return [d for d in _deployments(store).approval_decisions(run_id) if d.status == "pending"]


def describe_wait(store: Any, run: RunRecord) -> list[dict[str, Any]]:
    out = []
    for d in pending_approvals(store, run.id):
        q = Question.from_data(d.data)
        out.append(
            {
                "decision": d.id,
                "run": run.id,
                "title": q.title(),
                "environment": q.environment,
                "image_digest": q.image_digest,
                "chart_digest": q.chart_digest,
                "rules": q.rules().describe(),
                "author": q.author,
                "expires_at": q.expires_at,
                "votes": [asdict(v) for v in _deployments(store).votes(d.id)],
            }
        )
    return out


def report(store: Any, run: RunRecord, as_json: bool) -> None:
    waits = describe_wait(store, run)
    if as_json:
        emit_json({"run": run.id, "status": str(run.status), "waiting_for": waits})
        return
    out = console()
    out.print(f"run {run.id} ({escape(run.build_number)}): {run.status}")
    for w in waits:
        out.print(
            f"  waiting for approval: {escape(w['title'])} ({escape(w['rules'])}; author "
            f"{escape(w['author'] or '?')})\n  bound to image {w['image_digest']}\n"
            f"  approve with: shipyard approve {run.id} --as USER --comment '...'"
        )


def start_release(
    service: str, version: str, build_run: int | None, path: str, user: str, as_json: bool
) -> RunRecord:
    from shipyard.executor.service import LocalService

    store = _store()
    release = find_release(store, service, normalize_version(version), build_run)
    environments = tuple(p.strip() for p in path.split(",") if p.strip())
    svc = LocalService.start()
    try:
        run_id = svc.engine.submit(release.request(environments, user)).result(timeout=60)
        if run_id is None:
            raise ShipyardError("the release was merged into a pending batch")
        if not as_json:
            console().print(
                f"run {run_id}: releasing {service} {release.version} (build run "
                f"{release.build_run_id}, image {release.image_digest[:19]}...) through "
                f"{' -> '.join(environments)}"
            )
        run = follow(svc, run_id, as_json)
    finally:
        svc.stop()
    return run


def vote(
    run_id: int, voter: str, approve: bool, comment: str, wait: bool, as_json: bool
) -> RunRecord | None:
    """Record a vote; when it decides the approval and ``wait``, carry the run on here and
    return it as it then stands (``None`` when nothing ran here)."""
    from shipyard.platform import settings
    from shipyard.store.approval_votes import VoteRefused, cast_vote

    store = _store()
    groups = settings.load().delivery.groups
    try:
        result = cast_vote(store, run_id, voter, approve, comment, groups)
    except VoteRefused as exc:
        if exc.missing:
            raise UsageProblem(str(exc), hint="list runs with `shipyard runs`") from None
        if exc.expired:
            # Nobody ran the run while its time ran out: let an engine end it as expired
            # now, so that it does not stay "running" until some later command looks at it.
            ended = carry_on(run_id, True)
            status = ended.status if ended else store.get_run(run_id).status
            raise UsageProblem(f"{exc}; run {run_id} is {status}") from None
        raise UsageProblem(str(exc)) from None
    out = console()
    if not result.resolved:
        if not as_json:
            out.print(f"{voter} approved {result.title}; {result.needed} more approval(s) needed")
        else:
            emit_json(result.as_json())
        return None
    if not as_json:
        word = "approved" if result.approved else "rejected"
        out.print(f"{result.title}: {word} by {result.by} (as {voter}, not the author)")
    if wait:
        return carry_on(run_id, as_json)
    if as_json:
        emit_json(result.as_json())
    return None


def carry_on(run_id: int, as_json: bool) -> RunRecord | None:
    """Resume the run in this process unless another engine already has it."""
    from shipyard.executor.service import LocalService

    svc = LocalService.start()
    try:
        if not svc.engine.adopt_run(run_id):
            if not as_json:
                console().print(f"run {run_id} is carried on by the engine that runs it")
            return None
        run = follow(svc, run_id, as_json)
    finally:
        svc.stop()
    report(_store(), run, as_json)
    return run


def _exit_for(run: RunRecord | None) -> None:
    raise SystemExit(0 if run is None or run.status.ok or not run.status.final else 1)


def register(app: typer.Typer) -> None:
    @app.command("release")
    def release_cmd(
        service: str = typer.Argument(..., help="The service (its pipeline's name)"),
        version: str = typer.Argument(..., help="The version its release branch built: v1.0.2"),
        build_run: int | None = typer.Option(
            None, "--build-run", help="The release build run (default: the newest green one)"
        ),
        path: str = typer.Option(
            "qa,production", "--to", help="Environments, in order, comma-separated"
        ),
        user: str = typer.Option("", "--as", help="Who asks for the release (default: you)"),
        output: OutputFormat = OUTPUT,
    ) -> None:
        """Deploy a release build through QA, the approval and production.

        The run deploys the chart to QA, smoke-tests the pods, then waits for the approval
        production needs; the command ends there and prints who may approve. Approvals are
        bound to the build's image and chart digests.

        Examples:

          shipyard release delivery v1.0.2

          shipyard approve 12 --as rita --comment "QA signed off"
        """
        as_json = output is OutputFormat.json

        def body() -> None:
            run = start_release(
                service, version, build_run, path, user or getpass.getuser(), as_json
            )
            report(_store(), run, as_json)
            raise SystemExit(0 if run.status.ok or not run.status.final else 1)

        guarded(body, as_json)

    for name, approving in (("approve", True), ("reject", False)):
        _register_vote(app, name, approving)

    @app.command("approvals")
    def approvals_cmd(output: OutputFormat = OUTPUT) -> None:
        """Approvals waiting for an answer, with what each is bound to."""
        as_json = output is OutputFormat.json

        def body() -> None:
            store = _store()
            waits = []
            for run_id in sorted({d.run_id for d in pending_approvals(store)}):
                waits += describe_wait(store, store.get_run(run_id))
            if as_json:
                emit_json(waits)
                return
            for w in waits:
                console().print(
                    f"run {w['run']}: {escape(w['title'])} ({escape(w['rules'])}), "
                    f"image {w['image_digest']}"
                )
            if not waits:
                console().print("no approvals are waiting")

        guarded(body, as_json)


def _register_vote(app: typer.Typer, name: str, approving: bool) -> None:
    verb = "Approve" if approving else "Reject"

    help_text = (
        f"{verb} the deploy a run waits for. The author of the change may not approve where "
        "the environment forbids it; enough approvals (the environment's minimum) let the "
        "run carry on, one rejection ends it."
    )

    @app.command(name, help=help_text)
    def vote_cmd(
        run_id: int = typer.Argument(..., help="The run that waits"),
        voter: str = typer.Option(..., "--as", help="Who votes (an approver of the environment)"),
        comment: str = typer.Option("", "--comment", "-m", help="Why"),
        wait: bool = typer.Option(
            True, "--wait/--no-wait", help="Carry on with the run here once it is decided"
        ),
        output: OutputFormat = OUTPUT,
    ) -> None:
        as_json = output is OutputFormat.json
        guarded(lambda: _exit_for(vote(run_id, voter, approving, comment, wait, as_json)), as_json)
