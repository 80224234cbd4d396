"""``shipyard releases | history | rollback | retire | ledger | dora``: what runs where, and
what happened to it.

``releases`` asks helm (every version runs as its own release, side by side);
``history`` reads the deployment ledger and, with ``--cluster``, the Deployment's own
revisions (what ``kubectl rollout history`` prints) beside it; ``rollback`` and ``retire``
act through helm and add a ledger line; ``ledger`` is one version's whole story, from the
commit to every environment it reached; ``dora`` computes the four figures from the
ledger.
"""

from __future__ import annotations

import datetime as dt
import getpass
import time
from dataclasses import asdict, replace
from typing import Any

import typer
from rich.markup import escape
from rich.table import Table

from shipyard.cli.errors import guarded
from shipyard.cli.output import OutputFormat, console, emit_json
from shipyard.cli.plan_cmd import UsageProblem
from shipyard.deliver.dora import dora
from shipyard.deliver.model import DeploymentRecord
from shipyard.deliver.release import normalize_version, release_name, version_key

OUTPUT = typer.Option(OutputFormat.text, "--output", "-o", help="text or json")
ENV = typer.Option("production", "--env", "-e", help="The environment")


def _when(at: float | None) -> str:
    if not at:
        return ""
    return dt.datetime.fromtimestamp(at, dt.UTC).strftime("%Y-%m-%d %H:%M:%S")


def _ledger() -> Any:
    from shipyard.cli.release_cmd import _deployments, _store

    return _deployments(_store())


def _kit() -> Any:
    from shipyard.executor.delivery import open_kit

    return open_kit()


#: What helm prints on success that says nothing Shipyard does not say better.
_CHATTER = frozenset({"Rollback was a success! Happy Helming!"})


class _Echo:
    """A StepRunner for commands run outside a pipeline: output to the terminal."""

    def __init__(self, quiet: bool) -> None:
        from shipyard.executor.delivery import console_runner

        def say(line: str) -> None:
            if line.strip() not in _CHATTER:
                console().print(line, markup=False, highlight=False)

        self._run = console_runner(None if quiet else say)

    def __call__(self, argv: Any, **kw: Any) -> Any:
        return self._run(argv, **kw)


def current_version(ledger: Any, service: str, environment: str) -> str:
    done = [
        r
        for r in ledger.deployments(service, environment)
        if r.outcome == "succeeded" and r.kind in ("deploy", "rollback")
    ]
    retired = {r.version for r in ledger.deployments(service, environment) if r.kind == "retire"}
    live = [r for r in done if r.version not in retired]
    if not live:
        raise UsageProblem(f"{service} has no deployment in {environment}")
    newest: str = max((r.version for r in live), key=version_key)
    return newest


def _record(
    service: str, version: str, environment: str, kind: str, by: str, message: str
) -> DeploymentRecord:
    return DeploymentRecord(
        service=service,
        version=version,
        environment=environment,
        release=release_name(service, version),
        kind=kind,
        outcome="running",
        started_at=time.time(),
        change_cause=message,
        approvers=(by,),
    )


def _restoring(ledger: Any, record: DeploymentRecord, revision: int) -> DeploymentRecord:
    """The rollback line with what it brings back (image and chart digests, commit, build),
    from the deploy that made ``revision``, so the ledger says what runs after it."""
    made = [
        d
        for d in ledger.deployments(record.service, record.environment, record.version)
        if d.release == record.release and d.revision == revision and d.outcome == "succeeded"
    ]
    if not made:
        return record
    d = made[-1]
    return replace(
        record,
        commit=d.commit,
        build_run_id=d.build_run_id,
        image=d.image,
        image_digest=d.image_digest,
        chart=d.chart,
        chart_digest=d.chart_digest,
    )


def rollback(
    service: str, environment: str, version: str, revision: int | None, by: str, as_json: bool
) -> dict[str, Any]:
    kit = _kit()
    ledger = kit.ledger
    version = (
        normalize_version(version) if version else current_version(ledger, service, environment)
    )
    release = release_name(service, version)
    target = kit.target(environment)
    history = kit.helm.history(target, release)
    if len(history) < 2 and revision is None:
        raise UsageProblem(f"{release} in {environment} has no earlier revision to roll back to")
    if revision is not None and revision not in {h.revision for h in history}:
        known = ", ".join(str(h.revision) for h in history)
        raise UsageProblem(f"{release} has no revision {revision} (revisions: {known})")
    to = f"revision {revision}" if revision else "the previous revision"
    record = _record(service, version, environment, "rollback", by, f"rollback to {to} by {by}")
    line = ledger.start(_restoring(ledger, record, revision or history[-2].revision))
    timeout = kit.environments[environment].helm_timeout_s
    try:
        state = kit.helm.rollback(target, release, revision, timeout, _Echo(as_json))
    except Exception as err:
        ledger.finish(line, "failed", 0, str(err))
        raise
    ledger.finish(line, "succeeded", state.revision, "")
    return {"release": release, "environment": environment, "revision": state.revision, "to": to}


