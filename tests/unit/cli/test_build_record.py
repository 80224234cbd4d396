"""The build record as `runs show` prints it, and as JSON."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from shipyard.cli.build_record import build_record_json, print_build_record
from shipyard.flow.builds import BuildRecord
from shipyard.flow.run.spec import RunRequest
from shipyard.store.builds import BuildRecords
from tests.unit.run.harness import store_at

IMAGE_ID = "sha256:" + "1" * 64


def test_the_chain_from_commit_to_scan(tmp_path: Path) -> None:
    store = store_at(tmp_path)
    request = RunRequest(
        pipeline="delivery",
        file="p.yml",
        repo="/r",
        event={"kind": "branch"},
        sha="c" * 40,
        ref="refs/heads/release/delivery/v1.0.2",
        reason="IndividualCI",
    )
    run_id = store.create_run(request, None, 1.0)
    records = BuildRecords(store.engine)
    records.add_build_record(
        BuildRecord(run_id, 2, "scan", "delivery", "staging/delivery:v1.0.2", IMAGE_ID,
                    {"status": "failed", "counts": {"blocking": 1}, "blocking": ["GHSA-1"],
                     "artifact": "scan-delivery", "files": ["sbom.cdx.json"]})
    )  # fmt: skip
    records.add_build_record(
        BuildRecord(run_id, 2, "image", "delivery", "r/staging/delivery:v1.0.2", "sha256:d",
                    {"image_id": IMAGE_ID})
    )  # fmt: skip
    records.add_build_record(
        BuildRecord(run_id, 2, "chart", "delivery", "oci://r/helm/delivery:v1.0.2", "sha256:e",
                    {"version": "v1.0.2", "app_version": "v1.0.2"})
    )  # fmt: skip
    run = store.get_run(run_id)
    assert run is not None
    data = build_record_json(store, run)
    assert data["commit"] == "c" * 40 and data["tests"] == {}
    assert [i["digest"] for i in data["images"]] == ["sha256:d"]
    assert data["charts"][0]["app_version"] == "v1.0.2"
    assert data["scans"][0]["blocking"] == ["GHSA-1"]
    out = Console(record=True, width=200)
    print_build_record(out, store, run)
    text = out.export_text()
    lines = [line.strip() for line in text.splitlines()]
    assert lines[0] == "build record: commit cccccccccccc on refs/heads/release/delivery/v1.0.2"
    assert lines[1] == "image  r/staging/delivery:v1.0.2@sha256:d"
    assert "chart  oci://r/helm/delivery:v1.0.2@sha256:e" in lines
    assert "scan   delivery: failed (1 blocking); blocking: GHSA-1" in lines
    assert "SBOM and results: artifact scan-delivery (sbom.cdx.json)" in lines
