import pytest

from fabrikam_common import ApiError
from fabrikam_package.model import MAX_WEIGHT_KG, parse_package


def test_a_valid_body_becomes_a_package() -> None:
    package = parse_package("p-1", {"size": "medium", "weightKg": 12.5, "tag": "books"})
    assert package.to_json() == {"id": "p-1", "size": "medium", "weightKg": 12.5, "tag": "books"}


@pytest.mark.parametrize("size", sorted(MAX_WEIGHT_KG))
def test_each_size_accepts_up_to_its_limit_and_no_more(size: str) -> None:
    limit = MAX_WEIGHT_KG[size]
    assert parse_package("p", {"size": size, "weightKg": limit}).weight_kg == limit
    with pytest.raises(ApiError) as caught:
        parse_package("p", {"size": size, "weightKg": limit + 0.1})
    assert caught.value.details == [f"weightKg: must be at most {limit:g}"]


def _problems(doc: dict[str, object]) -> list[str]:
    with pytest.raises(ApiError) as caught:
        parse_package("p-1", doc)
    return caught.value.details


def test_missing_fields_are_listed() -> None:
    assert _problems({}) == ["size: is required", "weightKg: is required"]


@pytest.mark.parametrize(
    ("doc", "problem"),
    [
        ({"size": "huge", "weightKg": 1}, "size: must be one of small, medium, large"),
        ({"size": "huge", "weightKg": 71}, "weightKg: must be at most 70"),
        ({"size": "small", "weightKg": 0}, "weightKg: must be greater than 0"),
        ({"size": "small", "weightKg": "1kg"}, "weightKg: must be a number"),
        ({"size": "small", "weightKg": 1, "tag": ""}, "tag: must be a non-empty string"),
        ({"size": "small", "weightKg": 1, "id": "p-2"}, "id: does not match the id in the path"),
    ],
)
def test_each_bad_field_is_named(doc: dict[str, object], problem: str) -> None:
    assert any(found.startswith(problem) for found in _problems(doc))
