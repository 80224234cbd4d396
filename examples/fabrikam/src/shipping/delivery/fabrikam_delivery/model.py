"""The delivery resource: parsing and validating it from JSON, and back to JSON."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fabrikam_common.validation import Problems, boolean, reject_unknown, text

FIELDS = {"id", "ownerId", "packageId", "pickup", "dropoff", "deadline", "expedited"}


@dataclass(frozen=True)
class Delivery:
    id: str
    owner_id: str
    package_id: str | None
    pickup: str
    dropoff: str
    deadline: datetime
    expedited: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "ownerId": self.owner_id,
            "packageId": self.package_id,
            "pickup": self.pickup,
            "dropoff": self.dropoff,
            "deadline": self.deadline.isoformat(),
            "expedited": self.expedited,
        }


def parse_delivery(delivery_id: str, doc: dict[str, Any]) -> Delivery:
    """Build a Delivery from a request body; every problem is reported in one ApiError."""
    problems = Problems("delivery")
    reject_unknown(doc, FIELDS, problems)
    if "id" in doc and doc["id"] != delivery_id:
        problems.add("id", f"does not match the id in the path ({delivery_id})")
    owner_id = text(doc, "ownerId", problems, max_length=64)
    package_id = text(doc, "packageId", problems, required=False, max_length=64)
    pickup = text(doc, "pickup", problems)
    dropoff = text(doc, "dropoff", problems)
    if pickup is not None and dropoff is not None and pickup.lower() == dropoff.lower():
        problems.add("dropoff", "must differ from pickup")
    deadline = _deadline(doc, problems)
    expedited = boolean(doc, "expedited", problems)
    problems.check()
    assert owner_id is not None and pickup is not None and dropoff is not None
    assert deadline is not None
    return Delivery(delivery_id, owner_id, package_id, pickup, dropoff, deadline, expedited)


def _deadline(doc: dict[str, Any], problems: Problems) -> datetime | None:
    raw = text(doc, "deadline", problems, max_length=64)
    if raw is None:
        return None
    try:
        deadline = datetime.fromisoformat(raw)
    except ValueError:
        problems.add("deadline", "must be an ISO 8601 date and time, e.g. 2026-05-01T17:00:00Z")
        return None
    if deadline.tzinfo is None:
        problems.add("deadline", "must include a time zone (Z or an offset such as +02:00)")
        return None
    return deadline
