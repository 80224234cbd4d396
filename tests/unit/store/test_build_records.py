"""Build records in the store: written by workers, read back in order, per run."""

from __future__ import annotations

from pathlib import Path

from shipyard.flow.builds import BuildRecord
from shipyard.flow.run.spec import RunRequest
from shipyard.store.builds import BuildRecords
from tests.unit.run.harness import store_at


def test_records_are_kept_per_run_in_the_order_written(tmp_path: Path) -> None:
    store = store_at(tmp_path)
    request = RunRequest(
        pipeline="delivery",
        file="a.yml",
        repo="/r",
        event={"kind": "manual"},
        sha="a" * 40,
        ref="refs/heads/release/delivery/v1.0.2",
        reason="Manual",
    )
    run_id = store.create_run(request, None, 1.0)
    other = store.create_run(request, None, 2.0)
    records = BuildRecords(store.engine)
    records.add_build_record(
        BuildRecord(
            run_id,
            7,
            "image",
            "delivery",
            "r/staging/delivery:v1.0.2",
            "sha256:1",
            {"image_id": "sha256:9"},
        )
    )
    records.add_build_record(BuildRecord(run_id, 7, "chart", "delivery", "oci://r/helm/delivery"))
    records.add_build_record(BuildRecord(other, 0, "scan", "package"))
    got = records.build_records(run_id)
    assert [(r.kind, r.job_id) for r in got] == [("image", 7), ("chart", 7)]
    assert got[0].data == {"image_id": "sha256:9"} and got[0].digest == "sha256:1"
    assert got[0].as_json()["image_id"] == "sha256:9"
    assert [r.kind for r in records.build_records(other)] == ["scan"]
