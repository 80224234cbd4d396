"""The package resource. A package has a size class and a weight the class can carry."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fabrikam_common.validation import Problems, number, reject_unknown, text

# Heaviest package, in kilograms, that each size class accepts.
MAX_WEIGHT_KG = {"small": 5.0, "medium": 25.0, "large": 70.0}
FIELDS = {"id", "size", "weightKg", "tag"}


@dataclass(frozen=True)
class Package:
    id: str
    size: str
    weight_kg: float
    tag: str | None

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "size": self.size, "weightKg": self.weight_kg, "tag": self.tag}


def parse_package(package_id: str, doc: dict[str, Any]) -> Package:
    """Build a Package from a request body; every problem is reported in one ApiError."""
    problems = Problems("package")
    reject_unknown(doc, FIELDS, problems)
    if "id" in doc and doc["id"] != package_id:
        problems.add("id", f"does not match the id in the path ({package_id})")
    size = text(doc, "size", problems, max_length=16)
    if size is not None and size not in MAX_WEIGHT_KG:
        problems.add("size", f"must be one of {', '.join(MAX_WEIGHT_KG)}")
        size = None
    # Without a valid size, check the weight against the largest class only.
    limit = MAX_WEIGHT_KG[size] if size else max(MAX_WEIGHT_KG.values())
    weight = number(doc, "weightKg", problems, at_most=limit)
    tag = text(doc, "tag", problems, required=False, max_length=64)
    problems.check()
    assert size is not None and weight is not None
    return Package(package_id, size, weight, tag)
