"""Status functions (succeeded, failed, succeededOrFailed, canceled, always) and counter.

Azure defines them per level: for a step they read the job's status so far; for a job or
stage, the results of its dependencies, optionally only the named ones
(``succeeded('Build')``). :class:`StatusContext` carries both, so one implementation
serves every level. Being canceled beats everything but ``always()``: once a run is
canceled, ``succeeded()``, ``failed()`` and ``succeededOrFailed()`` are all False.

Before a job runs, the planner does not know these results; they are :data:`UNKNOWN` and
so is the answer, unless it is decided anyway (a known failure makes ``succeeded()``
False whatever the unknown ones turn out to be).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

from shipyard.config.expressions.context import Invocation, StatusContext
from shipyard.config.expressions.values import UNKNOWN, Unknown, fold, lookup
from shipyard.domain.diagnostics import did_you_mean

_SUCCEEDED = frozenset({"succeeded", "succeededwithissues"})
_SUCCEEDED_OR_FAILED = _SUCCEEDED | {"failed"}


def _canceled(status: StatusContext) -> bool | Unknown:
    result = status.result
    if result is not None and result is not UNKNOWN and fold(result) == "CANCELED":
        return True
    return status.canceled


def _results(inv: Invocation, status: StatusContext) -> list[str | Unknown]:
    """The results the function looks at, lower-cased; UNKNOWN where not known."""
    if len(inv) == 0:
        if status.result is not None:
            chosen = [status.result]
        else:
            chosen = list(status.dependencies.values())
        return [r if r is UNKNOWN else r.lower() for r in chosen]
    out: list[str | Unknown] = []
    for i in range(len(inv)):
        name = inv.string(i)
        if name is UNKNOWN:
            out.append(UNKNOWN)
            continue
        found, result = lookup(status.dependencies, name)
        if not found:
            known = sorted(status.dependencies)
            hint = did_you_mean(name, known)
            raise inv.error(
                f"'{name}' is not a dependency here (dependencies: "
                f"{', '.join(known) if known else 'none'})" + (f"; {hint}" if hint else ""),
                i,
            )
        out.append(result if result is UNKNOWN else str(result).lower())
    return out


def _all_in(accepted: Collection[str]) -> Callable[[Invocation], Any]:
    def function(inv: Invocation) -> Any:
        status = inv.ctx.status
        if status is None:
            return UNKNOWN
        canceled = _canceled(status)
        if canceled is True:
            return False
        results = _results(inv, status)
        if any(r is not UNKNOWN and r not in accepted for r in results):
            return False
        if canceled is UNKNOWN or UNKNOWN in results:
            return UNKNOWN
        return True

    return function


def _failed(inv: Invocation) -> Any:
    status = inv.ctx.status
    if status is None:
        return UNKNOWN
    canceled = _canceled(status)
    if canceled is True:
        return False
    results = _results(inv, status)
    if "failed" in results:
        return UNKNOWN if canceled is UNKNOWN else True
    return UNKNOWN if UNKNOWN in results else False


def _canceled_function(inv: Invocation) -> Any:
    status = inv.ctx.status
    return UNKNOWN if status is None else _canceled(status)


def _always(inv: Invocation) -> Any:
    return True


def _counter(inv: Invocation) -> Any:
    prefix, seed = inv.string(0), inv.number(1)
    if prefix is UNKNOWN or seed is UNKNOWN or inv.ctx.counters is None:
        return UNKNOWN  # planning: the number is only drawn when the run starts
    if not seed.is_integer():
        raise inv.error(f"the seed must be a whole number, got {seed:g}", 1)
    return float(inv.ctx.counters.next(prefix, int(seed)))


FUNCTIONS: dict[str, Callable[[Invocation], Any]] = {
    "succeeded": _all_in(_SUCCEEDED),
    "succeededOrFailed": _all_in(_SUCCEEDED_OR_FAILED),
    "failed": _failed,
    "canceled": _canceled_function,
    "always": _always,
    "counter": _counter,
}
