"""Pull requests end to end on real git: the merge is built, policies gate the merge.

Covers what branch policies promise: builds on the merge of source into target, a
path-filtered required pipeline satisfied when the change does not touch it, the author's
vote not counting, votes reset by a push, builds expiring when the target moves, and
completion merging the tested commit only when every check holds (saying which does not).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from shipyard.domain.access import Role
from shipyard.domain.branch_policy import BranchPolicy
from tests.unit.server.pr_world import REPO, World, json_of, make_world
from tests.unit.server.tokens import auth

pytestmark = pytest.mark.integration


@pytest.fixture
def world(tmp_path: Path) -> World:
    policy = BranchPolicy("main", required_pipelines=("delivery", "ingestion"), min_reviewers=1)
    return make_world(tmp_path, (policy,))


def open_pr(c: TestClient, who: dict[str, str], source: str, title: str) -> Any:
    """Open a pull request of ``source`` into main as ``who``; its JSON."""
    made = {"repository": REPO, "source": source, "target": "main", "title": title}
    return json_of(c.post("/api/pulls", headers=who, json=made))


def checks(pr: dict[str, object]) -> dict[str, tuple[str, str]]:
    found = pr["checks"]
    assert isinstance(found, list)
    return {c["name"]: (c["state"], c["detail"]) for c in found}


def test_a_pull_request_merges_only_when_its_policy_holds(world: World) -> None:
    c = TestClient(world.app)
    rita, sam = (
        auth(world.h.store, Role.CONTRIBUTOR, "rita"),
        auth(world.h.store, Role.CONTRIBUTOR, "sam"),
    )
    source = world.push("feature/retry", {"delivery/app.py": "print('retry')\n"})
    pr = open_pr(c, rita, "feature/retry", "Retry")
    # The merge commit is what is built: it has main and the source as parents.
    parents = world.bare_git("log", "-1", "--format=%P", pr["merge_sha"]).split()
    assert parents == [world.bare_git("rev-parse", "main"), source]
    assert [b["pipeline"] for b in pr["builds"]] == ["delivery"]
    got = checks(pr)
    assert got["build ingestion"][0] == "ok" and "not affected" in got["build ingestion"][1]
    assert got["build delivery"][0] == "pending"
    world.drive()
    got = checks(json_of(c.get(f"/api/pulls/{pr['id']}", headers=rita)))
    assert got["build delivery"][0] == "ok"
    assert got["reviewers"][0] == "pending"
    # The author's own approval does not count.
    json_of(c.post(f"/api/pulls/{pr['id']}/votes", headers=rita, json={"approve": True}))
    refused = c.post(f"/api/pulls/{pr['id']}/complete", headers=rita)
    assert refused.status_code == 409
    assert "reviewers" in refused.json()["detail"] and "author" in refused.json()["detail"]
    json_of(c.post(f"/api/pulls/{pr['id']}/votes", headers=sam, json={"approve": True}))
    done = json_of(c.post(f"/api/pulls/{pr['id']}/complete", headers=rita))
    assert done["merged_sha"] == pr["merge_sha"]
    assert world.bare_git("rev-parse", "main") == pr["merge_sha"]
    log = json_of(c.get("/api/audit", headers=auth(world.h.store, Role.RELEASE_MANAGER)))
    assert [e["action"] for e in log][:2] == ["pr.complete", "pr.approve"]


def test_a_push_resets_votes_and_a_moved_target_expires_builds(world: World) -> None:
    c = TestClient(world.app)
    rita, sam = (
        auth(world.h.store, Role.CONTRIBUTOR, "rita"),
        auth(world.h.store, Role.CONTRIBUTOR, "sam"),
    )
    world.push("feature/a", {"delivery/app.py": "print('a')\n"})
    pr = open_pr(c, rita, "feature/a", "A")
    world.drive()
    json_of(c.post(f"/api/pulls/{pr['id']}/votes", headers=sam, json={"approve": True}))
    assert checks(json_of(c.get(f"/api/pulls/{pr['id']}", headers=rita)))["reviewers"][0] == "ok"
    world.push("feature/a", {"delivery/app.py": "print('a2')\n"}, "second push")
    got = checks(json_of(c.get(f"/api/pulls/{pr['id']}", headers=rita)))
    assert got["reviewers"][0] == "pending" and "reset" in got["reviewers"][1]
    world.drive()
    json_of(c.post(f"/api/pulls/{pr['id']}/votes", headers=sam, json={"approve": True}))
    # main moves under the pull request: a new merge is built, the old build expired.
    world.push("main", {"ingestion/app.py": "print('moved')\n"}, "main moves")
    now = json_of(c.get(f"/api/pulls/{pr['id']}", headers=rita))
    assert now["target_sha"] == world.bare_git("rev-parse", "main")
    assert checks(now)["build delivery"][0] == "pending"
    world.drive()
    assert json_of(c.get(f"/api/pulls/{pr['id']}", headers=rita))["mergeable"] is True


def test_a_failing_build_blocks_and_only_an_admin_overrides_with_a_reason(world: World) -> None:
    c = TestClient(world.app)
    rita, sam = (
        auth(world.h.store, Role.CONTRIBUTOR, "rita"),
        auth(world.h.store, Role.CONTRIBUTOR, "sam"),
    )
    broken = world.push(
        "feature/broken", {"delivery/azure-pipelines.yml": "steps:\n- script: exit 3\n"}
    )
    assert broken
    pr = open_pr(c, rita, "feature/broken", "Broken")
    world.drive()
    json_of(c.post(f"/api/pulls/{pr['id']}/votes", headers=sam, json={"approve": True}))
    refused = c.post(f"/api/pulls/{pr['id']}/complete", headers=rita)
    assert refused.status_code == 409 and "build delivery" in refused.json()["detail"]
    denied = c.post(f"/api/pulls/{pr['id']}/complete", headers=rita, json={"override": "hotfix"})
    assert denied.status_code == 403
    admin = auth(world.h.store, Role.ADMIN, "ada")
    json_of(c.post(f"/api/pulls/{pr['id']}/complete", headers=admin, json={"override": "hotfix"}))
    entry = json_of(c.get("/api/audit?action=policy.override", headers=admin))[0]
    assert entry["actor"] == "ada" and entry["detail"]["reason"] == "hotfix"


def test_bad_input_is_refused_and_changes_nothing(world: World) -> None:
    c = TestClient(world.app)
    rita = auth(world.h.store, Role.CONTRIBUTOR, "rita")
    for body, status, said in (
        ({"repository": REPO, "source": "nope", "target": "main", "title": "x"}, 404, "no branch"),
        (
            {"repository": REPO, "source": "--upload-pack=x", "target": "main", "title": "x"},
            400,
            "not a branch name",
        ),
        ({"repository": "other", "source": "a", "target": "main", "title": "x"}, 404, "not served"),
        ({"repository": REPO, "source": "main", "target": "main", "title": "x"}, 400, "both"),
    ):
        got = c.post("/api/pulls", headers=rita, json=body)
        assert got.status_code == status and said in got.json()["detail"], got.text
    assert json_of(c.get("/api/pulls", headers=rita)) == []


def test_a_conflicting_pull_request_says_which_files_and_cannot_merge(world: World) -> None:
    c = TestClient(world.app)
    rita = auth(world.h.store, Role.CONTRIBUTOR, "rita")
    world.push("feature/x", {"delivery/app.py": "print('x')\n"})
    world.push("main", {"delivery/app.py": "print('main')\n"})
    pr = open_pr(c, rita, "feature/x", "X")
    assert pr["mergeable"] is False and pr["builds"] == []
    merge = next(ch for ch in pr["checks"] if ch["name"] == "merge")
    assert merge["state"] == "failed" and "delivery/app.py" in merge["detail"]
    refused = c.post(f"/api/pulls/{pr['id']}/complete", headers=rita)
    assert refused.status_code == 409 and "merge conflicts" in refused.json()["detail"]


def test_the_pr_command_opens_votes_and_completes_through_the_server(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from shipyard.cli.app import app
    from tests.unit.server.pr_world import served
    from tests.unit.server.tokens import token

    world.push("feature/cli", {"delivery/app.py": "print('cli')\n"})
    runner = CliRunner()
    with served(world.app) as url:
        monkeypatch.setenv("SHIPYARD_SERVER", url)
        monkeypatch.setenv("SHIPYARD_TOKEN", token(world.h.store, Role.CONTRIBUTOR, "rita"))
        opened = runner.invoke(app, ["pr", "open", "--repo", REPO, "--source", "feature/cli",
                                     "--title", "From the CLI"])  # fmt: skip
        assert opened.exit_code == 0, opened.output
        assert "cannot merge yet" in opened.output and "build delivery" in opened.output
        world.drive()
        blocked = runner.invoke(app, ["pr", "complete", "1"])
        assert blocked.exit_code != 0 and "reviewers" in blocked.output
        monkeypatch.setenv("SHIPYARD_TOKEN", token(world.h.store, Role.CONTRIBUTOR, "sam"))
        assert runner.invoke(app, ["pr", "vote", "1"]).exit_code == 0
        done = runner.invoke(app, ["pr", "complete", "1", "-o", "json"])
        assert done.exit_code == 0, done.output
        assert '"status": "completed"' in done.output
        monkeypatch.setenv("SHIPYARD_TOKEN", "shy_wrong")
        denied = runner.invoke(app, ["pr", "list"])
        assert denied.exit_code != 0 and "401" in denied.output and "Traceback" not in denied.output


def test_a_pull_request_cannot_exempt_a_required_pipeline_by_editing_its_trigger(
    world: World,
) -> None:
    c = TestClient(world.app)
    rita = auth(world.h.store, Role.CONTRIBUTOR, "rita")
    sam = auth(world.h.store, Role.CONTRIBUTOR, "sam")
    sneaky = "pr: none\nsteps:\n- script: echo skipped\n"
    world.push("feature/sneaky", {"delivery/app.py": "x = 1\n",
                                  "delivery/azure-pipelines.yml": sneaky})  # fmt: skip
    pr = open_pr(c, rita, "feature/sneaky", "S")
    json_of(c.post(f"/api/pulls/{pr['id']}/votes", headers=sam, json={"approve": True}))
    state, detail = checks(json_of(c.get(f"/api/pulls/{pr['id']}", headers=rita)))["build delivery"]
    assert state == "pending" and "no build" in detail
    assert c.post(f"/api/pulls/{pr['id']}/complete", headers=rita).status_code == 409
    assert world.bare_git("rev-parse", "main") != pr["merge_sha"]


def test_unrelated_histories_are_a_failing_check_and_later_pushes_still_run(
    world: World,
) -> None:
    c = TestClient(world.app)
    rita = auth(world.h.store, Role.CONTRIBUTOR, "rita")
    world.git("checkout", "-q", "--orphan", "orphan")
    world.work.write("other.txt", "x\n")
    world.work.commit_all("unrelated")
    world.git("push", "-q", "origin", "orphan")
    world.git("checkout", "-q", "-f", "main")
    got = c.post(
        "/api/pulls",
        headers=rita,
        json={"repository": REPO, "source": "orphan", "target": "main", "title": "Orphan"},
    )
    assert got.status_code == 201, got.text
    merge = next(ch for ch in got.json()["checks"] if ch["name"] == "merge")
    assert merge["state"] == "failed" and "unrelated histories" in merge["detail"]
    world.push("main", {"delivery/app.py": "print('still fine')\n"})  # refreshes the PR
    vote = c.post(f"/api/pulls/{got.json()['id']}/votes", headers=rita,
                  json={"approve": True, "source_sha": "0" * 40})  # fmt: skip
    assert vote.status_code == 409


def test_a_vote_for_a_commit_the_source_has_left_is_refused(world: World) -> None:
    c = TestClient(world.app)
    rita, sam = (
        auth(world.h.store, Role.CONTRIBUTOR, "rita"),
        auth(world.h.store, Role.CONTRIBUTOR, "sam"),
    )
    seen = world.push("feature/v", {"delivery/app.py": "print('v1')\n"})
    pr = open_pr(c, rita, "feature/v", "V")
    world.push("feature/v", {"delivery/app.py": "print('v2')\n"})
    late = c.post(f"/api/pulls/{pr['id']}/votes", headers=sam,
                  json={"approve": True, "source_sha": seen})  # fmt: skip
    assert late.status_code == 409 and "review the new commit" in late.json()["detail"]
