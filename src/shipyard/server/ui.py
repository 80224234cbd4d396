"""The web UI: server-rendered pages over the run store, live where a run is still going.

``GET /`` lists pipelines with their latest run, ``GET /runs`` the newest runs and ``GET
/runs/{id}`` one run: its stages, jobs and steps by ``displayName`` (the pipeline's own
words, as :class:`~shipyard.flow.run.views.StepTitles` shows them in the CLI), test counts,
issues and log. Pages are whole HTML from Jinja2 templates, so they read without JavaScript
and a test can check them with a plain HTTP client; the run page then follows the run with
two ``EventSource`` streams of :mod:`shipyard.server.live` (status, then log lines resumed
after the last line already on the page).

Everything on a page came from a repository or a build (pipeline and step names, branch
names, log lines), so it is untrusted. Two layers keep it text: Jinja2 autoescapes every
value, and the script only ever sets ``textContent``. A Content-Security-Policy that allows
scripts and styles from this server alone means that even a value that slipped through
could not run.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from fastapi import Depends, FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from shipyard.domain.access import Permission
from shipyard.flow.run.records import JobRecord, RunRecord, StageRecord
from shipyard.flow.run.views import all_steps, duration
from shipyard.server import ui_pulls, ui_releases
from shipyard.server.auth import Guard
from shipyard.store.access import Principal
from shipyard.store.builds import BuildRecords
from shipyard.store.sql import SqlStore

HERE = Path(__file__).parent
RECENT = 50
# Pipelines are known by their runs (the store has no pipeline table): the latest run of
# each among this many newest runs.
PIPELINE_SCAN = 500
LOG_LINES = 10_000

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
        "img-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def _when(at: float | None) -> str:
    if not at:
        return ""
    return dt.datetime.fromtimestamp(at, dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _span(seconds: float | None) -> str:
    """A DORA duration the way a person says it: ``45s``, ``12m 5s``, ``3h 20m``, ``2d 4h``."""
    if seconds is None:
        return "n/a"
    s = round(seconds)
    for unit, size, sub, sub_size in (
        ("d", 86400, "h", 3600),
        ("h", 3600, "m", 60),
        ("m", 60, "s", 1),
    ):
        if s >= size:
            rest = (s % size) // sub_size
            return f"{s // size}{unit}" + (f" {rest}{sub}" if rest else "")
    return f"{s}s"


def environment() -> Environment:
    """Autoescape on for every template (not only ``.html``): nothing renders unescaped."""
    env = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["when"] = _when
    env.filters["span"] = _span
    env.globals["duration"] = duration
    return env


def stage_title(stage: StageRecord) -> str:
    """A pipeline without stages has one implicit stage, which the CLI does not show either."""
    return "" if stage.name == "__default" else stage.display_name or stage.name


def job_title(job: JobRecord) -> str:
    return job.display_name or job.name


def latest_per_pipeline(runs: list[RunRecord]) -> list[RunRecord]:
    """``runs`` newest first -> the first (latest) run of each pipeline, by pipeline name."""
    latest: dict[str, RunRecord] = {}
    for run in runs:
        latest.setdefault(run.pipeline, run)
    return sorted(latest.values(), key=lambda r: r.pipeline.lower())


class Pages:
    """The page handlers over one store; each returns the rendered HTML."""

    def __init__(self, store: SqlStore, env: Environment) -> None:
        self.store = store
        self.env = env

    def render(
        self, name: str, who: Principal | None, status_code: int = 200, **context: Any
    ) -> HTMLResponse:
        """Every page gets ``who``, so the navigation can name the signed-in user."""
        html = self.env.get_template(name).render(who=who, **context)
        return HTMLResponse(html, status_code=status_code, headers=SECURITY_HEADERS)

    def pipelines(self, who: Principal) -> HTMLResponse:
        runs = latest_per_pipeline(self.store.list_runs(limit=PIPELINE_SCAN))
        return self.render("pipelines.html", who, title="Pipelines", runs=runs)

    def runs(self, who: Principal, pipeline: str | None) -> HTMLResponse:
        runs = self.store.list_runs(limit=RECENT, pipeline=pipeline)
        return self.render("runs.html", who, title="Runs", runs=runs, pipeline=pipeline or "")

    def run(self, who: Principal, run_id: int) -> HTMLResponse:
        run = self.store.get_run(run_id)
        if run is None:
            return self.render(
                "missing.html", who, 404, title="Not found", what=f"Run {run_id} does not exist."
            )
        logs = self.store.logs(run_id, limit=LOG_LINES)
        tests = self.store.test_counts(run_id)
        return self.render(
            "run.html",
            who,
            title=f"{run.pipeline} #{run.build_number or run.id}",
            run=run,
            stage_title=stage_title,
            job_title=job_title,
            tests=tests,
            tests_total=sum(tests.values()),
            issues=self.store.issues(run_id),
            failures=self.store.tests(run_id, "failed")[:200],
            scans=[
                r for r in BuildRecords(self.store.engine).build_records(run_id) if r.kind == "scan"
            ],
            logs=logs,
            last_log=logs[-1].id if logs else 0,
            step_titles={s.id: s.display_name or s.name for _job, s in all_steps(run)},
        )


def add_routes(app: FastAPI, store: SqlStore, guard: Guard) -> None:
    """The pages of runs here; pull requests (:mod:`~shipyard.server.ui_pulls`) and releases
    (:mod:`~shipyard.server.ui_releases`) in their own modules, rendered the same way."""
    read = Depends(guard.need(Permission.READ, page=True))
    pages = Pages(store, environment())
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    ui_pulls.add_routes(app, guard, pages.render)
    ui_releases.add_routes(app, store, guard, pages.render)

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def pipelines(who: Principal = read) -> HTMLResponse:
        return pages.pipelines(who)

    @app.get("/runs", response_class=HTMLResponse, include_in_schema=False)
    def runs(pipeline: str | None = None, who: Principal = read) -> HTMLResponse:
        return pages.runs(who, pipeline)

    @app.get("/runs/{run_id}", response_class=HTMLResponse, include_in_schema=False)
    def run(run_id: int, who: Principal = read) -> HTMLResponse:
        return pages.run(who, run_id)
