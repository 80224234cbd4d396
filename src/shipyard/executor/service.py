"""Wiring for local runs: store, event bus, engine and the local executor, started together.

The CLI, the benchmark and the integration tests all start Shipyard's run machinery this
way; :class:`LocalService` owns the pieces and stops them in the right order.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

from shipyard.adapters.git import GitCli
from shipyard.deliver.gate import EnvironmentGate
from shipyard.deliver.release import ReleaseCompiler, RoutingCompiler
from shipyard.executor.local import LocalExecutor, default_work_root
from shipyard.flow.run.compile import GitCompiler
from shipyard.flow.run.engine import Engine, new_engine_id
from shipyard.flow.run.events import InProcessBus, SystemClock
from shipyard.platform import settings
from shipyard.platform.settings import ExecutorSettings
from shipyard.ports import Executor, Gate
from shipyard.store import SqlStore, StoreConfig, open_store


def default_workers() -> int:
    return max(2, min(4, os.cpu_count() or 2))


@dataclass
class LocalService:
    config: StoreConfig
    store: SqlStore
    bus: InProcessBus
    engine: Engine
    executor: Executor

    @classmethod
    def start(
        cls,
        config: StoreConfig | None = None,
        *,
        workers: int | None = None,
        adopt: bool = False,
        gate: Gate | None = None,
        work_root: Path | None = None,
        executor_settings: ExecutorSettings | None = None,
    ) -> LocalService:
        config = config or StoreConfig.from_env()
        loaded = settings.load()
        environments = loaded.delivery
        if gate is None:
            gate = EnvironmentGate(environments, time.time)
        store = open_store(config)
        bus = InProcessBus()
        engine_id = new_engine_id()
        chosen = executor_settings or loaded.executor
        executor: Executor
        if chosen.kind == "temporal":
            from shipyard.executor.own_workers import LocalTemporalWorkers
            from shipyard.executor.temporal import TemporalExecutor

            own = None
            if chosen.local_workers:
                own = LocalTemporalWorkers(
                    chosen.local_workers,
                    chosen.address,
                    chosen.temporal_namespace,
                    config.child_env(),
                    (work_root or default_work_root()).parent / "logs",
                    f"{engine_id[:12]}",
                )
            executor = TemporalExecutor.connect(
                engine_id,
                chosen.address,
                chosen.temporal_namespace,
                store,
                own_workers=own,
                wait_for_worker_seconds=chosen.wait_for_worker_seconds,
                attempts=chosen.attempts,
                heartbeat_seconds=chosen.heartbeat_seconds,
            )
        elif chosen.kind == "kubernetes":
            from shipyard.executor import kube_wiring

            executor = kube_wiring.connect(engine_id, config, store, chosen)
        else:
            executor = LocalExecutor(
                engine_id,
                config.child_env(),
                workers=workers or default_workers(),
                work_root=work_root,
            )
        engine = Engine(
            store,
            executor,
            bus,
            RoutingCompiler(
                GitCompiler(
                    lambda repo: GitCli(Path(repo)),
                    environments.names(),
                    loaded.warnings_as_errors,
                ),
                ReleaseCompiler(environments),
            ),
            SystemClock(),
            gate=gate,
            adopt=adopt,
            engine_id=engine_id,
        )
        engine.start()
        return cls(config, store, bus, engine, executor)

    def stop(self) -> None:
        self.engine.stop()
        self.store.close()
