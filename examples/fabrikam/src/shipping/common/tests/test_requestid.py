from fabrikam_common.requestid import ensure_request_id


def test_a_well_formed_id_is_kept() -> None:
    assert ensure_request_id("abc-123.x_y") == "abc-123.x_y"


def test_a_missing_id_is_generated() -> None:
    first, second = ensure_request_id(None), ensure_request_id(None)
    assert len(first) == 32
    assert first != second


def test_an_id_with_unsafe_characters_is_replaced() -> None:
    for bad in ["", "a b", "x\ny", "-starts-with-dash", "a" * 129, 'quote"']:
        assert ensure_request_id(bad) != bad
