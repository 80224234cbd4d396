"""Test result files (JUnit, VSTest TRX, NUnit 2 and 3, xUnit 2) to test cases.

These files come out of the code under test, so they are untrusted input: they are read
with ``defusedxml`` (no entity expansion, no external entities or DTD fetching: a
"billion laughs" file is refused, not expanded) and files above :data:`MAX_BYTES` are
refused outright. Each format's outcome words are mapped to ``passed``, ``failed``,
``skipped`` or ``other``; durations become milliseconds.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from xml.etree.ElementTree import Element

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring

from shipyard.flow.run.records import TestCase

MAX_BYTES = 64 * 1024 * 1024
_OUTCOMES = {
    "passed": "passed",
    "pass": "passed",
    "success": "passed",
    "failed": "failed",
    "fail": "failed",
    "failure": "failed",
    "error": "failed",
    "timeout": "failed",
    "aborted": "failed",
    "skipped": "skipped",
    "skip": "skipped",
    "ignored": "skipped",
    "notexecuted": "skipped",
    "notrunnable": "skipped",
}


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _children(el: Element, name: str) -> Iterator[Element]:
    return (c for c in el if _local(c.tag) == name)


def _first(el: Element, name: str) -> Element | None:
    return next(_children(el, name), None)


def _text(el: Element | None) -> str:
    return "" if el is None else "".join(el.itertext()).strip()


def _ms(seconds: str | None) -> int:
    try:
        return round(float(seconds or 0) * 1000)
    except ValueError:
        return 0


def _timespan_ms(text: str | None) -> int:
    """TRX durations: ``hh:mm:ss.fffffff``."""
    m = re.fullmatch(r"(\d+):(\d+):(\d+(?:\.\d+)?)", (text or "").strip())
    if not m:
        return 0
    h, mi, s = m.groups()
    return round((int(h) * 3600 + int(mi) * 60 + float(s)) * 1000)


def _outcome(word: str | None) -> str:
    return _OUTCOMES.get((word or "").strip().lower(), "other")


def _junit(root: Element, file: str) -> list[TestCase]:
    out: list[TestCase] = []
    for case in root.iter():
        if _local(case.tag) != "testcase":
            continue
        failure = _first(case, "failure")
        if failure is None:
            failure = _first(case, "error")
        skipped = _first(case, "skipped")
        outcome = (
            "failed" if failure is not None else "skipped" if skipped is not None else "passed"
        )
        detail = failure if failure is not None else skipped
        message = detail.get("message", "") if detail is not None else ""
        out.append(
            TestCase(
                case.get("name", ""),
                case.get("classname", ""),
                outcome,
                _ms(case.get("time")),
                message or (_text(detail).splitlines()[0] if _text(detail) else ""),
                _text(failure),
                file,
            )
        )
    return out


def _trx(root: Element, file: str) -> list[TestCase]:
    classes: dict[str, str] = {}
    for definition in root.iter():
        if _local(definition.tag) == "UnitTest":
            method = _first(definition, "TestMethod")
            if method is not None:
                classes[definition.get("id", "")] = method.get("className", "")
    out: list[TestCase] = []
    for result in root.iter():
        if _local(result.tag) != "UnitTestResult":
            continue
        output = _first(result, "Output")
        info = _first(output, "ErrorInfo") if output is not None else None
        out.append(
            TestCase(
                result.get("testName", ""),
                classes.get(result.get("testId", ""), ""),
                _outcome(result.get("outcome")),
                _timespan_ms(result.get("duration")),
                _text(_first(info, "Message")) if info is not None else "",
                _text(_first(info, "StackTrace")) if info is not None else "",
                file,
            )
        )
    return out


def _nunit(root: Element, file: str) -> list[TestCase]:
    out: list[TestCase] = []
    for case in root.iter():
        if _local(case.tag) != "test-case":
            continue
        failure = _first(case, "failure")
        reason = _first(case, "reason")
        if "executed" in case.attrib:  # NUnit 2
            word = case.get("result") or ("Success" if case.get("success") == "True" else "")
            if case.get("executed") == "False":
                word = "skipped"
            seconds = case.get("time")
        else:  # NUnit 3
            word = case.get("result", "")
            seconds = case.get("duration")
        name = case.get("name", "")
        full = case.get("fullname", "")
        cls = case.get("classname") or (full.rsplit(".", 1)[0] if "." in full else "")
        detail = failure if failure is not None else reason
        out.append(
            TestCase(
                name,
                cls,
                _outcome(word),
                _ms(seconds),
                _text(_first(detail, "message")) if detail is not None else "",
                _text(_first(failure, "stack-trace")) if failure is not None else "",
                file,
            )
        )
    return out


def _xunit(root: Element, file: str) -> list[TestCase]:
    out: list[TestCase] = []
    for test in root.iter():
        if _local(test.tag) != "test":
            continue
        failure = _first(test, "failure")
        reason = _first(test, "reason")
        message = _text(_first(failure, "message")) if failure is not None else _text(reason)
        out.append(
            TestCase(
                test.get("method") or test.get("name") or "",
                test.get("type", ""),
                _outcome(test.get("result")),
                _ms(test.get("time")),
                message,
                _text(_first(failure, "stack-trace")) if failure is not None else "",
                file,
            )
        )
    return out


_READERS: dict[str, Callable[[Element, str], list[TestCase]]] = {
    "junit": _junit,
    "vstest": _trx,
    "nunit": _nunit,
    "xunit": _xunit,
}


class XmlTestResults:
    """The :class:`~shipyard.tasks.api.TestResultReader` over result files on disk."""

    def read(self, path: Path, fmt: str) -> list[TestCase]:
        reader = _READERS.get(fmt.strip().lower())
        if reader is None:
            raise ValueError(f"test result format '{fmt}' is not supported here")
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise ValueError(
                f"{path.name} is {size} bytes; result files over {MAX_BYTES} are refused"
            )
        try:
            root = fromstring(path.read_bytes(), forbid_dtd=False)
        except DefusedXmlException as exc:
            raise ValueError(f"{path.name}: refused unsafe XML ({type(exc).__name__})") from None
        except ParseError as exc:
            raise ValueError(f"{path.name} is not well-formed XML: {exc}") from None
        return reader(root, path.name)
