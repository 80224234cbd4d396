"""Which functions exist and how many arguments each takes, as Azure documents them.

The parser checks names and argument counts before anything runs, so a typo in a condition
is reported when the pipeline is validated rather than when the step is reached. The
implementations live in ``logic``, ``text`` and ``status``; this table is the contract.
"""

from __future__ import annotations

from dataclasses import dataclass

from shipyard.config.expressions.values import fold

MANY = 1_000_000  # "Max parameters: N"


@dataclass(frozen=True, slots=True)
class Signature:
    name: str
    min_args: int
    max_args: int
    runtime_only: bool = False  # status functions and counter: not in ${{ }} expressions


SIGNATURES: tuple[Signature, ...] = (
    Signature("and", 2, MANY),
    Signature("or", 2, MANY),
    Signature("not", 1, 1),
    Signature("xor", 2, 2),
    Signature("eq", 2, 2),
    Signature("ne", 2, 2),
    Signature("gt", 2, 2),
    Signature("ge", 2, 2),
    Signature("lt", 2, 2),
    Signature("le", 2, 2),
    Signature("in", 1, MANY),
    Signature("notIn", 1, MANY),
    Signature("contains", 2, 2),
    Signature("containsValue", 2, 2),
    Signature("startsWith", 2, 2),
    Signature("endsWith", 2, 2),
    Signature("coalesce", 2, MANY),
    Signature("iif", 1, 3),
    Signature("format", 1, 256),  # Azure's argument index is a byte: {0} .. {255}
    Signature("join", 2, 2),
    Signature("split", 2, 2),
    Signature("lower", 1, 1),
    Signature("upper", 1, 1),
    Signature("replace", 3, 3),
    Signature("trim", 1, 1),
    Signature("length", 1, 1),
    Signature("convertToJson", 1, 1),
    Signature("counter", 2, 2, runtime_only=True),
    Signature("always", 0, 0, runtime_only=True),
    Signature("canceled", 0, 0, runtime_only=True),
    Signature("succeeded", 0, MANY, runtime_only=True),
    Signature("failed", 0, MANY, runtime_only=True),
    Signature("succeededOrFailed", 0, MANY, runtime_only=True),
)

BY_NAME: dict[str, Signature] = {fold(sig.name): sig for sig in SIGNATURES}
STATUS_FUNCTIONS = frozenset({"always", "canceled", "succeeded", "failed", "succeededOrFailed"})


def find(name: str) -> Signature | None:
    """The function called ``name`` in any case, or ``None``."""
    return BY_NAME.get(fold(name))
