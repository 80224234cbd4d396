"""The DORA page's chart: deploys per day as bars, computed here and drawn as inline SVG.

The geometry is plain numbers computed on the server and written into the SVG by the
template (autoescaped like any other value), so the chart needs no script and no library,
and reads the same with JavaScript off. Colours are presentation attributes, not ``style``,
which the Content-Security-Policy would refuse inline.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from shipyard.deliver.dora import DAY
from shipyard.deliver.model import DeploymentRecord

WIDTH, HEIGHT, PAD, AXIS = 720, 180, 4, 18


@dataclass(frozen=True, slots=True)
class Bar:
    day: str  # 2024-05-01
    succeeded: int
    failed: int
    x: float
    width: float
    ok_y: float
    ok_h: float
    bad_y: float
    bad_h: float


@dataclass(frozen=True, slots=True)
class Chart:
    width: int
    height: int
    top: int  # the most deploys in one day (the scale)
    bars: list[Bar] = field(default_factory=list)
    labels: list[tuple[float, str]] = field(default_factory=list)  # x, day: a few only


def _day(at: float) -> str:
    return dt.datetime.fromtimestamp(at, dt.UTC).strftime("%Y-%m-%d")


def daily_bars(
    lines: Sequence[DeploymentRecord], environment: str, now: float, days: float
) -> Chart:
    """One bar per day of the window: succeeded deploys (green) under failed ones (red)."""
    count = max(1, min(int(days), 365))
    first = now - (count - 1) * DAY
    keys = [_day(first + i * DAY) for i in range(count)]
    ok = dict.fromkeys(keys, 0)
    bad = dict.fromkeys(keys, 0)
    for r in lines:
        if r.environment != environment or r.kind != "deploy":
            continue
        key = _day(r.finished_at or r.started_at)
        if r.outcome == "succeeded" and key in ok:
            ok[key] += 1
        elif r.outcome == "failed" and key in bad:
            bad[key] += 1
    top = max([ok[k] + bad[k] for k in keys] + [1])
    slot = WIDTH / count
    plot = HEIGHT - AXIS - PAD
    bars = []
    for i, key in enumerate(keys):
        ok_h = plot * ok[key] / top
        bad_h = plot * bad[key] / top
        ok_y = HEIGHT - AXIS - ok_h
        bars.append(
            Bar(
                key,
                ok[key],
                bad[key],
                round(i * slot + 1, 2),
                round(max(slot - 2, 1), 2),
                round(ok_y, 2),
                round(ok_h, 2),
                round(ok_y - bad_h, 2),
                round(bad_h, 2),
            )
        )
    step = max(1, count // 6)
    labels = [(round(max(i * slot + slot / 2, 16), 2), keys[i][5:]) for i in range(0, count, step)]
    return Chart(WIDTH, HEIGHT, top, bars, labels)
