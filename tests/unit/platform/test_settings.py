"""Settings: defaults, file, environment, and errors that name file, line, key and expectation."""

from __future__ import annotations

from pathlib import Path

import pytest

from shipyard.domain.diagnostics import InvalidInput
from shipyard.platform.paths import PlatformPaths
from shipyard.platform.settings import Secret, find_file, load


def _load(tmp_path: Path, text: str | None = None, **env: str):  # type: ignore[no-untyped-def]
    full = {"HOME": str(tmp_path)} | env
    if text is not None:
        (tmp_path / "shipyard.toml").write_text(text)
    return load(full, cwd=tmp_path)


def _errors(tmp_path: Path, text: str | None = None, **env: str) -> list[str]:
    with pytest.raises(InvalidInput) as info:
        _load(tmp_path, text, **env)
    return [d.render() for d in info.value.diagnostics]


def test_no_settings_means_the_embedded_defaults(tmp_path: Path) -> None:
    s = _load(tmp_path)
    assert s.source is None
    assert s.registry.embedded and s.registry.port == 5000
    assert s.embedded_clusters and s.clusters.ports == {"devtest": 16443, "prod": 16453}
    assert s.environments["production"].namespace == "production"
    assert s.base_images == ("python",)
    assert s.clusters.node_kind == "kubelet" and s.clusters.real_node == "devtest"
    assert s.clusters.real_node_cluster == "devtest"


def test_the_file_then_the_environment(tmp_path: Path) -> None:
    s = _load(
        tmp_path,
        "[registry]\nport = 5100\n[clusters]\nnodes = 3\n",
        SHIPYARD_REGISTRY_PORT="5200",
    )
    assert s.registry.port == 5200
    assert s.origins["registry.port"] == "$SHIPYARD_REGISTRY_PORT"
    assert s.clusters.nodes == 3
    assert s.origins["clusters.nodes"].endswith("shipyard.toml")


def test_errors_name_the_file_line_key_and_what_was_expected(tmp_path: Path) -> None:
    errors = _errors(tmp_path, '[registry]\nport = "five"\n\n[clusters]\nnodes = 0\nnodez = 2\n')
    text = "\n".join(errors)
    assert "shipyard.toml:2:0" in text or "shipyard.toml:2" in text
    assert "registry.port: expected a port number from 1 to 65535, found 'five'" in text
    assert "clusters.nodes: expected a whole number from 1 to 20, found 0" in text
    assert "unknown setting 'clusters.nodez'" in text
    assert "did you mean 'clusters.nodes'?" in text
    assert len(errors) == 3


def test_environment_variables_are_validated_too(tmp_path: Path) -> None:
    (errors,) = _errors(tmp_path, SHIPYARD_CLUSTERS_NODES="many")
    assert errors.startswith("$SHIPYARD_CLUSTERS_NODES")
    assert "expected a whole number" in errors


def test_broken_toml_says_where(tmp_path: Path) -> None:
    (error,) = _errors(tmp_path, "[registry\nport = 1\n")
    assert "not valid TOML" in error and "shipyard.toml:1" in error


def test_shipyard_config_must_exist(tmp_path: Path) -> None:
    (error,) = _errors(tmp_path, SHIPYARD_CONFIG=str(tmp_path / "missing.toml"))
    assert "missing.toml" in error and "cannot read" in error


def test_an_external_registry_with_a_password_from_the_environment(tmp_path: Path) -> None:
    s = _load(
        tmp_path,
        '[registry]\nurl = "https://registry.example.com"\nusername = "ci"\n',
        SHIPYARD_REGISTRY_PASSWORD="hunter2",
    )
    assert not s.registry.embedded
    assert s.registry.password.reveal() == "hunter2"
    assert "hunter2" not in repr(s) and "hunter2" not in str(s.registry)


def test_secrets_never_print_themselves() -> None:
    secret = Secret("hunter2")
    assert str(secret) == repr(secret) == f"{secret}" == "****"
    assert str(Secret()) == ""


