"""Test result files: four formats to one shape, and hostile XML refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from shipyard.adapters.testresults import XmlTestResults

JUNIT = """<?xml version="1.0"?>
<testsuites><testsuite name="s">
  <testcase classname="pkg.T" name="ok" time="0.25"/>
  <testcase classname="pkg.T" name="bad" time="1">
    <failure message="expected 1">trace line</failure>
  </testcase>
  <testcase classname="pkg.T" name="later"><skipped/></testcase>
</testsuite></testsuites>"""

TRX = """<?xml version="1.0" encoding="utf-8"?>
<TestRun xmlns="http://microsoft.com/schemas/VisualStudio/TeamTest/2010">
  <Results>
    <UnitTestResult testId="1" testName="Adds" outcome="Passed" duration="00:00:00.0120000"/>
    <UnitTestResult testId="2" testName="Ships" outcome="Failed" duration="00:00:01.5">
      <Output><ErrorInfo>
        <Message>boom</Message><StackTrace>at X.Y()</StackTrace>
      </ErrorInfo></Output>
    </UnitTestResult>
  </Results>
  <TestDefinitions>
    <UnitTest id="1"><TestMethod className="Fabrikam.Calc" name="Adds"/></UnitTest>
    <UnitTest id="2"><TestMethod className="Fabrikam.Ship" name="Ships"/></UnitTest>
  </TestDefinitions>
</TestRun>"""

NUNIT3 = """<test-run><test-suite>
  <test-case name="A" fullname="N.C.A" result="Passed" duration="0.5"/>
  <test-case name="B" fullname="N.C.B" result="Failed" duration="0.1">
    <failure><message>nope</message><stack-trace>st</stack-trace></failure>
  </test-case>
</test-suite></test-run>"""

NUNIT2 = """<test-results><test-suite><results>
  <test-case name="N.C.A" executed="True" result="Success" success="True" time="0.2"/>
  <test-case name="N.C.B" executed="True" result="Failure" success="False" time="0.1">
    <failure><message>bad</message><stack-trace>st</stack-trace></failure>
  </test-case>
  <test-case name="N.C.C" executed="False" result="Ignored"/>
</results></test-suite></test-results>"""

XUNIT = """<assemblies><assembly><collection>
  <test name="T.A" type="T" method="A" result="Pass" time="0.01"/>
  <test name="T.B" type="T" method="B" result="Fail" time="0.02">
    <failure><message>xbad</message><stack-trace>xs</stack-trace></failure>
  </test>
  <test name="T.C" type="T" method="C" result="Skip"><reason>later</reason></test>
</collection></assembly></assemblies>"""


def _read(tmp_path: Path, text: str, fmt: str) -> list[tuple[str, str, str, int, str]]:
    path = tmp_path / "r.xml"
    path.write_text(text)
    return [
        (c.class_name, c.name, c.outcome, c.duration_ms, c.message)
        for c in XmlTestResults().read(path, fmt)
    ]


def test_junit(tmp_path: Path) -> None:
    assert _read(tmp_path, JUNIT, "JUnit") == [
        ("pkg.T", "ok", "passed", 250, ""),
        ("pkg.T", "bad", "failed", 1000, "expected 1"),
        ("pkg.T", "later", "skipped", 0, ""),
    ]


def test_vstest_trx(tmp_path: Path) -> None:
    assert _read(tmp_path, TRX, "VSTest") == [
        ("Fabrikam.Calc", "Adds", "passed", 12, ""),
        ("Fabrikam.Ship", "Ships", "failed", 1500, "boom"),
    ]


def test_nunit_3_and_2(tmp_path: Path) -> None:
    assert _read(tmp_path, NUNIT3, "NUnit") == [
        ("N.C", "A", "passed", 500, ""),
        ("N.C", "B", "failed", 100, "nope"),
    ]
    assert [r[2] for r in _read(tmp_path, NUNIT2, "NUnit")] == ["passed", "failed", "skipped"]


def test_xunit(tmp_path: Path) -> None:
    assert _read(tmp_path, XUNIT, "XUnit") == [
        ("T", "A", "passed", 10, ""),
        ("T", "B", "failed", 20, "xbad"),
        ("T", "C", "skipped", 0, "later"),
    ]


def test_entity_expansion_is_refused(tmp_path: Path) -> None:
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        '<testsuites><testsuite><testcase name="&b;"/></testsuite></testsuites>'
    )
    with pytest.raises(ValueError, match="refused unsafe XML"):
        _read(tmp_path, bomb, "JUnit")


def test_external_entities_are_refused(tmp_path: Path) -> None:
    xxe = (
        '<?xml version="1.0"?><!DOCTYPE t [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        '<testsuites><testsuite><testcase name="&x;"/></testsuite></testsuites>'
    )
    with pytest.raises(ValueError, match="refused unsafe XML"):
        _read(tmp_path, xxe, "JUnit")


def test_broken_xml_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not well-formed"):
        _read(tmp_path, "<testsuites>", "JUnit")
