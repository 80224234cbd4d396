from datetime import UTC, datetime

import pytest

from fabrikam_common import ApiError
from fabrikam_delivery.model import parse_delivery

VALID = {
    "ownerId": "owner-1",
    "pickup": "Fabrikam Warehouse, Redmond",
    "dropoff": "1 Main St, Seattle",
    "deadline": "2026-05-01T17:00:00Z",
}


def test_a_valid_body_becomes_a_delivery() -> None:
    delivery = parse_delivery("d-1", {**VALID, "expedited": True, "packageId": "p-9"})
    assert delivery.deadline == datetime(2026, 5, 1, 17, tzinfo=UTC)
    assert delivery.expedited is True
    assert delivery.to_json() == {
        "id": "d-1",
        "ownerId": "owner-1",
        "packageId": "p-9",
        "pickup": "Fabrikam Warehouse, Redmond",
        "dropoff": "1 Main St, Seattle",
        "deadline": "2026-05-01T17:00:00+00:00",
        "expedited": True,
    }


def test_expedited_defaults_to_false_and_package_is_optional() -> None:
    delivery = parse_delivery("d-1", VALID)
    assert (delivery.expedited, delivery.package_id) == (False, None)


def _problems(delivery_id: str, doc: dict[str, object]) -> list[str]:
    with pytest.raises(ApiError) as caught:
        parse_delivery(delivery_id, doc)
    return caught.value.details


def test_all_missing_fields_are_listed() -> None:
    assert _problems("d-1", {}) == [
        "ownerId: is required",
        "pickup: is required",
        "dropoff: is required",
        "deadline: is required",
    ]


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"deadline": "tomorrow"}, "deadline: must be an ISO 8601 date and time"),
        ({"deadline": "2026-05-01T17:00:00"}, "deadline: must include a time zone"),
        ({"dropoff": "fabrikam warehouse, redmond"}, "dropoff: must differ from pickup"),
        ({"expedited": "yes"}, "expedited: must be true or false"),
        ({"id": "d-2"}, "id: does not match the id in the path (d-1)"),
        ({"colour": "red"}, "colour: unknown field"),
    ],
)
def test_each_bad_field_is_named(change: dict[str, object], problem: str) -> None:
    [found] = _problems("d-1", {**VALID, **change})
    assert found.startswith(problem)
