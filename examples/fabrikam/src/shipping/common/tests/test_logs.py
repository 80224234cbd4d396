import json
import logging

import pytest

from fabrikam_common.logs import JsonLineFormatter, parse_level


def test_a_record_becomes_one_json_line_with_its_fields() -> None:
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "GET %s", ("/health",), None)
    record.fields = {"status": 200}
    line = JsonLineFormatter("delivery").format(record)
    assert "\n" not in line
    parsed = json.loads(line)
    assert parsed["service"] == "delivery"
    assert parsed["level"] == "info"
    assert parsed["message"] == "GET /health"
    assert parsed["status"] == 200


@pytest.mark.parametrize(("name", "level"), [("info", logging.INFO), (" DEBUG ", logging.DEBUG)])
def test_log_levels_are_read_in_any_case(name: str, level: int) -> None:
    assert parse_level(name) == level


def test_an_unknown_log_level_is_refused_with_the_choices() -> None:
    with pytest.raises(ValueError, match="debug, info, warning, error"):
        parse_level("verbose")
