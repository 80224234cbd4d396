"""The tasks Shipyard knows, with their declared inputs.

A pipeline step ``- task: Docker@1`` names a task and gives it ``inputs``. This package holds
the description of every supported task (``catalog_*`` modules, data copied from Azure's task
definitions), checks steps against it (``validate_task_step``, used by ``shipyard validate``)
and hands task plugins their inputs in canonical form (``normalize_inputs``).

Public API:
- ``REGISTRY``: the ``TaskRegistry``; ``REGISTRY.get("Docker", 1) -> TaskSpec | None``,
  ``REGISTRY.names()`` for "did you mean" hints.
- ``validate_task_step(task_ref, ref_loc, inputs, inputs_loc, diags, key_locs=None)``.
- ``normalize_inputs(spec, inputs) -> dict[str, str]``.
- ``parse_acr_helm_push(script) -> list[HelmPush]`` for the AzureCLI plugin.
- ``json_schema(spec)``: a JSON Schema of a task's inputs, for editors and docs.
"""

from shipyard.config.tasks.azcli import HelmPush, UnsupportedScript, parse_acr_helm_push
from shipyard.config.tasks.model import Choice, InputKind, InputSpec, StepView, TaskSpec
from shipyard.config.tasks.policies import NO_LATEST
from shipyard.config.tasks.registry import REGISTRY, TaskRegistry
from shipyard.config.tasks.schema import json_schema
from shipyard.config.tasks.validate import normalize_inputs, resolve_task, validate_task_step

__all__ = [
    "NO_LATEST",
    "REGISTRY",
    "Choice",
    "HelmPush",
    "InputKind",
    "InputSpec",
    "StepView",
    "TaskRegistry",
    "TaskSpec",
    "UnsupportedScript",
    "json_schema",
    "normalize_inputs",
    "parse_acr_helm_push",
    "resolve_task",
    "validate_task_step",
]
