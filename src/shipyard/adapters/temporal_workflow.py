"""The one Temporal workflow of Shipyard: run a job as an activity, retried on another worker.

Temporal, not Shipyard, keeps the job's dispatch durable: the workflow schedules the
``shipyard-run-job`` activity on the job's task queue (its pool and demands), with a
heartbeat timeout, so that a worker that dies (``kill -9``, a lost machine) is noticed by the
server and the job handed to another worker of the same queue, up to the job's attempts.
The workflow carries only ids: the job's spec, with its sealed secrets, stays in Shipyard's
store, and never enters Temporal's history.

This module is loaded inside Temporal's workflow sandbox, so it imports only what the
sandbox allows (dataclasses, timedelta, temporalio itself).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

WORKFLOW_QUEUE = "shipyard/workflows"
ACTIVITY = "shipyard-run-job"


@dataclass
class JobTicket:
    """What a worker needs to find the job in the store, and how Temporal should retry it."""

    job_id: int
    run_id: int
    queue: str
    attempts: int = 3
    heartbeat_seconds: float = 10.0
    timeout_seconds: float = 3600.0


@dataclass
class JobResult:
    """``ran`` (the job's reports are in the store) or ``gone`` (finished or canceled)."""

    outcome: str
    worker: str
    attempt: int


@workflow.defn(name="shipyard-job")
class JobWorkflow:
    @workflow.run
    async def run(self, ticket: JobTicket) -> JobResult:
        result: JobResult = await workflow.execute_activity(
            ACTIVITY,
            ticket,
            result_type=JobResult,
            task_queue=ticket.queue,
            start_to_close_timeout=timedelta(seconds=ticket.timeout_seconds),
            heartbeat_timeout=timedelta(seconds=ticket.heartbeat_seconds),
            retry_policy=RetryPolicy(
                initial_interval=timedelta(seconds=1),
                backoff_coefficient=1.0,
                maximum_attempts=ticket.attempts,
            ),
            cancellation_type=workflow.ActivityCancellationType.TRY_CANCEL,
        )
        return result