def retire(service: str, version: str, environment: str, by: str, as_json: bool) -> dict[str, Any]:
    kit = _kit()
    version = normalize_version(version)
    release = release_name(service, version)
    target = kit.target(environment)
    if kit.helm.status(target, release) is None:
        raise UsageProblem(f"{release} is not installed in {environment}")
    line = kit.ledger.start(
        _record(service, version, environment, "retire", by, f"retired by {by}")
    )
    kit.helm.uninstall(target, release, _Echo(as_json))
    kit.ledger.finish(line, "succeeded", 0, "")
    return {"release": release, "environment": environment, "retired": True}


def releases(service: str, environments: list[str]) -> list[dict[str, Any]]:
    kit = _kit()
    out = []
    for env in environments:
        target = kit.target(env)
        for state in kit.helm.releases(target):
            if not state.name.startswith(f"{service}-v"):
                continue
            deps = kit.cluster.deployments(target, {"app.kubernetes.io/instance": state.name})
            out.append(
                {
                    "environment": env,
                    **state.as_json(),
                    "images": [i for d in deps for i in d.images],
                    "ready": [f"{d.ready_replicas}/{d.replicas}" for d in deps],
                }
            )
    return out


def history(service: str, environment: str, cluster: bool) -> dict[str, Any]:
    from shipyard.cli.release_cmd import _deployments, _store

    lines = _deployments(_store()).deployments(service, environment)
    data: dict[str, Any] = {"ledger": [r.as_json() for r in lines]}
    if cluster:
        kit = _kit()
        target = kit.target(environment)
        rollouts: dict[str, Any] = {}
        for name in sorted({r.release for r in lines}):
            for dep in kit.cluster.deployments(target, {"app.kubernetes.io/instance": name}):
                revs = kit.cluster.rollout_history(target, dep.name)
                rollouts[dep.name] = [r.as_json() for r in revs]
        data["rollout_history"] = rollouts
    return data


def ledger_of(service: str, version: str) -> dict[str, Any]:
    from shipyard.cli.build_record import build_record_json
    from shipyard.cli.release_cmd import _deployments, _store

    store = _store()
    book = _deployments(store)
    version = normalize_version(version)
    lines = book.deployments(service, None, version)
    builds = sorted({r.build_run_id for r in lines if r.build_run_id})
    runs = sorted({r.run_id for r in lines if r.run_id})
    approvals = []
    for run_id in runs:
        for d in book.approval_decisions(run_id):
            approvals.append(
                {
                    "run": run_id,
                    "environment": d.data.get("environment"),
                    "status": d.status,
                    "by": d.resolved_by,
                    "image_digest": d.data.get("image_digest"),
                    "votes": [asdict(v) for v in book.votes(d.id)],
                }
            )
    build_records = {}
    for b in builds:
        run = store.get_run(b)
        if run is not None:
            build_records[str(b)] = build_record_json(store, run)
    return {
        "service": service,
        "version": version,
        "builds": build_records,
        "approvals": approvals,
        "deployments": [r.as_json() for r in lines],
    }


def _print_history(data: dict[str, Any]) -> None:
    table = Table("#", "when", "kind", "version", "revision", "outcome", "change-cause / why")
    for r in data["ledger"]:
        cause = r["change_cause"] if r["outcome"] != "failed" else r["message"].splitlines()[0]
        table.add_row(
            str(r["id"]),
            _when(r["started_at"]),
            r["kind"],
            r["version"],
            str(r["revision"] or ""),
            r["outcome"],
            escape(cause[:120] + (f"\n{r['image_digest']}" if r["image_digest"] else "")),
        )
    console().print(table)
    for name, revs in data.get("rollout_history", {}).items():
        console().print(f"rollout history of deployment/{escape(name)}:")
        for rev in revs:
            console().print(f"  {rev['revision']:<4} {escape(rev['change_cause'])}")


