"""The web UI's pages as HTML: what a repository names (pipelines, steps) stays text.

Rendered over a real harness run with FastAPI's TestClient, no browser: the pages must be
whole without JavaScript, escaped, and served with a policy that runs no inline script.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from shipyard.server.app import create_app
from shipyard.server.ui import latest_per_pipeline
from tests.unit.run.harness import Harness
from tests.unit.server.tokens import auth

HOSTILE = "<script>alert(1)</script>"
PIPELINE = f"""\
steps:
- script: echo '{HOSTILE}'
  displayName: "{HOSTILE}"
"""


@pytest.fixture
def client(tmp_path: Path) -> tuple[TestClient, Harness]:
    h = Harness.create(tmp_path)
    c = TestClient(create_app(h.store, {}, 1 << 16), headers=auth(h.store))
    return c, h


def test_a_hostile_pipeline_and_step_name_are_escaped_on_every_page(
    client: tuple[TestClient, Harness],
) -> None:
    c, h = client
    run = h.run(PIPELINE, pipeline=HOSTILE)
    for path in ("/", "/runs", f"/runs/{run.id}", f"/runs?pipeline={HOSTILE}"):
        page = c.get(path)
        assert page.status_code == 200, path
        assert HOSTILE not in page.text, path
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text, path
        assert "script-src 'self'" in page.headers["content-security-policy"]
    shown = c.get(f"/runs/{run.id}").text
    assert shown.count("&lt;script&gt;") >= 3  # the title, the step and its log line


def test_a_run_page_lists_steps_by_display_name_and_an_unknown_run_is_404(
    client: tuple[TestClient, Harness],
) -> None:
    c, h = client
    run = h.run("steps:\n- script: echo hi\n  displayName: Say hi\n")
    page = c.get(f"/runs/{run.id}").text
    assert '<span class="step-title">Say hi</span>' in page
    assert 'id="run-status">succeeded<' in page
    assert c.get("/runs/999").status_code == 404


def test_the_pipelines_page_shows_each_pipelines_latest_run(
    client: tuple[TestClient, Harness],
) -> None:
    c, h = client
    first = h.run("steps:\n- script: echo a\n", pipeline="web")
    second = h.run("steps:\n- script: echo b\n", pipeline="web")
    other = h.run("steps:\n- script: echo c\n", pipeline="api")
    latest = latest_per_pipeline(h.store.list_runs(limit=10))
    assert [(r.pipeline, r.id) for r in latest] == [("api", other.id), ("web", second.id)]
    page = c.get("/").text
    assert f'href="/runs/{second.id}"' in page and f'href="/runs/{first.id}"' not in page
