"""Shared knowledge of the example monorepo for the tests in this folder."""

from __future__ import annotations

import http.client
import json
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parents[3]
FABRIKAM = REPO / "examples" / "fabrikam"
SHIPPING = FABRIKAM / "src" / "shipping"
SERVICES = ("delivery", "package", "workflow")
USES_COMMON = {"delivery": True, "package": True, "workflow": False}


def load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def pipeline(service: str) -> dict[str, Any]:
    doc = load_yaml(SHIPPING / service / "azure-pipelines.yml")
    assert isinstance(doc, dict)
    return doc


def variables(doc: dict[str, Any]) -> dict[str, str]:
    return {item["name"]: str(item["value"]) for item in doc["variables"]}


def _flatten(items: list[Any]) -> list[dict[str, Any]]:
    """Steps of a list, with ``${{ if }}`` blocks and ``template:`` includes opened."""
    steps: list[dict[str, Any]] = []
    for item in items:
        if "template" in item:
            template = load_yaml(FABRIKAM / item["template"].lstrip("/"))
            steps.extend(_flatten(template["steps"]))
        elif len(item) == 1 and next(iter(item)).startswith("${{ if"):
            steps.extend(_flatten(next(iter(item.values()))))
        else:
            steps.append(item)
    return steps


def steps(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """Every step of a pipeline in order, whatever its shape (stages, jobs, steps)."""
    if "stages" in doc:
        return [s for st in doc["stages"] for job in st["jobs"] for s in _flatten(job["steps"])]
    if "jobs" in doc:
        return [s for job in doc["jobs"] for s in _flatten(job["steps"])]
    return _flatten(doc["steps"])


def path_included(changed: str, includes: list[str]) -> bool:
    """Azure's path filter for plain folder and file entries: a prefix of the changed path."""
    for entry in includes:
        prefix = entry.lstrip("/")
        if changed == prefix.rstrip("/") or changed.startswith(prefix.rstrip("/") + "/"):
            return True
    return False


def get_json(host: str, port: int, path: str) -> tuple[int, Any]:
    conn = http.client.HTTPConnection(host, port, timeout=10)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, json.loads(response.read())
    finally:
        conn.close()