def register(app: typer.Typer) -> None:
    @app.command("releases")
    def releases_cmd(
        service: str = typer.Argument(..., help="The service"),
        env: list[str] = typer.Option(
            ["qa", "production"], "--env", "-e", help="Environments to look in"
        ),
        output: OutputFormat = OUTPUT,
    ) -> None:
        """What versions of a service run where (each version is its own helm release)."""
        as_json = output is OutputFormat.json

        def body() -> None:
            found = releases(service, env)
            if as_json:
                emit_json(found)
                return
            for r in found:
                console().print(
                    f"{r['environment']:<12} {escape(r['name']):<24} revision {r['revision']:<3} "
                    f"{r['status']:<10} {escape(', '.join(r['images']))} "
                    f"ready {', '.join(r['ready'])}"
                )
            if not found:
                console().print(f"{service} runs nowhere in {', '.join(env)}")

        guarded(body, as_json)

    @app.command("history")
    def history_cmd(
        service: str = typer.Argument(..., help="The service"),
        env: str = ENV,
        cluster: bool = typer.Option(
            False, "--cluster", help="Also the Deployments' revisions, read from the cluster"
        ),
        output: OutputFormat = OUTPUT,
    ) -> None:
        """Every deploy, rollback and retirement of a service in an environment."""
        as_json = output is OutputFormat.json

        def body() -> None:
            data = history(service, env, cluster)
            emit_json(data) if as_json else _print_history(data)

        guarded(body, as_json)

    @app.command("rollback")
    def rollback_cmd(
        service: str = typer.Argument(..., help="The service"),
        env: str = ENV,
        version: str = typer.Option("", "--version", help="Which version (default: newest)"),
        to_revision: int | None = typer.Option(
            None, "--to-revision", help="The helm revision (default: the previous one)"
        ),
        user: str = typer.Option("", "--as", help="Who rolls back (default: you)"),
        output: OutputFormat = OUTPUT,
    ) -> None:
        """Roll a release back through helm (``helm rollback --wait``) and record it."""
        as_json = output is OutputFormat.json

        def body() -> None:
            by = user or getpass.getuser()
            done = rollback(service, env, version, to_revision, by, as_json)
            if as_json:
                emit_json(done)
            else:
                console().print(
                    f"rolled {done['release']} in {env} back to {done['to']}: now revision "
                    f"{done['revision']}"
                )

        guarded(body, as_json)

    @app.command("retire")
    def retire_cmd(
        service: str = typer.Argument(..., help="The service"),
        version: str = typer.Argument(..., help="The version to remove"),
        env: str = ENV,
        user: str = typer.Option("", "--as", help="Who retires it (default: you)"),
        output: OutputFormat = OUTPUT,
    ) -> None:
        """Remove one version running side by side (``helm uninstall``); recorded."""
        as_json = output is OutputFormat.json

        def body() -> None:
            done = retire(service, version, env, user or getpass.getuser(), as_json)
            emit_json(done) if as_json else console().print(f"retired {done['release']} from {env}")

        guarded(body, as_json)

    @app.command("ledger")
    def ledger_cmd(
        service: str = typer.Argument(..., help="The service"),
        version: str = typer.Argument(..., help="The version"),
        output: OutputFormat = OUTPUT,
    ) -> None:
        """One version's story: commit, digests, SBOM and scan, tests, approvals, deploys."""
        as_json = output is OutputFormat.json

        def body() -> None:
            data = ledger_of(service, version)
            if as_json:
                emit_json(data)
                return
            out = console()
            out.print(f"{service} {data['version']}")
            for run_id, rec in data["builds"].items():
                out.print(f"  build run {run_id}: commit {rec['commit'][:12]} ({rec['ref']})")
                for i in rec["images"]:
                    out.print(f"    image {escape(i['reference'])} {i['digest']}")
                for c in rec["charts"]:
                    out.print(f"    chart {escape(c['reference'])} {c['digest']}")
                for s in rec["scans"]:
                    counts = ", ".join(f"{n} {k}" for k, n in (s.get("counts") or {}).items())
                    out.print(
                        f"    scan  {escape(s['name'])}: {s.get('status')} ({counts}); SBOM and "
                        f"report in artifact {escape(str(s.get('artifact') or '-'))}"
                    )
                out.print(
                    "    tests "
                    + (", ".join(f"{n} {k}" for k, n in rec["tests"].items()) or "none")
                )
            for a in data["approvals"]:
                out.print(f"  approval {a['environment']}: {a['status']} by {a['by'] or '-'}")
            for d in data["deployments"]:
                out.print(
                    f"  {_when(d['started_at'])} {d['kind']:<8} {d['environment']:<11} "
                    f"{d['outcome']:<9} rev {d['revision']} {d['image_digest'][:19]}"
                )

        guarded(body, as_json)

    @app.command("dora")
    def dora_cmd(
        service: str = typer.Argument("", help="One service (default: all)"),
        days: float = typer.Option(30.0, "--days", help="The window"),
        output: OutputFormat = OUTPUT,
    ) -> None:
        """The four DORA figures from the deployment ledger (production)."""
        as_json = output is OutputFormat.json

        def body() -> None:
            from shipyard.cli.release_cmd import _deployments, _store

            store = _store()
            lines = _deployments(store).deployments(service or None)
            started = {}
            for b in {r.build_run_id for r in lines if r.build_run_id}:
                run = store.get_run(b)
                if run is not None:
                    started[b] = run.started_at or run.created_at
            figures = dora(lines, started, time.time(), days)
            if as_json:
                emit_json(figures.as_json())
                return
            out = console()

            def secs(v: float | None) -> str:
                return "n/a" if v is None else f"{v:.0f} s"

            rate = figures.change_failure_rate
            out.print(
                f"deployment frequency: {figures.deployment_frequency_per_day:.2f}/day "
                f"({figures.deployments} in {days:g} days)\n"
                f"lead time (release build -> production): {secs(figures.lead_time_s)}\n"
                f"change failure rate: {'n/a' if rate is None else f'{rate:.0%}'}\n"
                f"time to restore: {secs(figures.time_to_restore_s)}"
            )

        guarded(body, as_json)
