"""Azure Pipelines filter semantics, case by case (see shipyard.domain.filters)."""

from __future__ import annotations

import pytest

from shipyard.domain.filters import (
    PathFilter,
    PathIndex,
    PathPattern,
    RefFilter,
    RefPattern,
    compile_path_filter,
    compile_ref_filter,
    normalise_path,
)
from shipyard.domain.pipeline import Filter


def branches(include: tuple[str, ...] = (), exclude: tuple[str, ...] = ()) -> RefFilter:
    return compile_ref_filter(Filter(include, exclude), "branch")


def tags(include: tuple[str, ...] = (), exclude: tuple[str, ...] = ()) -> RefFilter:
    return compile_ref_filter(Filter(include, exclude), "tag")


def paths(include: tuple[str, ...] = (), exclude: tuple[str, ...] = ()) -> PathFilter:
    return compile_path_filter(Filter(include, exclude))


# ------------------------------------------------------------------ branches


@pytest.mark.parametrize(
    ("pattern", "ref", "expected"),
    [
        ("main", "refs/heads/main", True),
        ("refs/heads/main", "refs/heads/main", True),
        ("main", "refs/heads/main2", False),
        ("main", "refs/heads/feature/main", False),
        ("main", "refs/tags/main", False),
        ("releases/*", "refs/heads/releases/1.0", True),
        ("releases/*", "refs/heads/releases/2020/1.0", True),  # '*' crosses '/' for refs
        ("releases/*", "refs/heads/releases", False),
        ("feature/*-working", "refs/heads/feature/x-working", True),
        ("feature/*-working", "refs/heads/feature/x-done", False),
        ("*-releases", "refs/heads/q1-releases", True),
        ("v?", "refs/heads/v1", True),
        ("v?", "refs/heads/v10", False),
        ("*", "refs/heads/anything/at/all", True),
        ("*", "refs/tags/v1", False),  # '*' names branches, not tags
        ("Main", "refs/heads/main", False),  # case-sensitive, as git refs are
        ("refs/tags/v*", "refs/tags/v1.2", True),
        ("refs/release/delivery/v*", "refs/release/delivery/v1", True),
        ("release/delivery/v*", "refs/heads/release/delivery/v1.0.2", True),
        ("feat[12]", "refs/heads/feat1", False),  # '[' is literal
        ("feat[12]", "refs/heads/feat[12]", True),
        ("a.b", "refs/heads/axb", False),  # '.' is literal, not a regex dot
    ],
)
def test_branch_pattern(pattern: str, ref: str, expected: bool) -> None:
    assert RefPattern.compile(pattern, "branch").matches(ref) is expected


def test_empty_branch_filter_matches_every_branch_but_no_tag() -> None:
    f = branches()
    assert not f.configured
    m = f.match("refs/heads/whatever")
    assert m.ok and m.implicit and not m.specific
    assert not f.match("refs/tags/v1").ok


def test_exclude_wins_over_include() -> None:
    f = branches(("releases/*",), ("releases/old*",))
    assert f.match("refs/heads/releases/new").ok
    m = f.match("refs/heads/releases/old-1")
    assert not m.ok and m.code == "excluded" and m.pattern == "releases/old*"


def test_exclude_without_include_means_everything_else() -> None:
    f = branches(exclude=("experimental/*",))
    assert f.match("refs/heads/main").ok
    assert f.match("refs/heads/feature/x").ok
    assert f.match("refs/heads/experimental/y").code == "excluded"


def test_not_included_says_so() -> None:
    f = branches(("main", "release/*"))
    m = f.match("refs/heads/feature/x")
    assert not m.ok and m.code == "not-included" and m.pattern is None
    assert f.describe() == "include: main, release/*"


def test_most_specific_include_is_reported() -> None:
    f = branches(("*", "release/*", "release/delivery/v*"))
    m = f.match("refs/heads/release/delivery/v1.0.2")
    assert m.pattern == "release/delivery/v*" and m.specific
    generic = f.match("refs/heads/feature/x")
    assert generic.pattern == "*" and not generic.specific


def test_literal_include_beats_wildcard() -> None:
    f = branches(("ma*", "main"))
    assert f.match("refs/heads/main").pattern == "main"


@pytest.mark.parametrize(
    ("pattern", "specific"),
    [
        ("*", False),
        ("refs/heads/*", False),
        ("refs/*", False),
        ("**", False),
        ("?*", False),
        ("main", True),
        ("release/*", True),
        ("*-hotfix", True),
    ],
)
def test_specific_patterns(pattern: str, specific: bool) -> None:
    assert RefPattern.compile(pattern, "branch").specific is specific


def test_branches_list_can_name_tags() -> None:
    f = branches(("main", "refs/tags/v*"))
    assert f.match("refs/tags/v2").ok
    assert not f.match("refs/tags/x").ok


# ---------------------------------------------------------------------- tags


def test_empty_tag_filter_matches_no_tag() -> None:
    assert not tags().match("refs/tags/v1").ok


