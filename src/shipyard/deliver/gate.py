"""The engine's gate for environments: a deployment job waits for its approval.

The engine asks the :class:`~shipyard.ports.Gate` before it starts each job; a job whose
``environment:`` needs approvals gets a pending decision and waits, durably (the decision
is a row in the store, so Shipyard can stop and the approval still counts when it comes).
The question quotes exactly what would be deployed: service, version, image and chart
digests, the author of the change, and when it expires. The rules are copied into the
question as they were when it was asked, so an approval is judged by the rules it was
asked under even if the settings change while it waits.
"""

from __future__ import annotations

from collections.abc import Callable

from shipyard.deliver.approvals import APPROVAL, Question
from shipyard.deliver.environments import Environments
from shipyard.deliver.release import RELEASE_KIND, Release
from shipyard.flow.run.records import RunRecord


class EnvironmentGate:
    def __init__(self, environments: Environments, now: Callable[[], float]) -> None:
        self.environments = environments
        self.now = now

    def check(
        self, run: RunRecord, stage: str, job: str | None, environment: str
    ) -> tuple[str, str, dict[str, object]] | None:
        if job is None or not environment:
            return None
        policy = self.environments.get(environment.split(".", 1)[0])
        if policy is None or not policy.approvers.required:
            return None
        question = question_for(run, policy.name, self.environments, self.now())
        return APPROVAL, question.title(), question.as_data()


def question_for(run: RunRecord, environment: str, envs: Environments, now: float) -> Question:
    rules = envs[environment].approvers
    event = run.event
    if event.get("kind") == RELEASE_KIND:
        release = Release.from_json(event)
        service, version, author = release.service, release.version, release.author
        image, image_digest = release.image, release.image_digest
        chart, chart_digest = release.chart, release.chart_digest
    else:
        service, version = run.pipeline, run.build_number
        author = str(event.get("author") or event.get("requested_for") or "")
        image = image_digest = chart = chart_digest = ""
    return Question(
        environment=environment,
        service=service,
        version=version,
        author=author,
        image=image,
        image_digest=image_digest,
        chart=chart,
        chart_digest=chart_digest,
        expires_at=now + rules.timeout_minutes * 60,
        approvers=rules.entries,
        minimum=rules.minimum,
        allow_self_approval=rules.allow_self_approval,
    )
