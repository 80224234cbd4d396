"""The command lines the scan adapters run (no tool is started: a recording runner answers)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from shipyard.adapters.osv import OsvScanner
from shipyard.adapters.process import CommandFailed, Completed, ToolMissing
from shipyard.adapters.skopeo import SkopeoArchiver, registry_host, repository
from shipyard.adapters.syft import SyftSbom
from shipyard.domain.scan import ScanRefused


class Recorder:
    def __init__(self, stdout: str = "", returncode: int = 0, error: Exception | None = None):
        self.calls: list[tuple[tuple[str, ...], dict[str, Any]]] = []
        self.stdout, self.returncode, self.error = stdout, returncode, error

    def __call__(self, argv: Sequence[str], **kw: Any) -> Completed:
        self.calls.append((tuple(argv), kw))
        if self.error is not None:
            raise self.error
        return Completed(tuple(argv), self.returncode, self.stdout, "err")


DIGEST = "sha256:" + "0" * 64


def test_skopeo_turns_tls_off_only_for_the_plain_http_registry(tmp_path: Path) -> None:
    run = Recorder(stdout=DIGEST + "\n")
    arch = SkopeoArchiver(
        insecure_registries=frozenset({"127.0.0.1:5000"}),
        extra_env={"REGISTRY_AUTH_FILE": "/a.json"},
        run=run,
    )
    assert arch.resolve_digest("127.0.0.1:5000/staging/package:v1") == DIGEST
    arch.save(f"127.0.0.1:5000/staging/package@{DIGEST}", tmp_path / "i.tar")
    arch.resolve_digest("ghcr.io/org/app:v1")
    (inspect, kw), (copy, _), (secure, _) = run.calls
    assert inspect == (
        "skopeo", "inspect", "--tls-verify=false", "--format", "{{.Digest}}",
        "docker://127.0.0.1:5000/staging/package:v1",
    )  # fmt: skip
    assert kw["extra_env"] == {"REGISTRY_AUTH_FILE": "/a.json"}
    assert copy == (
        "skopeo", "copy", "--quiet", "--src-tls-verify=false",
        f"docker://127.0.0.1:5000/staging/package@{DIGEST}",
        f"docker-archive:{tmp_path / 'i.tar'}:scan/package:latest",
    )  # fmt: skip
    assert "--tls-verify=false" not in secure


def test_skopeo_failures_are_refusals() -> None:
    arch = SkopeoArchiver(run=Recorder(stdout="not a digest"))
    with pytest.raises(ScanRefused) as exc:
        arch.resolve_digest("r.io/a:b")
    assert exc.value.code == "image-unavailable"
    failing = SkopeoArchiver(
        run=Recorder(error=CommandFailed(["skopeo"], 1, "", "manifest unknown"))
    )
    with pytest.raises(ScanRefused, match="manifest unknown") as exc:
        failing.resolve_digest("r.io/a:b")
    missing = SkopeoArchiver(run=Recorder(error=ToolMissing("skopeo")))
    with pytest.raises(ScanRefused) as exc:
        missing.resolve_digest("r.io/a:b")
    assert exc.value.code == "tool-missing"


def test_image_reference_helpers() -> None:
    assert registry_host("127.0.0.1:5000/a/b:c") == "127.0.0.1:5000"
    assert registry_host("localhost/a") == "localhost"
    assert registry_host("library/python:3") == ""
    assert repository("127.0.0.1:5000/a/b:v1") == "127.0.0.1:5000/a/b"
    assert repository(f"r.io/b@{DIGEST}") == "r.io/b"


def test_syft_runs_quietly_without_update_checks_or_file_hashes(tmp_path: Path) -> None:
    run = Recorder()
    syft = SyftSbom("/tools/syft", "v1.57.1", run=run, cache_dir=tmp_path / "c")
    done = syft.generate(tmp_path / "i.tar", tmp_path / "s.json", "cyclonedx-json")
    ((argv, kw),) = run.calls
    assert argv == (
        "/tools/syft", "scan", f"docker-archive:{tmp_path / 'i.tar'}",
        "-o", f"cyclonedx-json={tmp_path / 's.json'}", "-q",
    )  # fmt: skip
    assert kw["check"] is False
    assert kw["extra_env"] == {
        "SYFT_CHECK_FOR_APP_UPDATE": "false",
        "SYFT_FILE_METADATA_SELECTION": "none",
        "SYFT_CACHE_DIR": str(tmp_path / "c"),
    }
    assert (done.returncode, syft.tool) == (0, ("syft", "v1.57.1"))
    with pytest.raises(ValueError):
        syft.generate(tmp_path / "i.tar", tmp_path / "s.json", "table")


def test_osv_scanner_runs_offline_on_shipyards_data_with_an_empty_config(tmp_path: Path) -> None:
    configs: list[str] = []

    class Reading(Recorder):
        def __call__(self, argv: Sequence[str], **kw: Any) -> Completed:
            configs.append(Path(argv[argv.index("--config") + 1]).read_text())
            return super().__call__(argv, **kw)

    run = Reading(returncode=1)
    osv = OsvScanner("/tools/osv-scanner", "v2.5.0", run=run)
    done = osv.scan_archive(tmp_path / "i.tar", tmp_path / "db", tmp_path / "out" / "r.json")
    ((argv, kw),) = run.calls
    config = Path(argv[argv.index("--config") + 1])
    assert argv == (
        "/tools/osv-scanner", "scan", "image", "--offline", "--local-db-path", str(tmp_path / "db"),
        "--all-vulns", "--all-packages", "--config", str(config), "--format", "json",
        "--output-file", str(tmp_path / "out" / "r.json"), "--archive", str(tmp_path / "i.tar"),
    )  # fmt: skip
    assert configs[0].startswith("#") and "IgnoredVulns" not in configs[0]  # no ignores
    assert not config.exists()  # a private temporary file, gone after the run
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == []
    assert (done.returncode, kw["check"]) == (1, False)


def test_missing_scanners_are_refusals_that_say_how_to_install_them(tmp_path: Path) -> None:
    osv = OsvScanner("/nope", "v2.5.0", run=Recorder(error=ToolMissing("/nope")))
    with pytest.raises(ScanRefused) as exc:
        osv.scan_archive(tmp_path / "i.tar", tmp_path, tmp_path / "r.json")
    assert (exc.value.code, exc.value.hint) == (
        "tool-missing",
        "shipyard platform install osv-scanner",
    )
    syft = SyftSbom("/nope", "v1", run=Recorder(error=ToolMissing("/nope")))
    with pytest.raises(ScanRefused, match="not found"):
        syft.generate(tmp_path / "i.tar", tmp_path / "s.json", "spdx-json")
