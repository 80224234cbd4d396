"""``shipyard worker``: a build machine joins the pools it serves (the Temporal executor)."""

from __future__ import annotations

import threading

import typer

from shipyard.cli.errors import guarded
from shipyard.cli.output import console
from shipyard.domain.diagnostics import ShipyardError


def register(app: typer.Typer) -> None:
    @app.command("worker")
    def worker_cmd(
        pool: list[str] = typer.Option(
            [], "--pool", help="A pool this worker serves (repeat; default: local)"
        ),
        capability: list[str] = typer.Option(
            [],
            "--capability",
            help="A capability for demands: NAME or NAME=VALUE (repeat; at most 6)",
        ),
        name: str = typer.Option("", "--name", help="Its name in runs (default: host-pid)"),
        concurrency: int = typer.Option(
            1, "--concurrency", min=1, max=32, help="Jobs at once per task queue"
        ),
        address: str = typer.Option(
            "", "--address", help="Temporal host:port (default: the executor settings)"
        ),
        show_queues: bool = typer.Option(
            False, "--queues", help="Print the task queues it would poll, and exit"
        ),
    ) -> None:
        """Run jobs dispatched by the Temporal executor (executor.kind = "temporal").

        A job goes to the pool its YAML names (`pool: name: linux`) with its demands
        (`demands: [docker, "Agent.OS -equals Linux"]`); a worker takes it when it serves that
        pool and has every demanded capability. The worker reaches the same store as the
        server (SHIPYARD_DATABASE_URL: PostgreSQL when workers run on other machines) and
        stops on Ctrl-C or SIGTERM. A worker killed mid-job loses the job to another worker
        of the pool after executor.heartbeat_seconds.

        Examples:

          shipyard worker --pool linux --capability docker --capability Agent.OS=Linux

          shipyard worker --pool linux --capability docker --queues
        """

        def body() -> None:
            from shipyard.domain import pools
            from shipyard.executor.temporal_worker import (
                WorkerOptions,
                run_worker,
                stop_on_signals,
            )
            from shipyard.platform import settings

            chosen = settings.load().executor
            options = WorkerOptions(
                address or chosen.address,
                chosen.temporal_namespace,
                tuple(pool or ["local"]),
                tuple(capability),
                name,
                concurrency,
            )
            try:
                resolved = options.resolved()
            except pools.DemandError as err:
                raise ShipyardError(str(err), hint="e.g. --capability docker") from None
            if show_queues:
                for queue in resolved.queues:
                    console().print(queue, highlight=False)
                return
            stop = threading.Event()
            stop_on_signals(stop)  # Ctrl-C and SIGTERM: the job in hand is told to cancel
            run_worker(resolved, stop, lambda line: console().print(line, highlight=False))

        guarded(body, False)
