"""Server-sent events: a run's state changes and log lines, resumable by Last-Event-ID.

A real run made by the engine and a worker (tests/unit/run/harness.py), served by the real
app under uvicorn on loopback and read with an HTTP client as a browser's EventSource would.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx2
import pytest

from shipyard.server.app import create_app
from shipyard.server.live import stream
from tests.unit.run.harness import Harness
from tests.unit.server.pr_world import served as serve_app
from tests.unit.server.tokens import auth

PIPELINE = """\
steps:
- script: echo hello
  displayName: Say hello
- script: echo token=$(secretValue)
  displayName: Show the token
"""


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Harness]]:
    h = Harness.create(tmp_path)
    app = create_app(h.store, {}, 1 << 16)
    with serve_app(app) as url:
        yield url, h


def messages(text: str) -> list[dict[str, str]]:
    out = []
    for block in text.strip().split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
        if "event" in fields:
            out.append(fields)
    return out


def test_a_finished_runs_events_stream_in_order_and_end(served: tuple[str, Harness]) -> None:
    url, h = served
    run = h.run(PIPELINE, secrets={"secretValue": "s3cr3t"})
    got = messages(
        httpx2.get(f"{url}/api/runs/{run.id}/events", headers=auth(h.store), timeout=10).text
    )
    assert got[-1]["event"] == "end"
    ids = [int(m["id"]) for m in got[:-1]]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    final = [json.loads(m["data"]) for m in got if m["event"] == "run"][-1]
    assert final["status"] == "succeeded"


def test_log_lines_are_masked_and_resume_after_the_last_event_id(
    served: tuple[str, Harness],
) -> None:
    url, h = served
    run = h.run(PIPELINE, secrets={"secretValue": "s3cr3t"})
    first = messages(
        httpx2.get(f"{url}/api/runs/{run.id}/logs/stream", headers=auth(h.store), timeout=10).text
    )
    lines = [json.loads(m["data"])["text"] for m in first if m["event"] == "log"]
    assert "hello" in lines
    assert not any("s3cr3t" in line for line in lines)
    assert any("token=***" in line for line in lines)
    middle = first[len(first) // 2]["id"]
    again = messages(
        httpx2.get(
            f"{url}/api/runs/{run.id}/logs/stream",
            headers={"Last-Event-ID": middle, **auth(h.store)},
            timeout=10,
        ).text
    )
    assert [m["id"] for m in again] == [m["id"] for m in first if int(m["id"]) > int(middle)]
    assert again[-1]["event"] == "end"


def test_an_unknown_run_is_404(served: tuple[str, Harness]) -> None:
    url, h = served
    got = httpx2.get(f"{url}/api/runs/999/events", headers=auth(h.store), timeout=5)
    assert got.status_code == 404


def test_a_running_stream_sends_what_arrives_then_ends_when_the_run_does() -> None:
    @dataclass
    class Item:
        id: int

    items: list[Item] = []
    state = {"done": False, "polls": 0}

    def fetch(after: int) -> list[Item]:
        state["polls"] += 1
        if state["polls"] == 2:
            items.append(Item(1))
        if state["polls"] == 4:
            state["done"] = True
        return [i for i in items if i.id > after]

    out = list(stream(fetch, lambda: bool(state["done"]), lambda _i: "step", 0, poll_s=0))
    assert out[0].startswith("id: 1\nevent: step\n")
    assert out[-1].startswith("id: 1\nevent: end\n")
