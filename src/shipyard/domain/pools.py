"""Agent pools and demands: which workers may take a job, as task-queue names.

Azure Pipelines sends a job to an agent of its ``pool`` whose capabilities satisfy the job's
``demands`` (``docker`` asks that the capability exists, ``Agent.OS -equals Linux`` that it
has that value). Shipyard's distributed executors have no central matcher: a job goes to
one task queue named after its pool and its normalised demands, and a worker polls every
queue that its pool and capabilities satisfy. Matching is thus decided by names, on both
sides, by the functions below, and a worker with ``n`` capabilities polls ``2**n`` queues
per pool (capped by :data:`MAX_CAPABILITIES`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import combinations

QUEUE_PREFIX = "shipyard/"
MAX_CAPABILITIES = 6
_NAME = re.compile(r"^[A-Za-z0-9_.\-]+$")
_EQUALS = re.compile(r"^\s*(\S+)\s+-equals\s+(.+?)\s*$", re.IGNORECASE)


class DemandError(ValueError):
    """A demand or capability that Shipyard cannot match; the message says what is expected."""


@dataclass(frozen=True, slots=True)
class Demand:
    """``name`` must exist on the worker; with ``value``, it must have exactly that value."""

    name: str
    value: str | None = None

    def token(self) -> str:
        return self.name if self.value is None else f"{self.name}={self.value}"


def parse_demand(text: str) -> Demand:
    """``docker`` or ``Agent.OS -equals Linux`` (Azure's two forms; ``NAME=VALUE`` too)."""
    match = _EQUALS.match(text)
    if match:
        name, value = match.group(1), match.group(2)
    elif "=" in text:
        name, _, value = (part.strip() for part in text.partition("="))
    else:
        name, value = text.strip(), None
    if not _NAME.match(name):
        raise DemandError(
            f"demand '{text}' is not understood: expected 'NAME' or 'NAME -equals VALUE' "
            "(NAME of letters, digits, '.', '_' or '-')"
        )
    if value is not None and ("," in value or "+" in value):
        raise DemandError(f"demand '{text}': a value may not hold ',' or '+'")
    return Demand(name, value)


def parse_capability(text: str) -> Demand:
    """A worker's capability: ``docker`` or ``Agent.OS=Linux``."""
    name, sep, value = text.partition("=")
    if not _NAME.match(name.strip()) or (sep and not value.strip()):
        raise DemandError(
            f"capability '{text}' is not understood: expected NAME or NAME=VALUE "
            "(NAME of letters, digits, '.', '_' or '-')"
        )
    return Demand(name.strip(), value.strip() if sep else None)


def normalise(demands: Iterable[str]) -> tuple[str, ...]:
    """The demands as sorted, de-duplicated tokens (``docker``, ``Agent.OS=Linux``)."""
    tokens = {parse_demand(d).token() for d in demands}
    valued = {t.partition("=")[0] for t in tokens if "=" in t}
    return tuple(sorted(t for t in tokens if t not in valued))


def task_queue(pool: str, demands: Sequence[str] = ()) -> str:
    """The one task queue a job of ``pool`` with these (normalised) demands is sent to."""
    tokens = sorted(set(demands))
    return QUEUE_PREFIX + pool + ("+" + ",".join(tokens) if tokens else "")


def queues_for(pools: Iterable[str], capabilities: Iterable[str]) -> list[str]:
    """Every task queue a worker of these pools and capabilities can serve."""
    tokens = sorted({parse_capability(c).token() for c in capabilities})
    if len(tokens) > MAX_CAPABILITIES:
        raise DemandError(
            f"a worker may announce at most {MAX_CAPABILITIES} capabilities "
            f"({len(tokens)} given): it polls one queue per subset of them"
        )
    # A capability NAME=VALUE also satisfies a bare demand NAME.
    offers = set(tokens) | {t.partition("=")[0] for t in tokens}
    subsets: set[tuple[str, ...]] = set()
    ordered = sorted(offers)
    for size in range(len(ordered) + 1):
        for combo in combinations(ordered, size):
            names = [c.partition("=")[0] for c in combo]
            if len(names) == len(set(names)):  # never NAME and NAME=VALUE together
                subsets.add(combo)
    return sorted(task_queue(pool, combo) for pool in dict.fromkeys(pools) for combo in subsets)


def describe(pool: str, demands: Sequence[str]) -> str:
    """Words for a message: ``pool 'linux' with demands docker, Agent.OS=Linux``."""
    text = f"pool '{pool}'"
    return text + (f" with demands {', '.join(demands)}" if demands else "")


# -- Kubernetes: pools and demands as node labels ---------------------------------------
# The Kubernetes executor has no task queues: the scheduler matches a job's pod to a node.
# A node of pool P carries ``shipyard.io/pool=P``; a capability NAME (=VALUE) is the label
# ``capability.shipyard.io/NAME`` (with VALUE, or "true"). A bare demand asks that the label
# exists, a valued one that it has that value, exactly as the task queues decide it.
POOL_LABEL = "shipyard.io/pool"
CAPABILITY_LABEL = "capability.shipyard.io/"
_LABEL_VALUE = re.compile(r"^([A-Za-z0-9]([A-Za-z0-9_.\-]{0,61}[A-Za-z0-9])?)?$")


def _label_value(what: str, value: str) -> str:
    if not _LABEL_VALUE.match(value):
        raise DemandError(
            f"{what} '{value}' cannot be a Kubernetes label value: expected at most 63 letters, "
            "digits, '-', '_' or '.', starting and ending with a letter or digit"
        )
    return value


def _capability_key(name: str) -> str:
    if len(name) > 63 or not _LABEL_VALUE.match(name):
        raise DemandError(
            f"demand '{name}' cannot be a Kubernetes label name: expected at most 63 letters, "
            "digits, '-', '_' or '.', starting and ending with a letter or digit"
        )
    return CAPABILITY_LABEL + name


def node_requirements(pool: str, demands: Sequence[str]) -> list[dict[str, object]]:
    """The ``matchExpressions`` of a node affinity that only a node able to take the job meets."""
    out: list[dict[str, object]] = [
        {"key": POOL_LABEL, "operator": "In", "values": [_label_value("pool", pool)]}
    ]
    for token in sorted(set(demands)):
        demand = parse_demand(token)
        key = _capability_key(demand.name)
        if demand.value is None:
            out.append({"key": key, "operator": "Exists"})
        else:
            value = _label_value(f"demand {demand.name}", demand.value)
            out.append({"key": key, "operator": "In", "values": [value]})
    return out


def node_labels(pool: str, capabilities: Iterable[str]) -> dict[str, str]:
    """The labels that make a node serve ``pool`` with these capabilities."""
    labels = {POOL_LABEL: _label_value("pool", pool)}
    for text in capabilities:
        cap = parse_capability(text)
        value = "true" if cap.value is None else cap.value
        labels[_capability_key(cap.name)] = _label_value(f"capability {cap.name}", value)
    return labels


def label_command(pool: str, demands: Sequence[str]) -> str:
    """The ``kubectl label`` that would let a node take a job of ``pool`` with ``demands``."""
    parts = [f"{POOL_LABEL}={pool}"]
    for token in demands:
        demand = parse_demand(token)
        parts.append(f"{CAPABILITY_LABEL}{demand.name}={demand.value or 'true'}")
    return "kubectl label node NODE " + " ".join(parts)
