"""Which pipelines a repository has: ``shipyard.yml``, or discovery by file name."""

from __future__ import annotations

from pathlib import Path

from shipyard.config.monorepo import load_monorepo
from shipyard.config.source import DirSource
from shipyard.domain.diagnostics import Diagnostics, Loc

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "fabrikam"


def repo(root: Path, files: dict[str, str]) -> DirSource:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return DirSource(root)


def test_registered_pipelines_in_both_entry_forms(tmp_path: Path) -> None:
    source = repo(
        tmp_path,
        {
            "shipyard.yml": (
                "defaultBranch: main\n"
                "pipelines:\n"
                "  delivery: src/delivery/azure-pipelines.yml\n"
                "  package:\n"
                "    path: /src/package/ci.yml\n"
                "    description: the package service\n"
            ),
            "src/delivery/azure-pipelines.yml": "steps: []\n",
            "src/package/ci.yml": "steps: []\n",
        },
    )
    diags = Diagnostics()
    mono = load_monorepo(source, diags)
    assert not diags
    assert mono.from_registry and mono.default_branch == "main"
    assert [(p.name, p.path, p.loc) for p in mono.pipelines] == [
        ("delivery", "src/delivery/azure-pipelines.yml", Loc("shipyard.yml", 3, 3)),
        ("package", "src/package/ci.yml", Loc("shipyard.yml", 4, 3)),
    ]


def test_one_bad_entry_does_not_hide_the_others(tmp_path: Path) -> None:
    source = repo(
        tmp_path,
        {
            "shipyard.yml": (
                "pipelines:\n"
                "  Delivery: a.yml\n"
                "  missing: nope.yml\n"
                "  escape: ../../etc/passwd\n"
                "  typo:\n"
                "    pth: a.yml\n"
                "  number: 5\n"
                "  good: ./sub/../a.yml\n"
            ),
            "a.yml": "steps: []\n",
        },
    )
    diags = Diagnostics()
    mono = load_monorepo(source, diags)
    assert [(p.name, p.path) for p in mono.pipelines] == [("good", "a.yml")]
    assert [(d.loc.line, d.loc.col, d.message, d.hint) for d in diags.sorted()] == [
        (2, 3, "pipeline name 'Delivery': use lowercase letters, digits, '.', '-' or '_'", ""),
        (3, 12, "pipeline 'missing': file 'nope.yml' does not exist", ""),
        (4, 11, "pipeline path '../../etc/passwd' leaves the repository", ""),
        (6, 5, "unknown key 'pth' in a pipeline entry", "did you mean 'path'?"),
        (7, 11, "'number' must be a path, or a mapping with 'path'; got the number 5", ""),
    ]


def test_registry_shape_errors(tmp_path: Path) -> None:
    diags = Diagnostics()
    mono = load_monorepo(repo(tmp_path, {"shipyard.yml": "pipelnes: {}\n"}), diags)
    assert mono.pipelines == () and mono.from_registry
    assert [(str(d.loc), d.message, d.hint) for d in diags.sorted()] == [
        (
            "shipyard.yml:1:1",
            "unknown key 'pipelnes' in a shipyard.yml file",
            "did you mean 'pipelines'?",
        ),
    ]


def test_an_empty_registry_says_what_it_needs(tmp_path: Path) -> None:
    diags = Diagnostics()
    load_monorepo(repo(tmp_path, {"shipyard.yml": ""}), diags)
    assert [d.message for d in diags.items] == [
        "shipyard.yml must be a mapping with 'pipelines: {name: path}'"
    ]


def test_a_registry_with_a_yaml_error(tmp_path: Path) -> None:
    diags = Diagnostics()
    mono = load_monorepo(repo(tmp_path, {"shipyard.yml": "pipelines: [\n"}), diags)
    assert mono.pipelines == ()
    (diag,) = diags.items
    assert diag.loc.file == "shipyard.yml" and diag.code == "yaml-syntax"


def test_discovery_names_pipelines_after_their_folder(tmp_path: Path) -> None:
    source = repo(
        tmp_path,
        {
            "azure-pipelines.yml": "",
            "src/delivery/azure-pipelines.yml": "",
            "src/delivery/azure-pipelines.release.yml": "",
            "other/delivery/azure-pipelines.yml": "",
            "node_modules/x/azure-pipelines.yml": "",
            "src/delivery/pipeline.yml": "",
        },
    )
    diags = Diagnostics()
    mono = load_monorepo(source, diags)
    assert not diags and not mono.from_registry
    assert [(p.name, p.path) for p in mono.pipelines] == [
        ("root", "azure-pipelines.yml"),
        ("delivery", "other/delivery/azure-pipelines.yml"),
        ("delivery-release", "src/delivery/azure-pipelines.release.yml"),
        ("delivery-2", "src/delivery/azure-pipelines.yml"),
    ]


def test_the_example_monorepo_registers_its_three_services() -> None:
    diags = Diagnostics()
    mono = load_monorepo(DirSource(EXAMPLE), diags)
    assert not diags
    assert {p.name for p in mono.pipelines} >= {"delivery", "package", "workflow"}
