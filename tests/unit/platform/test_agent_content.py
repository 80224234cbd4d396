"""The agent image's content: this installation's runtime libraries and package, by digest."""

from __future__ import annotations

from pathlib import Path

from shipyard.platform.agent import AgentContent, runtime_closure


def _names() -> set[str]:
    return {d.metadata["Name"].lower().replace("_", "-") for d in runtime_closure()}


def test_the_closure_holds_what_shipyard_imports_at_run_time() -> None:
    names = _names()
    assert {"sqlalchemy", "temporalio", "lightkube", "psycopg", "psycopg-binary"} <= names
    assert "shipyard" not in names  # its own layer


def test_development_tools_stay_out() -> None:
    assert not {"pytest", "mypy", "ruff", "import-linter"} & _names()


def test_the_tag_changes_with_a_file_of_the_package_and_only_then(tmp_path: Path) -> None:
    package = tmp_path / "shipyard"
    package.mkdir()
    (package / "a.py").write_text("x = 1\n")
    content = AgentContent(tuple(runtime_closure()), package)
    first = content.tag()
    (package / "__pycache__").mkdir()
    (package / "__pycache__" / "a.cpython-311.pyc").write_bytes(b"compiled")
    assert content.tag() == first  # compiled files are not content
    (package / "a.py").write_text("x = 2\n")
    assert content.tag() != first


def test_staged_package_is_compiled_once(tmp_path: Path) -> None:
    package = tmp_path / "src" / "shipyard"
    package.mkdir(parents=True)
    (package / "a.py").write_text("x = 1\n")
    out = tmp_path / "out"
    out.mkdir()
    AgentContent((), package).stage_package(out)
    assert (out / "shipyard" / "a.py").is_file()
    assert list((out / "shipyard" / "__pycache__").glob("a.*.pyc"))
