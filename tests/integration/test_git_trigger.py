"""Trigger evaluation and the git adapter against real repositories in temporary folders."""

from __future__ import annotations

from pathlib import Path

import pytest

from shipyard.adapters.git import GitCli
from shipyard.adapters.process import CommandFailed, ToolMissing, run
from shipyard.domain.events import ZERO_SHA, NewBranch, Push
from shipyard.domain.pipeline import CITrigger, Filter
from shipyard.flow.trigger import RegisteredPipeline, TriggerReport, evaluate

pytestmark = pytest.mark.integration

HOSTILE = (
    "--upload-pack=x",
    'x";touch${IFS}pwned;#',
    "$(touch${IFS}pwned)",
    "feature/`touch${IFS}pwned`",
    "-x;touch${IFS}pwned",
)


@pytest.fixture(autouse=True)
def _isolated_git(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No user or system git configuration, a fixed identity, and cwd in the temp folder
    so that anything a hostile name managed to create would show up there."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(home / "gitconfig"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for key in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{key}_NAME", "Shipyard Test")
        monkeypatch.setenv(f"GIT_{key}_EMAIL", "test@shipyard.invalid")
    monkeypatch.chdir(tmp_path)


def git(repo: Path, *args: str) -> str:
    return run(["git", "-C", str(repo), *args]).stdout.strip()


