from http import HTTPStatus

import pytest

from fabrikam_common.jsonhttp import ApiError
from fabrikam_common.validation import Problems, boolean, number, reject_unknown, text


def test_every_problem_is_reported_in_one_error() -> None:
    problems = Problems("package")
    doc = {"name": " ", "weight": "heavy", "fragile": "yes", "colour": "red"}
    text(doc, "name", problems)
    text(doc, "label", problems)
    number(doc, "weight", problems)
    boolean(doc, "fragile", problems)
    reject_unknown(doc, {"name", "label", "weight", "fragile"}, problems)
    with pytest.raises(ApiError) as caught:
        problems.check()
    assert caught.value.status == HTTPStatus.BAD_REQUEST
    assert caught.value.body() == {
        "error": "invalid package",
        "details": [
            "name: must be a non-empty string",
            "label: is required",
            "weight: must be a number",
            "fragile: must be true or false",
            "colour: unknown field",
        ],
    }


def test_valid_values_are_returned_and_nothing_is_raised() -> None:
    problems = Problems("package")
    doc = {"name": "  box ", "weight": 2, "fragile": True}
    assert text(doc, "name", problems) == "box"
    assert text(doc, "note", problems, required=False) is None
    assert number(doc, "weight", problems, at_most=5) == 2.0
    assert boolean(doc, "fragile", problems) is True
    assert boolean(doc, "urgent", problems) is False
    problems.check()


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (0, "weight: must be greater than 0"),
        (5.5, "weight: must be at most 5"),
        (True, "weight: must be a number"),
        (float("nan"), "weight: must be a number"),
    ],
)
def test_number_bounds(value: object, message: str) -> None:
    problems = Problems("package")
    assert number({"weight": value}, "weight", problems, at_most=5) is None
    assert problems.lines == [message]


def test_text_length_is_bounded() -> None:
    problems = Problems("x")
    assert text({"tag": "a" * 11}, "tag", problems, max_length=10) is None
    assert problems.lines == ["tag: must be at most 10 characters"]