def test_tag_patterns_short_and_full() -> None:
    f = tags(("v2.*", "refs/tags/release-*"), ("v2.0",))
    assert f.match("refs/tags/v2.1").ok
    assert f.match("refs/tags/release-9").ok
    assert f.match("refs/tags/v2.0").code == "excluded"
    assert not f.match("refs/tags/v3.0").ok
    assert not f.match("refs/heads/v2.1").ok  # a branch is not a tag


def test_tag_exclude_only_includes_other_tags() -> None:
    f = tags(exclude=("*-rc",))
    assert f.match("refs/tags/v1").ok
    assert not f.match("refs/tags/v1-rc").ok
    assert not f.match("refs/heads/main").ok


# --------------------------------------------------------------------- paths


@pytest.mark.parametrize(
    ("raw", "norm"),
    [
        ("/src/shipping/delivery/", "src/shipping/delivery"),
        ("src/shipping/delivery", "src/shipping/delivery"),
        ("./src", "src"),
        ("/", ""),
        ("//x//", "x"),
    ],
)
def test_normalise_path(raw: str, norm: str) -> None:
    assert normalise_path(raw) == norm


@pytest.mark.parametrize(
    ("pattern", "path", "expected"),
    [
        ("src/shipping/delivery", "src/shipping/delivery/app.py", True),
        ("/src/shipping/delivery/", "src/shipping/delivery/app.py", True),
        ("/src/shipping/delivery/", "src/shipping/delivery/deep/er/x.cs", True),
        ("src/shipping/delivery", "src/shipping/delivery", True),  # the file itself
        ("src/shipping/delivery", "src/shipping/delivery-v2/app.py", False),  # whole segments
        ("src/shipping/delivery", "src/shipping/deliveryx", False),
        ("src/shipping/delivery", "src/shipping/Delivery/app.py", False),  # case-sensitive
        ("src/shipping/delivery", "other/src/shipping/delivery/a", False),  # anchored at root
        ("README.md", "README.md", True),
        ("README.md", "docs/README.md", False),
        ("docs/*", "docs/a.md", True),
        ("docs/*", "docs/sub/a.md", True),  # Azure: 'docs/*' is the same as 'docs/'
        ("docs/*.md", "docs/a.md", True),
        ("docs/*.md", "docs/sub/a.md", False),  # '*' stays within a segment
        ("docs/*.md", "docs/a.txt", False),
        ("docs/**/*.md", "docs/a.md", True),
        ("docs/**/*.md", "docs/x/y/a.md", True),
        ("**/*.md", "a.md", True),
        ("**/*.md", "src/x/README.md", True),
        ("**/*.md", "src/x/README.txt", False),
        ("src/*/delivery", "src/shipping/delivery/app.py", True),
        ("src/*/delivery", "src/a/b/delivery/app.py", False),
        ("src/ship?ing", "src/shipping/x", True),
        ("src/ship?ing", "src/ship/ing/x", False),  # '?' is one non-'/' character
        ("*", "anything/at/all", True),  # Azure: '*' is the repository root
        ("/", "anything", True),
        ("src/a+b(1)", "src/a+b(1)/x", True),  # regex metacharacters are literal
        ("src/a+b(1)*", "src/a+b(1)2/x", True),
    ],
)
def test_path_pattern(pattern: str, path: str, expected: bool) -> None:
    assert PathPattern.compile(pattern).matches(path) is expected


def test_no_path_filter_includes_everything() -> None:
    f = paths()
    assert not f.configured and f.is_included("anything")
    sel = f.select(PathIndex(["b", "a", "c", "d"]), limit=3)
    assert sel.matched and sel.code == "no-path-filter" and sel.examples == ("a", "b", "c")
    assert sel.considered == 4


def test_path_exclude_wins() -> None:
    f = paths(("src/delivery",), ("src/delivery/docs",))
    assert f.is_included("src/delivery/app.py")
    assert not f.is_included("src/delivery/docs/index.md")


def test_path_exclude_without_include_includes_the_rest() -> None:
    f = paths(exclude=("docs", "**/*.md"))
    assert f.is_included("src/a.py")
    assert not f.is_included("docs/a.txt")
    assert not f.is_included("src/README.md")


def test_deeper_include_carves_out_of_excluded_folder() -> None:
    # Azure: "if you exclude /tools then you could include /tools/trigger-runs-on-these"
    f = paths(("/tools/trigger-runs-on-these",), ("/tools",))
    assert f.is_included("tools/trigger-runs-on-these/x.sh")
    assert not f.is_included("tools/other/x.sh")


def test_same_depth_include_does_not_carve_out() -> None:
    f = paths(("tools",), ("tools",))
    assert not f.is_included("tools/x")


def test_wildcard_exclude_is_never_carved_out() -> None:
    f = paths(("src/shipping/delivery",), ("**/*.md",))
    assert f.is_included("src/shipping/delivery/app.py")
    assert not f.is_included("src/shipping/delivery/README.md")


