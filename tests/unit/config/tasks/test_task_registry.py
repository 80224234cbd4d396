"""The registry, the integrity checks of specs, the condition language and the JSON Schema."""

from __future__ import annotations

import jsonschema
import pytest

from shipyard.config.tasks import REGISTRY, InputKind, TaskRegistry, TaskSpec, json_schema
from shipyard.config.tasks.conditions import Clause, Condition
from shipyard.config.tasks.model import flag, pick, text, when

SUPPORTED = {
    "AzureCLI@1",
    "AzureCLI@2",
    "Bash@3",
    "CmdLine@2",
    "Docker@1",
    "Docker@2",
    "DownloadPipelineArtifact@2",
    "HelmDeploy@0",
    "HelmInstaller@0",
    "HelmInstaller@1",
    "PowerShell@2",
    "PublishBuildArtifacts@1",
    "PublishPipelineArtifact@1",
    "PublishTestResults@2",
    "ShipyardDeploy@1",
    "ShipyardPromote@1",
    "ShipyardScan@1",
    "ShipyardSmokeTest@1",
}


def test_the_registry_holds_the_supported_tasks() -> None:
    assert {spec.ref for spec in REGISTRY} == SUPPORTED
    assert len(REGISTRY) == len(SUPPORTED)


def test_lookup_ignores_case_and_lists_majors() -> None:
    assert REGISTRY.get("docker", 2) is REGISTRY.get("Docker", 2)
    assert REGISTRY.get("Docker", 9) is None
    assert REGISTRY.majors("HELMINSTALLER") == (0, 1)
    assert REGISTRY.canonical_name("azurecli") == "AzureCLI"
    assert "ShipyardScan" in REGISTRY.names()


def test_docker1_command_and_dockerfile_as_documented() -> None:
    docker = REGISTRY.get("Docker", 1)
    assert docker is not None
    command = docker.input("COMMAND")
    assert command is not None and command.kind is InputKind.PICKLIST
    assert command.choice("Push an image") == command.choice("push")
    assert docker.input("Dockerfile") is docker.input("dockerFile")


def test_shipyard_scan_inputs() -> None:
    scan = REGISTRY.get("ShipyardScan", 1)
    assert scan is not None
    fail_on = scan.input("failOn")
    assert fail_on is not None and fail_on.default == "high"
    assert [c.value for c in fail_on.choices] == ["critical", "high", "medium", "low", "none"]
    sbom = scan.input("sbomFormat")
    assert sbom is not None and sbom.default == "cyclonedx-json"


def test_a_task_registered_twice_is_refused() -> None:
    spec = TaskSpec("T", 1, "t", ())
    with pytest.raises(ValueError, match="registered twice"):
        TaskRegistry([spec, TaskSpec("t", 1, "t", ())])


def test_an_input_name_declared_twice_is_refused() -> None:
    with pytest.raises(ValueError, match="input name 'B' is declared twice"):
        TaskSpec("T", 1, "t", (text("a", "b"), text("B")))


def test_a_default_outside_the_pick_list_is_refused() -> None:
    with pytest.raises(ValueError, match="default of 'p' is not a choice"):
        TaskSpec("T", 1, "t", (pick("p", ["x", "y"], default="z"),))


def test_a_rule_naming_an_unknown_input_is_refused() -> None:
    with pytest.raises(ValueError, match=r"rule of 'a' names \['nope'\]"):
        TaskSpec("T", 1, "t", (text("a", required="nope = 1"), flag("b")))


def test_conditions_parse_with_precedence() -> None:
    rule = when("a = x y || b != 2 && c == 3")
    assert rule.groups == (
        (Clause("a", "x y"),),
        (Clause("b", "2", negate=True), Clause("c", "3")),
    )
    assert rule.names() == {"a", "b", "c"}


def test_condition_evaluation_is_three_valued() -> None:
    rule = Condition.parse("a = 1 && b = 2 || c = 3")
    truth = {"a": True, "b": None, "c": False}
    assert rule.evaluate(lambda clause: truth[clause.name]) == (None, ())
    truth["b"] = True
    holds, group = rule.evaluate(lambda clause: truth[clause.name])
    assert holds is True and [c.name for c in group] == ["a", "b"]
    truth["a"] = False
    assert rule.evaluate(lambda clause: truth[clause.name]) == (False, ())


@pytest.mark.parametrize("bad", ["a", "a = ", "= b", "a = 1 ||", "a ~ 1"])
def test_malformed_conditions_are_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="bad clause"):
        Condition.parse(bad)


@pytest.mark.parametrize("spec", list(REGISTRY), ids=lambda s: s.ref)
def test_every_generated_schema_is_a_valid_json_schema(spec: TaskSpec) -> None:
    jsonschema.Draft202012Validator.check_schema(json_schema(spec))


def test_the_schema_refuses_what_validation_refuses() -> None:
    spec = REGISTRY.get("AzureCLI", 2)
    assert spec is not None
    schema = json_schema(spec)
    validator = jsonschema.Draft202012Validator(schema)
    good = {"connectedServiceNameARM": "s", "scriptType": "bash", "useGlobalConfig": "TRUE"}
    assert list(validator.iter_errors(good)) == []
    assert list(validator.iter_errors({"scriptType": "zsh", "azureSubscription": "s"}))
    assert list(validator.iter_errors({"scriptType": "bash"}))  # no subscription
    assert list(validator.iter_errors({"azureSubscription": "s", "scriptType": "ps", "x": 1}))
