"""Temporal as the dispatcher of jobs: the engine's client and the workers' poll loop.

The engine runs on one thread and calls plain methods; the Temporal SDK is asyncio. So
:class:`TemporalJobs` owns an event loop on a daemon thread and every call is one coroutine
submitted to it. Workers (:func:`serve_worker`) poll the workflow queue (so that any live
worker moves workflows on) and one activity queue per pool/demands combination they serve;
the activity is a plain function run on a thread, which gets the attempt number, a
heartbeat and a cancellation check through :class:`Attempt`.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import contextvars
import sys
import threading
from collections.abc import Callable, Coroutine, Sequence
from datetime import timedelta
from typing import Any, TypeVar

from temporalio import activity
from temporalio.api.enums.v1 import TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest
from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.service import RPCError, RPCStatusCode
from temporalio.worker import Worker

from shipyard.adapters.temporal_workflow import (
    ACTIVITY,
    WORKFLOW_QUEUE,
    JobResult,
    JobTicket,
    JobWorkflow,
)
from shipyard.domain.diagnostics import ShipyardError
from shipyard.ports import Attempt

__all__ = ["Attempt", "JobTicket", "TemporalJobs", "serve_worker"]

T = TypeVar("T")
CALL_SECONDS = 15.0


def _unreachable(address: str, exc: BaseException) -> ShipyardError:
    return ShipyardError(
        f"Temporal at {address} did not answer: {exc}",
        hint='start the embedded one with `shipyard platform up` (executor.kind = "temporal") '
        "or set executor.temporal_address",
    )


class TemporalJobs:
    """Start, cancel and inspect job workflows from synchronous code."""

    def __init__(self, address: str, namespace: str = "default") -> None:
        self.address = address
        self.namespace = namespace
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="temporal-client", daemon=True
        )
        self._thread.start()
        self._client: Client | None = None

    def _call(self, coro: Coroutine[Any, Any, T], timeout: float = CALL_SECONDS) -> T:
        future = asyncio.run_coroutine_threadsafe(coro, self._loop)
        try:
            return future.result(timeout)
        except concurrent.futures.TimeoutError as exc:
            future.cancel()
            raise _unreachable(self.address, TimeoutError(f"no answer in {timeout:.0f} s")) from exc

    async def _connected(self) -> Client:
        if self._client is None:
            try:
                self._client = await Client.connect(self.address, namespace=self.namespace)
            except RuntimeError as exc:  # the SDK's "Failed client connect"
                raise _unreachable(self.address, exc) from None
        return self._client

    def check(self) -> None:
        """Raise a ShipyardError naming the address when the server does not answer."""
        self.pollers(WORKFLOW_QUEUE)

    def start(self, workflow_id: str, ticket: JobTicket) -> None:
        async def go() -> None:
            client = await self._connected()
            await client.start_workflow(
                JobWorkflow.run,
                ticket,
                id=workflow_id,
                task_queue=WORKFLOW_QUEUE,
                execution_timeout=timedelta(seconds=ticket.timeout_seconds * ticket.attempts + 60),
            )

        try:
            self._call(go())
        except RPCError as exc:
            raise _unreachable(self.address, exc) from None

    def cancel(self, workflow_id: str) -> None:
        """Ask the workflow to cancel its activity; quiet when it already ended."""

        async def go() -> None:
            client = await self._connected()
            with contextlib.suppress(RPCError):
                await client.get_workflow_handle(workflow_id).cancel()

        self._call(go())

    def running(self, workflow_id: str) -> bool:
        async def go() -> bool:
            client = await self._connected()
            try:
                described = await client.get_workflow_handle(workflow_id).describe()
            except RPCError as exc:
                if exc.status == RPCStatusCode.NOT_FOUND:
                    return False
                raise
            return described.status == WorkflowExecutionStatus.RUNNING

        return self._call(go())

    def pollers(self, queue: str) -> list[str]:
        """Identities of workers that polled ``queue`` for activities lately."""

        async def go() -> list[str]:
            client = await self._connected()
            kind = TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY
            if queue == WORKFLOW_QUEUE:
                kind = TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW
            answer = await client.workflow_service.describe_task_queue(
                DescribeTaskQueueRequest(
                    namespace=self.namespace,
                    task_queue=TaskQueue(name=queue),
                    task_queue_type=kind,
                )
            )
            return [p.identity for p in answer.pollers]

        try:
            return self._call(go())
        except RPCError as exc:
            raise _unreachable(self.address, exc) from None

    def close(self) -> None:
        self._client = None
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
        if not self._thread.is_alive():
            self._loop.close()


RunJob = Callable[[JobTicket, Attempt], str]


def _activity(run_job: RunJob, identity: str) -> Callable[[JobTicket], JobResult]:
    @activity.defn(name=ACTIVITY)
    def run(ticket: JobTicket) -> JobResult:
        context = contextvars.copy_context()  # activity.heartbeat needs the activity's context

        def beat(details: object) -> None:
            with contextlib.suppress(Exception):
                context.copy().run(activity.heartbeat, details)

        def cancelled() -> bool:
            return context.copy().run(
                lambda: activity.is_cancelled() or activity.is_worker_shutdown()
            )

        number = activity.info().attempt
        outcome = run_job(ticket, Attempt(number, identity, beat, cancelled))
        return JobResult(outcome, identity, number)

    return run


def serve_worker(
    address: str,
    namespace: str,
    queues: Sequence[str],
    identity: str,
    run_job: RunJob,
    stop: threading.Event,
    *,
    concurrency: int = 1,
    on_ready: Callable[[], None] | None = None,
) -> None:
    """Poll ``queues`` until ``stop`` is set; reconnect while the server is away."""
    asyncio.run(
        _serve(address, namespace, list(queues), identity, run_job, stop, concurrency, on_ready)
    )


async def _serve(
    address: str,
    namespace: str,
    queues: list[str],
    identity: str,
    run_job: RunJob,
    stop: threading.Event,
    concurrency: int,
    on_ready: Callable[[], None] | None,
) -> None:
    run = _activity(run_job, identity)
    threads = concurrent.futures.ThreadPoolExecutor(max_workers=max(1, concurrency * len(queues)))
    loop = asyncio.get_running_loop()
    stopped = loop.run_in_executor(None, stop.wait)
    told = False
    while not stop.is_set():
        try:
            client = await Client.connect(address, namespace=namespace, identity=identity)
        except RuntimeError as exc:
            if not told:
                print(f"shipyard worker: waiting for Temporal at {address}: {exc}", file=sys.stderr)
                told = True
            await asyncio.wait([stopped], timeout=1.0)
            continue
        workers = [
            Worker(
                client,
                task_queue=WORKFLOW_QUEUE,
                workflows=[JobWorkflow],
                identity=identity,
            ),
            *(
                Worker(
                    client,
                    task_queue=queue,
                    activities=[run],
                    activity_executor=threads,
                    max_concurrent_activities=concurrency,
                    identity=identity,
                    graceful_shutdown_timeout=timedelta(seconds=5),
                )
                for queue in queues
            ),
        ]
        runs = [asyncio.ensure_future(w.run()) for w in workers]
        if on_ready is not None:
            on_ready()
            on_ready = None
        pending: list[asyncio.Future[Any]] = [stopped, *runs]
        await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
        for worker in workers:
            with contextlib.suppress(Exception):
                await worker.shutdown()
        for task in runs:
            with contextlib.suppress(BaseException):
                await task
        if not stop.is_set():
            print("shipyard worker: lost the Temporal server; reconnecting", file=sys.stderr)
            await asyncio.wait([stopped], timeout=1.0)
    threads.shutdown(wait=False, cancel_futures=True)
