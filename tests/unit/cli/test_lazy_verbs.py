"""The CLI imports a verb's module only to run it, and its table of verbs tells the truth.

``shipyard --help`` lists verbs from a table in ``shipyard.cli.app`` instead of importing
every verb; these tests keep that table equal to what the modules register, and check in a
fresh interpreter that start-up does not pull in the engine, the store or the clients.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from shipyard.cli.app import VERBS, app, load_module_commands

HEAVY = (
    "sqlalchemy",
    "httpx2",
    "lightkube",
    "fastapi",
    "uvicorn",
    "jsonschema",
    "jwt",
    "shipyard.flow",
    "shipyard.platform",
    "shipyard.store",
    "shipyard.adapters",
    "shipyard.executor",
    "shipyard.server",
)


def test_the_table_names_every_registered_verb_with_its_own_help() -> None:
    modules = {module for module, _ in VERBS.values()}
    registered: dict[str, str] = {}
    for module in sorted(modules):
        for name, command in load_module_commands(module).items():
            assert name not in registered, f"{name} registered twice"
            registered[name] = module
            listed = VERBS.get(name)
            assert listed is not None, f"{module} registers {name!r}, missing from VERBS"
            assert listed[0] == module
            full = command.get_short_help_str(limit=1000).rstrip(".")
            assert full.startswith(listed[1].rstrip(".")), (name, full, listed[1])
    assert set(registered) == set(VERBS)


def test_help_lists_every_verb_in_table_order() -> None:
    result = CliRunner().invoke(app, ["--help"])
    assert result.exit_code == 0
    positions = [result.output.index(f"  {name} ") for name in VERBS]
    assert positions == sorted(positions)


def test_a_verb_runs_and_a_typo_gets_a_suggestion() -> None:
    runner = CliRunner()
    assert runner.invoke(app, ["expr", "eq(1, 1)"]).output.strip() == "True (Boolean)"
    typo = runner.invoke(app, ["valdate"])
    assert typo.exit_code == 2
    assert "Did you mean 'validate'" in typo.output


def _modules_after(*argv: str) -> set[str]:
    code = (
        "import sys, json\n"
        "from shipyard.cli.app import app\n"
        f"try:\n    app({list(argv)!r})\n"
        "except SystemExit:\n    pass\n"
        "print('\\n' + json.dumps(sorted(sys.modules)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


def _heavy(loaded: set[str]) -> list[str]:
    return sorted(m for m in loaded for h in HEAVY if m == h or m.startswith(h + "."))


@pytest.mark.parametrize("argv", [("--help",), ("--version",)])
def test_help_and_version_import_no_verb(argv: tuple[str, ...]) -> None:
    loaded = _modules_after(*argv)
    assert not [m for m in loaded if m.endswith("_cmd")]
    assert not _heavy(loaded)


def test_expr_imports_neither_the_engine_nor_any_client() -> None:
    loaded = _modules_after("expr", "-1.2")
    assert "shipyard.cli.expr_cmd" in loaded
    assert not _heavy(loaded)


def test_worker_lists_the_queues_it_would_poll_and_refuses_bad_capabilities() -> None:
    runner = CliRunner()
    shown = runner.invoke(app, ["worker", "--pool", "linux", "--capability", "docker", "--queues"])
    assert shown.exit_code == 0, shown.output
    assert shown.output.split() == ["shipyard/linux", "shipyard/linux+docker"]
    bad = runner.invoke(app, ["worker", "--capability", "two words", "--queues"])
    assert bad.exit_code != 0
    assert "capability 'two words' is not understood" in bad.output
