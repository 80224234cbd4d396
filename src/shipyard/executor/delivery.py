"""Wiring for delivery: the :class:`~shipyard.deliver.kit.DeliveryKit` steps and the CLI use.

Each part is the real adapter on the embedded platform (or the user's own clusters and
registry, from the settings): helm releases over the helm binary, the cluster reader over
the Kubernetes API, the health probe and the promoter over HTTP, the ledger in the store.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from shipyard.adapters.tool_runner import ConsoleRunner


def console_runner(say: Callable[[str], None] | None) -> ConsoleRunner:
    return ConsoleRunner(say)


def open_kit(store_engine: Any = None) -> Any:
    raise NotImplementedError