def test_select_runs_when_any_file_passes() -> None:
    f = paths(("src/shipping/delivery/",), ("**/*.md",))
    index = PathIndex(
        ["docs/a.md", "src/shipping/delivery/README.md", "src/shipping/delivery/a.py"]
    )
    sel = f.select(index)
    assert sel.matched and sel.code == "matched"
    assert sel.examples == ("src/shipping/delivery/a.py",)
    assert sel.considered == 3


def test_select_explains_no_change_under_includes() -> None:
    f = paths(("src/shipping/delivery/",))
    sel = f.select(PathIndex(["docs/a.md", "src/shipping/package/x.py"]))
    assert not sel.matched and sel.code == "no-matching-paths"
    assert sel.reason() == "not affected: no change under src/shipping/delivery/"


def test_select_explains_everything_was_excluded() -> None:
    f = paths(("src/shipping/delivery/",), ("**/*.md",))
    sel = f.select(PathIndex(["src/shipping/delivery/README.md"]))
    assert not sel.matched and sel.code == "paths-excluded" and sel.excluded_by == "**/*.md"
    assert "excluded by **/*.md" in sel.reason()


def test_select_with_no_changes() -> None:
    sel = paths(("src",)).select(PathIndex([]))
    assert not sel.matched and sel.code == "no-changes"
    assert not paths().select(PathIndex([])).matched


def test_select_stops_at_the_limit_and_dedupes() -> None:
    f = paths(("src", "src/a"))
    index = PathIndex([f"src/a/{i:02}" for i in range(50)])
    sel = f.select(index, limit=2)
    assert sel.examples == ("src/a/00", "src/a/01")


def test_select_prefix_boundaries() -> None:
    # 'src/a' must not pick 'src/a-b/...' or 'src/a.txt' although they sort between
    # 'src/a' and 'src/a/...'.
    f = paths(("src/a",))
    assert not f.select(PathIndex(["src/a-b/x", "src/a.txt", "src/ab/x"])).matched
    assert f.select(PathIndex(["src/a-b/x", "src/a.txt", "src/a/x"])).examples == ("src/a/x",)
    assert f.select(PathIndex(["src/a"])).examples == ("src/a",)


def test_select_wildcard_only_looks_after_literal_prefix() -> None:
    f = paths(("src/*/config/*.yaml",))
    index = PathIndex(["src/x/config/a.yaml", "src/x/config/a.json", "zzz/config/b.yaml"])
    assert f.select(index).examples == ("src/x/config/a.yaml",)


def test_select_agrees_with_is_included_on_a_mixed_set() -> None:
    f = paths(("src/svc*", "shared/lib", "/tools/keep"), ("src/svc1/docs", "**/*.md", "tools"))
    files = [
        "src/svc1/a.py",
        "src/svc1/docs/x.py",
        "src/svc2/README.md",
        "src/svc22/b.go",
        "shared/lib/c.py",
        "shared/library/d.py",
        "tools/keep/e.sh",
        "tools/drop/f.sh",
        "README.md",
    ]
    expected = sorted(p for p in files if f.is_included(p))
    assert expected == [
        "shared/lib/c.py",
        "src/svc1/a.py",
        "src/svc22/b.go",
        "tools/keep/e.sh",
    ]
    assert sorted(f.select(PathIndex(files), limit=100).examples) == expected


def test_compiled_once() -> None:
    spec = Filter(("src/a",), ("src/a/docs",))
    assert compile_path_filter(spec) is compile_path_filter(Filter(("src/a",), ("src/a/docs",)))
    assert compile_ref_filter(spec, "branch") is compile_ref_filter(spec, "branch")


def test_path_index_normalises_and_dedupes() -> None:
    index = PathIndex(["/a/b", "a/b", "c", ""])
    assert list(index) == ["a/b", "c"] and len(index) == 2
    assert index.contains("c") and not index.contains("a")


def test_index_walk_agrees_with_per_file_matching_on_random_cases() -> None:
    """The bisecting walk is an optimisation: it must find exactly what matches() finds."""
    import random

    rnd = random.Random(1234)
    names = ["a", "ab", "a-b", "a.b", "b", "docs", "x.md", "y.yaml", "a/"]
    paths_ = {
        "/".join(rnd.choice(names).rstrip("/") for _ in range(rnd.randint(1, 4)))
        for _ in range(400)
    }
    index = PathIndex(paths_)
    parts = ["a", "ab", "a*", "*", "?", "*b", "**", "docs", "*.md", "a?b", "x.md", "b"]
    for _ in range(400):
        pattern = "/".join(rnd.choice(parts) for _ in range(rnd.randint(1, 3)))
        compiled = PathPattern.compile(pattern)
        walked = list(compiled.candidates(index))
        assert len(walked) == len(set(walked)), pattern
        assert sorted(walked) == [p for p in index if compiled.matches(p)], pattern
    for _ in range(200):
        inc = tuple(rnd.choice(parts) for _ in range(rnd.randint(0, 2)))
        exc = tuple(rnd.choice(parts) for _ in range(rnd.randint(0, 2)))
        f = paths(inc, exc)
        expected = [p for p in index if f.is_included(p)]
        assert sorted(f.select(index, limit=10_000).examples) == expected, (inc, exc)