def test_credentials_without_a_registry_url_are_refused(tmp_path: Path) -> None:
    errors = _errors(tmp_path, '[registry]\nusername = "ci"\n', SHIPYARD_REGISTRY_PASSWORD="x")
    assert any("only for an external registry" in e for e in errors)


def test_external_clusters_need_a_context_per_environment(tmp_path: Path) -> None:
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text("apiVersion: v1\nkind: Config\n")
    text = (
        f'[kubernetes]\nkubeconfig = "{kubeconfig}"\n'
        '[environments.dev]\ncontext = "kind-dev"\n'
        '[environments.production]\ncontext = "aks-prod"\nnamespace = "shop"\n'
    )
    errors = _errors(tmp_path, text)
    assert sorted(e.split("error[settings]: ")[1].split(":")[0] for e in errors) == [
        "environments.qa.context",
        "environments.staging.context",
    ]
    s = _load(
        tmp_path,
        text,
        SHIPYARD_ENVIRONMENTS_QA_CONTEXT="kind-dev",
        SHIPYARD_ENVIRONMENTS_STAGING_CONTEXT="kind-dev",
    )
    assert not s.embedded_clusters
    assert s.environments["production"].context == "aks-prod"
    assert s.environments["production"].namespace == "shop"
    assert s.environments["qa"].namespace == "qa"


def test_a_missing_kubeconfig_is_named(tmp_path: Path) -> None:
    errors = _errors(tmp_path, SHIPYARD_KUBECONFIG=str(tmp_path / "nope"))
    assert any("kubernetes.kubeconfig: expected an existing file" in e for e in errors)


def test_overlapping_port_blocks_are_refused(tmp_path: Path) -> None:
    errors = _errors(tmp_path, "[clusters]\ndevtest_port = 20000\nprod_port = 20003\n")
    assert any("overlap" in e for e in errors)
    (tmp_path / "shipyard.toml").unlink()
    errors = _errors(tmp_path, SHIPYARD_REGISTRY_PORT="16445")
    assert any("registry.port: 16445 is in the port block of cluster devtest" in e for e in errors)


def test_unknown_base_images_are_refused(tmp_path: Path) -> None:
    (error,) = _errors(tmp_path, '[images]\nbase = ["python", "ruby"]\n')
    assert "found 'ruby'" in error


def test_file_discovery_order(tmp_path: Path) -> None:
    paths = PlatformPaths.from_env({"HOME": str(tmp_path)})
    assert find_file({}, tmp_path, paths) is None
    user = paths.config_home / "config.toml"
    user.parent.mkdir(parents=True)
    user.write_text("")
    assert find_file({}, tmp_path, paths) == user
    (tmp_path / "shipyard.toml").write_text("")
    assert find_file({}, tmp_path, paths) == tmp_path / "shipyard.toml"
    assert find_file({"SHIPYARD_CONFIG": "/x.toml"}, tmp_path, paths) == Path("/x.toml")


def test_branch_policies_are_read_per_target_branch_and_checked(tmp_path: Path) -> None:
    s = _load(
        tmp_path,
        '[policies.main]\nrequired_pipelines = ["delivery"]\nmin_reviewers = 2\n\n'
        '[policies."release/*"]\nauthor_may_approve = true\n',
    )
    by_branch = {p.branch: p for p in s.branch_policies}
    assert by_branch["main"].required_pipelines == ("delivery",)
    assert by_branch["main"].min_reviewers == 2
    assert by_branch["release/*"].author_may_approve is True
    errors = "\n".join(_errors(tmp_path, '[policies.main]\nmin_reviewers = "two"\nreviewerz = 1\n'))
    assert "policies.main.min_reviewers: expected a whole number from 0 to 50" in errors
    assert "unknown branch policy field 'reviewerz'" in errors
    assert "shipyard.toml:2" in errors
