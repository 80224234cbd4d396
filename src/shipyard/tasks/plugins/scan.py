"""ShipyardScan@1: the vulnerability scan gate on the image a job just built.

The image is found by name among the images of this job (:class:`JobImages`) and scanned
*by its id*: the local image is written to a docker-archive from that id, so the SBOM and
the findings describe exactly what the job built, even if the tag moved meanwhile. An
image the job did not build is scanned from the registry (pinned to its digest by the gate).

The policy is the service's, from the operators' policy file (:mod:`shipyard.scan.policy`),
and the step's ``failOn`` can only make it stricter: the lower of the two thresholds wins
(``low`` is stricter than ``high``; ``none`` never blocks). An ``ignoreFile`` adds ignores
(same table format as the policy file's ``[[scan.ignore]]``: id, reason, author, expiry);
its other settings are refused, because thresholds belong to operators.

The SBOM, the SARIF file, the JSON result and osv-scanner's report are published as a
pipeline artifact ``scan-<service>``; the result goes into the run's build record. The step
fails when the gate blocks (the message names each advisory and package) or refuses (the
gate could not vouch for the image: no advisory data, a scanner failing quietly...).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path

from shipyard.domain.diagnostics import InvalidInput, ShipyardError
from shipyard.domain.scan import FAIL_ON_CHOICES, FailOn, Ignore, ScanPolicy, ScanResult
from shipyard.flow.builds import ImageName, StepFailed
from shipyard.scan import policy as scan_policy
from shipyard.tasks.api import Shell, TaskContext, TaskOutcome
from shipyard.tasks.plugins._build import (
    JobImages,
    describe_invalid,
    in_workspace,
    record,
    registry_for,
    toolbox,
    workdir,
)
from shipyard.tasks.plugins._images import LoggedRunner
from shipyard.tasks.registry import register

_STRICTNESS = {"low": 0, "medium": 1, "high": 2, "critical": 3, "none": 4}
_MARK = {"blocking": "BLOCK", "warning": "WARN", "allowed": "allow", "ignored": "ignored"}


def stricter(a: FailOn, b: FailOn) -> FailOn:
    """The stricter of two thresholds: the one that blocks more."""
    return a if _STRICTNESS[a] <= _STRICTNESS[b] else b


def _ignores(path: Path) -> tuple[Ignore, ...]:
    try:
        parsed = scan_policy.parse(path.read_text(), path)
    except OSError as exc:
        raise StepFailed(f"cannot read ignoreFile {path}: {exc.strerror}") from None
    except InvalidInput as err:
        raise StepFailed(describe_invalid(err)) from None
    if parsed.settings or any(own for own, _ in parsed.services.values()):
        raise StepFailed(
            f"ignoreFile {path} may hold only [[scan.ignore]] entries: thresholds and other "
            "settings belong to the operators' policy file"
        )
    return parsed.ignores + tuple(i for _, ignores in parsed.services.values() for i in ignores)


def _summary(result: ScanResult) -> list[str]:
    counts = ", ".join(f"{n} {k}" for k, n in result.counts().items())
    out = [f"Scan of {result.image}: {result.status.upper()} ({counts})"]
    for j in result.findings:
        f = j.finding
        score = f" {f.cvss_score:.1f}" if f.cvss_score is not None else ""
        out.append(
            f"  {_MARK[j.disposition]:<7} {f.id} {f.package} {f.version} ({f.ecosystem}) "
            f"{f.severity.value}{score}: {j.reason}"
        )
    out += [f"  note: {n}" for n in result.notes]
    return out


def failure(result: ScanResult) -> str:
    if result.status == "refused":
        code = result.refusal.get("code", "")
        hint = result.refusal.get("hint", "")
        text = f"scan gate refused {result.image} [{code}]: {result.refusal.get('message', '')}"
        return text + (f" (hint: {hint})" if hint else "")
    blocking = [j.finding for j in result.findings if j.disposition == "blocking"]
    named = "; ".join(f"{f.id} in {f.package} {f.version} ({f.severity.value})" for f in blocking)
    return f"scan gate blocked {result.image} (fail_on {result.policy.get('fail_on')}): {named}"


class ShipyardScan:
    name = "ShipyardScan"
    major = 1
    shell_inputs: frozenset[str] = frozenset()
    shell: Shell = "bash"

    def run(self, ctx: TaskContext, inputs: Mapping[str, str]) -> TaskOutcome:
        given = inputs.get("image", "").strip()
        if not given:
            return TaskOutcome.failed("image is required")
        name = ImageName.parse(given)
        fail_on = inputs.get("failOn", "high").strip().lower() or "high"
        if fail_on not in FAIL_ON_CHOICES:
            return TaskOutcome.failed(f"failOn must be one of {', '.join(FAIL_ON_CHOICES)}")
        fmt = inputs.get("sbomFormat", "").strip() or "cyclonedx-json"
        tools = toolbox(ctx)
        scanner = tools.scanner()
        try:
            policy = scanner.policy_for(name.service)
        except InvalidInput as err:
            raise StepFailed(describe_invalid(err)) from None
        policy = self._policy(ctx, policy, fail_on, inputs)
        out_dir = workdir(ctx, "scan")
        target, image_id = self._target(ctx, name, out_dir)
        ctx.log(
            f"Scanning {target if isinstance(target, str) else given} for service "
            f"'{name.service}' (fail_on {policy.fail_on})"
        )
        result = scanner.scan(target, policy, out_dir / "out", fmt)
        if image_id:
            result = dataclasses.replace(result, image=given, digest=image_id)
        for line in _summary(result):
            ctx.log(line)
        artifact = self._publish(ctx, name.service, out_dir / "out")
        record(
            ctx,
            "scan",
            name.service,
            reference=given,
            digest=result.digest,
            data={
                "status": result.status,
                "counts": result.counts(),
                "blocking": [j.finding.id for j in result.findings if j.disposition == "blocking"],
                "refusal": dict(result.refusal),
                "fail_on": policy.fail_on,
                "artifact": artifact,
                "files": sorted(Path(p).name for p in result.artifacts.values()),
                "image_id": image_id,
            },
        )
        if not result.passed:
            return TaskOutcome.failed(failure(result))
        return TaskOutcome.ok()

    def _policy(
        self, ctx: TaskContext, policy: ScanPolicy, fail_on: FailOn, inputs: Mapping[str, str]
    ) -> ScanPolicy:
        combined = stricter(policy.fail_on, fail_on)
        if combined != policy.fail_on:
            ctx.log(f"failOn {fail_on} is stricter than the policy's {policy.fail_on}: using it")
        elif combined != fail_on:
            ctx.log(f"the policy's fail_on {policy.fail_on} is stricter than failOn {fail_on}")
        ignores = policy.ignores
        if inputs.get("ignoreFile", "").strip():
            extra = _ignores(in_workspace(ctx, inputs["ignoreFile"]))
            ctx.log(f"{len(extra)} ignore(s) from {inputs['ignoreFile'].strip()}")
            ignores = ignores + extra
        return dataclasses.replace(policy, fail_on=combined, ignores=ignores)

    def _target(self, ctx: TaskContext, name: ImageName, out_dir: Path) -> tuple[str | Path, str]:
        """A docker-archive of the job's own image (and its id), or a registry reference."""
        state = JobImages.load(ctx)
        known = state.image(str(name))
        if known is None and not name.registry:
            registry = registry_for(ctx, "").address
            known = state.image(str(name.qualified(registry)))
            if known is None:
                name = name.qualified(registry)
        if known is not None:
            image_id = str(known["id"])
            archive = out_dir / "image.tar"
            ctx.log(f"Image built by this job: {image_id}")
            toolbox(ctx).images().save_archive(image_id, archive, LoggedRunner(ctx))
            return archive, image_id
        return str(name), ""

    def _publish(self, ctx: TaskContext, service: str, folder: Path) -> str:
        base = f"scan-{service}"
        for attempt in range(1, 20):
            candidate = base if attempt == 1 else f"{base}-{attempt}"
            try:
                ctx.publish_artifact(candidate, folder, "pipeline")
            except ShipyardError as err:
                if "already published" in err.message:
                    continue
                raise
            return candidate
        raise StepFailed(f"too many scan artifacts named {base} in this run")


register(ShipyardScan())
