"""The build record of a run, as ``shipyard runs show`` prints it: what the run produced.

One chain per run, from the commit to everything made from it: the images pushed (their
digest in the registry and the local image id), the charts pushed (digest, version, app
version), the SBOM and scan result of each image (linked by image id), and the test results.
Text for people, a ``build_record`` object in ``--output json`` for scripts.
"""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.markup import escape

from shipyard.flow.builds import BuildRecord
from shipyard.flow.run.records import RunRecord


def _records(store: Any, run_id: int) -> list[BuildRecord]:
    from shipyard.store.builds import BuildRecords

    found: list[BuildRecord] = BuildRecords(store.engine).build_records(run_id)
    return found


def build_record_json(store: Any, run: RunRecord) -> dict[str, Any]:
    records = _records(store, run.id)
    by_kind: dict[str, list[dict[str, Any]]] = {"images": [], "charts": [], "scans": []}
    for rec in records:
        by_kind.setdefault(f"{rec.kind}s", []).append(rec.as_json())
    return {
        "commit": run.sha,
        "ref": run.ref,
        **by_kind,
        "tests": store.test_counts(run.id),
    }


def _scan_line(rec: BuildRecord) -> str:
    counts = rec.data.get("counts") or {}
    shown = ", ".join(f"{n} {k}" for k, n in counts.items())
    status = str(rec.data.get("status", "?"))
    style = {"passed": "green", "failed": "red", "refused": "red"}.get(status, "yellow")
    line = f"  scan   {escape(rec.name)}: [{style}]{status}[/]"
    if shown:
        line += f" ({shown})"
    if rec.data.get("blocking"):
        line += f"; blocking: {escape(', '.join(rec.data['blocking']))}"
    if rec.data.get("refusal"):
        line += f"; refused [{escape(str(rec.data['refusal'].get('code', '')))}]"
    files = ", ".join(rec.data.get("files") or [])
    if rec.data.get("artifact"):
        line += f"\n         SBOM and results: artifact {escape(str(rec.data['artifact']))}"
        line += f" ({escape(files)})" if files else ""
    if rec.digest:
        line += f"\n         image id {escape(rec.digest)}"
    return line


def print_build_record(out: Console, store: Any, run: RunRecord) -> None:
    records = _records(store, run.id)
    counts = store.test_counts(run.id)
    if not records and not counts:
        return
    out.print(f"build record: commit {run.sha[:12]} on {escape(run.ref)}")
    for rec in (r for r in records if r.kind == "image"):
        out.print(f"  image  {escape(rec.reference)}@{escape(rec.digest)}")
        if rec.data.get("image_id"):
            out.print(f"         image id {escape(str(rec.data['image_id']))}")
    for rec in (r for r in records if r.kind == "chart"):
        out.print(f"  chart  {escape(rec.reference)}@{escape(rec.digest)}")
        out.print(
            f"         version {escape(str(rec.data.get('version', '')))}, "
            f"appVersion {escape(str(rec.data.get('app_version', '')))}"
        )
    for rec in (r for r in records if r.kind == "scan"):
        out.print(_scan_line(rec))
    if counts:
        shown = ", ".join(f"{v} {k}" for k, v in sorted(counts.items()))
        out.print(f"  tests  {shown} (shipyard tests {run.id})")
