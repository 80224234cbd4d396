"""What an expression can see while it is evaluated, and how functions see their arguments.

An :class:`EvalContext` is built by whoever evaluates: the template expander (``mode=
'template'``, parameters and static variables), the planner (``mode='runtime'`` with some
values :data:`UNKNOWN` because they only exist once the run is under way) and the run engine
(everything known). The language itself has no global state: the counter store is passed
in like everything else.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, get_args

from shipyard.config.expressions.errors import ExpressionError
from shipyard.config.expressions.nodes import Call
from shipyard.config.expressions.values import (
    UNKNOWN,
    ConversionError,
    Unknown,
    describe,
    try_number,
    try_string,
    type_name,
)

JobResult = Literal["Succeeded", "SucceededWithIssues", "Failed", "Canceled", "Skipped"]
JOB_RESULTS: tuple[str, ...] = get_args(JobResult)
Mode = Literal["template", "runtime"]


@dataclass(frozen=True, slots=True)
class StatusContext:
    """What ``succeeded()``, ``failed()``, ``succeededOrFailed()`` and ``canceled()`` see.

    ``result`` is the aggregate result so far: for a step, the job's status after the steps
    before it; for a job or stage, the combined result of its dependencies. Leave it
    ``None`` to have it taken from ``dependencies`` (all of them must have succeeded for
    ``succeeded()``). ``dependencies`` maps each direct dependency (job or stage name) to
    its result, for the forms with arguments: ``succeeded('Build', 'Test')``. Any of these
    may be :data:`UNKNOWN` when planning.
    """

    result: JobResult | Unknown | None = None
    dependencies: Mapping[str, JobResult | Unknown] = field(default_factory=dict)
    canceled: bool | Unknown = False


class Counters:
    """The store behind ``counter(prefix, seed)``: one number per prefix.

    The first use of a prefix yields ``seed``; each later use yields one more. ``values``
    is plain data, so a run store can load and save it between runs.
    """

    def __init__(self, values: Mapping[str, int] | None = None) -> None:
        self.values: dict[str, int] = dict(values or {})

    def next(self, prefix: str, seed: int) -> int:
        value = self.values[prefix] + 1 if prefix in self.values else seed
        self.values[prefix] = value
        return value

    def peek(self, prefix: str) -> int | None:
        return self.values.get(prefix)


@dataclass(slots=True)
class EvalContext:
    """Everything an expression may read.

    ``variables`` are looked up ignoring case, like Azure's; a variable whose value only an
    earlier step will set is :data:`UNKNOWN`. ``named_values`` holds further top-level
    names, such as ``pipeline`` (``{'startTime': datetime}``) or the loop variable of a
    template ``${{ each }}``. ``status`` of ``None`` means the statuses are not known yet:
    status functions then evaluate to :data:`UNKNOWN` (``always()`` stays True). In
    ``template`` mode the status functions, ``counter`` and the dependency contexts are
    not available, as in Azure's ``${{ }}`` expressions.
    """

    variables: Mapping[str, str | Unknown] = field(default_factory=dict)
    parameters: Mapping[str, Any] = field(default_factory=dict)
    dependencies: Mapping[str, Any] = field(default_factory=dict)
    stage_dependencies: Mapping[str, Any] = field(default_factory=dict)
    status: StatusContext | None = None
    counters: Counters | None = None
    mode: Mode = "runtime"
    named_values: Mapping[str, Any] = field(default_factory=dict)


class Invocation:
    """One call being evaluated: its arguments, evaluated lazily and at most once.

    Laziness is what makes ``and``/``or``/``iif`` short-circuit; the offsets are what make a
    conversion error point at the argument that failed.
    """

    __slots__ = ("_cache", "_evaluate", "call", "ctx")

    def __init__(
        self, call: Call, ctx: EvalContext, evaluate: Callable[[Any, EvalContext], Any]
    ) -> None:
        self.call = call
        self.ctx = ctx
        self._evaluate = evaluate
        self._cache: dict[int, Any] = {}

    def __len__(self) -> int:
        return len(self.call.args)

    def arg(self, index: int) -> Any:
        if index not in self._cache:
            self._cache[index] = self._evaluate(self.call.args[index], self.ctx)
        return self._cache[index]

    def offset(self, index: int | None = None) -> int:
        return self.call.offset if index is None else self.call.args[index].offset

    def error(self, message: str, index: int | None = None, *, hint: str = "") -> ExpressionError:
        at = self.offset(index)
        return ExpressionError(f"{self.call.name}(): {message} at offset {at}", at, hint=hint)

    def string(self, index: int, *, hint: str = "") -> str | Unknown:
        """Argument ``index`` converted to String (Azure's rules), or UNKNOWN."""
        value = self.arg(index)
        if value is UNKNOWN:
            return Unknown.UNKNOWN
        text = try_string(value)
        if text is None:
            raise self.error(f"cannot convert {type_name(value)} to String", index, hint=hint)
        return text

    def number(self, index: int) -> float | Unknown:
        value = self.arg(index)
        if value is UNKNOWN:
            return Unknown.UNKNOWN
        number = try_number(value)
        if number is None:
            raise self.error(
                f"cannot convert {type_name(value)} {describe(value)} to Number", index
            )
        return number

    def conversion_error(self, exc: ConversionError, left: Any) -> ExpressionError:
        index = 0 if exc.value is left else 1
        whose = "" if index == 0 else " (the type of the left operand)"
        return self.error(
            f"cannot convert {exc.from_kind} {describe(exc.value)} to {exc.to_kind}{whose}", index
        )