def write(repo: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = repo / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def commit(repo: Path, files: dict[str, str], message: str = "change") -> str:
    write(repo, files)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    path = tmp_path / "monorepo"
    run(["git", "init", "-q", "-b", "main", str(path)])
    commit(
        path,
        {
            "src/shipping/delivery/app.py": "print('delivery')\n",
            "src/shipping/package/app.py": "print('package')\n",
            "src/shipping/workflow/app.py": "print('workflow')\n",
            "src/shared/util.py": "X = 1\n",
            "docs/index.md": "# docs\n",
        },
        "initial",
    )
    return path


def service(name: str, *extra_paths: str) -> RegisteredPipeline:
    return RegisteredPipeline(
        name,
        f"src/shipping/{name}/azure-pipelines.yml",
        CITrigger(
            batch=True,
            branches=Filter(("main", f"release/{name}/v*", f"feature/{name}/*")),
            paths=Filter((f"/src/shipping/{name}/", *extra_paths), ("**/*.md",)),
        ),
    )


PIPELINES = (
    service("delivery"),
    service("package", "src/shared/"),
    service("workflow", "src/shared/"),
)


def ran(report: TriggerReport) -> set[str]:
    return {d.pipeline for d in report.runs}


# ----------------------------------------------------------------- scenarios


def test_feature_push_touching_delivery_runs_only_delivery(repo: Path) -> None:
    git(repo, "switch", "-q", "-c", "feature/delivery/eta")
    before = git(repo, "rev-parse", "HEAD")
    after = commit(repo, {"src/shipping/delivery/eta.py": "ETA = 5\n"})
    report = evaluate(PIPELINES, Push("feature/delivery/eta", before, after), GitCli(repo))
    assert ran(report) == {"delivery"}
    delivery = report.decision("delivery")
    assert delivery.changes is not None
    assert delivery.changes.examples == ("src/shipping/delivery/eta.py",)
    assert report.decision("package").code == "branch-not-included"


def test_push_to_main_touching_shared_runs_the_pipelines_that_include_it(repo: Path) -> None:
    before = git(repo, "rev-parse", "HEAD")
    after = commit(repo, {"src/shared/util.py": "X = 2\n"})
    report = evaluate(PIPELINES, Push("main", before, after), GitCli(repo))
    assert ran(report) == {"package", "workflow"}
    delivery = report.decision("delivery")
    assert delivery.reason == "not affected: no change under /src/shipping/delivery/"
    assert delivery.changes is not None and delivery.changes.count == 1


def test_new_release_branch_without_new_commit_runs_only_delivery(repo: Path) -> None:
    git(repo, "branch", "release/delivery/v1.0.2")
    sha = git(repo, "rev-parse", "release/delivery/v1.0.2")
    report = evaluate(PIPELINES, Push("release/delivery/v1.0.2", ZERO_SHA, sha), GitCli(repo))
    assert ran(report) == {"delivery"}
    assert report.decision("delivery").reason == (
        "new branch release/delivery/v1.0.2 matches release/delivery/v*; no new commits, "
        "files under /src/shipping/delivery/ exist in its tree"
    )
    assert report.decision("package").code == "branch-not-included"


def test_new_branch_with_commits_is_compared_with_the_merge_base(repo: Path) -> None:
    git(repo, "switch", "-q", "-c", "feature/package/box")
    after = commit(repo, {"src/shipping/package/box.py": "BOX = 1\n"})
    git(repo, "switch", "-q", "main")
    commit(repo, {"src/shipping/delivery/app.py": "print('main moved on')\n"})
    report = evaluate(PIPELINES, NewBranch("feature/package/box", after), GitCli(repo))
    assert ran(report) == {"package"}
    package = report.decision("package")
    assert package.changes is not None and package.changes.count == 1


def test_docs_only_change_runs_nothing_and_says_why(repo: Path) -> None:
    before = git(repo, "rev-parse", "HEAD")
    after = commit(repo, {"docs/index.md": "# more docs\n", "src/shared/README.md": "notes\n"})
    report = evaluate(PIPELINES, Push("main", before, after), GitCli(repo))
    assert not report.runs
    reasons = {d.pipeline: (d.code, d.reason) for d in report.decisions}
    assert reasons["delivery"] == (
        "no-matching-paths",
        "not affected: no change under /src/shipping/delivery/",
    )
    assert reasons["package"][0] == "paths-excluded"
    assert "excluded by **/*.md" in reasons["package"][1]


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_branch_names_are_harmless(repo: Path, tmp_path: Path, name: str) -> None:
    sha = git(repo, "rev-parse", "HEAD")
    git(repo, "update-ref", f"refs/heads/{name}", sha)
    adapter = GitCli(repo)
    assert adapter.resolve(f"refs/heads/{name}") == sha
    report = evaluate(PIPELINES, NewBranch(name, sha), adapter)
    assert {d.code for d in report.decisions} == {"branch-not-included"}
    pushed = Push(name, sha, commit(repo, {"src/shipping/delivery/x.py": "1\n"}))
    catch_all = RegisteredPipeline("all", "all.yml")
    assert evaluate((catch_all,), pushed, adapter).decision("all").run
    assert not list(tmp_path.rglob("pwned"))


def test_option_looking_revisions_are_never_options(repo: Path, tmp_path: Path) -> None:
    adapter = GitCli(repo)
    target = tmp_path / "written-by-git"
    for rev in (f"--output={target}", "--upload-pack=touch pwned", "-h", "--all"):
        assert adapter.resolve(rev) is None
        with pytest.raises(CommandFailed):
            adapter.changed_files(rev, "HEAD")
        with pytest.raises(CommandFailed):
            adapter.tree_files(rev)
        assert adapter.read_file(rev, "docs/index.md") is None
    assert not target.exists()
    assert not list(tmp_path.rglob("pwned"))


# ------------------------------------------------------------------- adapter


def test_paths_come_back_exactly_with_nul_separation(repo: Path) -> None:
    before = git(repo, "rev-parse", "HEAD")
    odd = ["docs/with space.md", 'docs/quote"d.md', "docs/new\nline.md", "docs/ünïcödé.md"]
    after = commit(repo, dict.fromkeys(odd, "x\n"))
    adapter = GitCli(repo)
    assert sorted(adapter.changed_files(before, after)) == sorted(odd)
    assert set(odd) <= set(adapter.tree_files(after))


def test_renames_count_as_both_paths(repo: Path) -> None:
    before = git(repo, "rev-parse", "HEAD")
    git(repo, "mv", "src/shipping/delivery/app.py", "src/shipping/package/moved.py")
    git(repo, "commit", "-q", "-m", "move")
    changed = GitCli(repo).changed_files(before, "HEAD")
    assert sorted(changed) == ["src/shipping/delivery/app.py", "src/shipping/package/moved.py"]


def test_zero_base_means_the_whole_tree(repo: Path) -> None:
    adapter = GitCli(repo)
    assert sorted(adapter.changed_files(ZERO_SHA, "HEAD")) == sorted(adapter.tree_files("HEAD"))


def test_many_files(repo: Path) -> None:
    before = git(repo, "rev-parse", "HEAD")
    after = commit(repo, {f"src/gen/{i // 100}/f{i}.txt": f"{i}\n" for i in range(3000)})
    assert len(GitCli(repo).changed_files(before, after)) == 3000


def test_ancestry_and_history(repo: Path) -> None:
    adapter = GitCli(repo)
    first = git(repo, "rev-parse", "HEAD")
    second = commit(repo, {"a.txt": "1\n"})
    third = commit(repo, {"b.txt": "2\n"})
    assert adapter.is_ancestor(first, third) and not adapter.is_ancestor(third, first)
    assert adapter.is_ancestor(third, third)
    assert adapter.commits_between(first, third) == [third, second]
    assert adapter.commits_between(ZERO_SHA, second) == [second, first]
    assert adapter.merge_base(first, third) == first
    git(repo, "switch", "-q", "--orphan", "unrelated")
    orphan = commit(repo, {"z.txt": "z\n"})
    assert adapter.merge_base(orphan, third) is None


def test_read_file(repo: Path) -> None:
    adapter = GitCli(repo)
    assert adapter.read_file("main", "/src/shared/util.py") == b"X = 1\n"
    assert adapter.read_file("main", "src/missing.py") is None
    assert adapter.read_file("main", "src/../docs/index.md") is None
    assert adapter.read_file("main", "src") is None  # a folder is not a file
    assert adapter.read_file("nope", "docs/index.md") is None


def test_resolve(repo: Path) -> None:
    adapter = GitCli(repo)
    head = git(repo, "rev-parse", "HEAD")
    assert adapter.resolve("main") == head
    assert adapter.resolve("refs/heads/main") == head
    assert adapter.resolve(head[:10]) == head
    assert adapter.resolve("nope") is None
    assert adapter.resolve(ZERO_SHA) is None
    assert adapter.resolve("") is None
    git(repo, "tag", "-a", "-m", "annotated", "v1")
    assert adapter.resolve("refs/tags/v1") == head  # peeled to the commit


def test_default_branch(repo: Path, tmp_path: Path) -> None:
    assert GitCli(repo).default_branch() == "main"
    clone = tmp_path / "clone"
    run(["git", "clone", "-q", str(repo), str(clone)])
    git(clone, "switch", "-q", "-c", "topic")
    assert GitCli(clone).default_branch() == "main"  # origin/HEAD, not the checkout
    bare = tmp_path / "bare.git"
    run(["git", "clone", "-q", "--bare", str(repo), str(bare)])
    assert GitCli(bare).default_branch() == "main"
    legacy = tmp_path / "legacy"
    run(["git", "init", "-q", "-b", "master", str(legacy)])
    commit(legacy, {"a": "1\n"})
    git(legacy, "switch", "-q", "-c", "work")
    assert GitCli(legacy).default_branch() == "master"
    git(legacy, "config", "init.defaultBranch", "work")
    assert GitCli(legacy).default_branch() == "work"


def test_git_missing_is_reported(repo: Path) -> None:
    with pytest.raises(ToolMissing):
        GitCli(repo, git=str(repo / "no-such-git")).resolve("HEAD")


def test_a_skip_marker_in_the_real_head_commit_skips_the_push(repo: Path) -> None:
    git(repo, "switch", "-q", "-c", "feature/delivery/docs")
    before = git(repo, "rev-parse", "HEAD")
    message = "delivery: reword the README\n\nNothing to build.\n\nskip-checks: true"
    after = commit(repo, {"src/shipping/delivery/notes.py": "N = 1\n"}, message)
    assert GitCli(repo).commit_message(after).startswith("delivery: reword the README")
    report = evaluate(PIPELINES, Push("feature/delivery/docs", before, after), GitCli(repo))
    assert ran(report) == set()
    assert report.decision("delivery").code == "skip-ci"
    assert "skip-checks: true" in report.decision("delivery").reason
    assert GitCli(repo).commit_message("--upload-pack=x") == ""
