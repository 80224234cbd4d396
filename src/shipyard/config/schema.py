"""The pipeline schema: declarative JSON Schemas, validated after template expansion.

Each part of a pipeline (root, stage, job, deployment job, step kinds, triggers, variables,
pool, resources) has its own small schema. The model builder (:mod:`shipyard.config.model`)
dispatches on the discriminating key (``script``, ``task``, ``job``, ``deployment``...)
before validating, so that an error says "unknown key 'inptus' in a task step; did you mean
'inputs'?" rather than JSON Schema's "not valid under any of the given schemas".

``x-expected`` on a schema is the phrase used when a value has the wrong type; ``x-hints``
maps a key that does not belong there to the hint that says where it goes instead.
"""

from __future__ import annotations

from typing import Any

Schema = dict[str, Any]

_MACRO = r"^\$\(.+\)$|^\$\[.+\]$"
BOOL: Schema = {
    "x-expected": "true or false",
    "anyOf": [
        {"type": "boolean"},
        {"type": "string", "pattern": rf"^(?i:true|false)$|{_MACRO}"},
    ],
}
INT: Schema = {
    "x-expected": "a whole number",
    "anyOf": [
        {"type": "integer", "minimum": 0},
        {"type": "string", "pattern": rf"^[0-9]+$|{_MACRO}"},
    ],
}
STR: Schema = {"type": "string", "x-expected": "a string"}
SCALAR: Schema = {"type": ["string", "number", "boolean", "null"], "x-expected": "a scalar"}
STR_LIST: Schema = {
    "type": "array",
    "items": STR,
    "x-expected": "a list of strings",
}
STR_OR_LIST: Schema = {
    "type": ["string", "array"],
    "items": STR,
    "x-expected": "a string or a list",
}
ENV: Schema = {
    "type": "object",
    "additionalProperties": SCALAR,
    "x-expected": "a mapping of NAME: value",
}
FILTER: Schema = {
    "type": "object",
    "title": "branch or path filter",
    "properties": {"include": STR_LIST, "exclude": STR_LIST},
    "additionalProperties": False,
    "x-expected": "a mapping with 'include' and/or 'exclude' lists",
}
FILTER_OR_LIST: Schema = {
    "type": ["object", "array"],
    "x-expected": "a list of patterns, or 'include'/'exclude' lists",
    "properties": {"include": STR_LIST, "exclude": STR_LIST},
    "additionalProperties": False,
    "items": STR,
}
NONE_WORD: Schema = {
    "type": "string",
    "enum": ["none"],
    "x-expected": "'none', a list of branches, or a mapping",
}

TRIGGER_MAP: Schema = {
    "title": "CI trigger",
    "type": "object",
    "properties": {
        "batch": BOOL,
        "branches": FILTER_OR_LIST,
        "paths": FILTER,
        "tags": FILTER_OR_LIST,
    },
    "additionalProperties": False,
}
PR_MAP: Schema = {
    "title": "PR trigger",
    "type": "object",
    "properties": {
        "autoCancel": BOOL,
        "branches": FILTER_OR_LIST,
        "paths": FILTER,
        "drafts": BOOL,
    },
    "additionalProperties": False,
}

POOL_MAP: Schema = {
    "title": "pool",
    "type": "object",
    "properties": {"name": STR, "vmImage": STR, "demands": STR_OR_LIST},
    "additionalProperties": False,
}

VARIABLE_ITEM: dict[str, Schema] = {
    "name": {
        "title": "variable",
        "type": "object",
        "properties": {"name": STR, "value": SCALAR, "readonly": BOOL},
        "required": ["name"],
        "additionalProperties": False,
    },
    "group": {
        "title": "variable group reference",
        "type": "object",
        "properties": {"group": STR},
        "additionalProperties": False,
    },
}

_STEP_COMMON: dict[str, Schema] = {
    "name": {
        "type": "string",
        "pattern": r"^[A-Za-z_][A-Za-z0-9_]*$",
        "x-expected": "an identifier (letters, digits, _; not starting with a digit)",
    },
    "displayName": STR,
    "condition": STR,
    "continueOnError": BOOL,
    "enabled": BOOL,
    "env": ENV,
    "timeoutInMinutes": INT,
    "retryCountOnTaskFailure": INT,
    "target": {"type": ["string", "object"], "x-expected": "a target"},
}


def _step(title: str, key: str, key_schema: Schema, **extra: Schema) -> Schema:
    return {
        "title": title,
        "type": "object",
        "properties": {key: key_schema, **_STEP_COMMON, **extra},
        "additionalProperties": False,
    }


_SCRIPT_EXTRA: dict[str, Schema] = {"workingDirectory": STR, "failOnStderr": BOOL}
STEPS: dict[str, Schema] = {
    "script": _step("script step", "script", STR, **_SCRIPT_EXTRA),
    "bash": _step("bash step", "bash", STR, noProfile=BOOL, noRc=BOOL, **_SCRIPT_EXTRA),
    "pwsh": _step(
        "pwsh step",
        "pwsh",
        STR,
        errorActionPreference=STR,
        ignoreLASTEXITCODE=BOOL,
        **_SCRIPT_EXTRA,
    ),
    "powershell": _step(
        "powershell step",
        "powershell",
        STR,
        errorActionPreference=STR,
        ignoreLASTEXITCODE=BOOL,
        **_SCRIPT_EXTRA,
    ),
    "task": _step(
        "task step",
        "task",
        STR,
        inputs={
            "type": ["object", "null"],
            "x-expected": "a mapping of input: value",
        },
    ),
    "checkout": _step(
        "checkout step",
        "checkout",
        STR,
        clean=BOOL,
        fetchDepth=INT,
        fetchTags=BOOL,
        lfs=BOOL,
        persistCredentials=BOOL,
        submodules={"type": ["string", "boolean"]},
        path=STR,
        sparseCheckoutDirectories=STR,
        sparseCheckoutPatterns=STR,
    ),
    "publish": _step("publish step", "publish", STR, artifact=STR),
    "download": _step("download step", "download", STR, artifact=STR, patterns=STR, path=STR),
}
STEP_KEYS = tuple(STEPS)

_JOB_COMMON: dict[str, Schema] = {
    "displayName": STR,
    "dependsOn": STR_OR_LIST,
    "condition": STR,
    "continueOnError": BOOL,
    "timeoutInMinutes": INT,
    "cancelTimeoutInMinutes": INT,
    "variables": {"type": ["object", "array"], "x-expected": "a mapping or a list of variables"},
    "pool": {"type": ["string", "object"], "x-expected": "a pool name or a mapping"},
    "workspace": {"type": "object", "properties": {"clean": STR}, "additionalProperties": False},
    "container": {"type": ["string", "object"]},
    "services": {"type": "object"},
    "uses": {"type": "object"},
    "templateContext": {"type": "object"},
}
JOB: Schema = {
    "title": "job",
    "type": "object",
    "properties": {
        "job": {
            "type": ["string", "null"],
            "pattern": r"^[A-Za-z_][A-Za-z0-9_]*$",
            "x-expected": "a job name (letters, digits, _)",
        },
        "steps": {"type": "array", "x-expected": "a list of steps"},
        "strategy": {
            "type": "object",
            "properties": {
                "matrix": {"type": ["object", "string"]},
                "parallel": INT,
                "maxParallel": INT,
            },
            "additionalProperties": False,
        },
        **_JOB_COMMON,
    },
    "required": ["steps"],
    "additionalProperties": False,
}
_HOOK: Schema = {
    "type": "object",
    "properties": {"steps": {"type": "array"}, "pool": {"type": ["string", "object"]}},
    "additionalProperties": False,
}
DEPLOYMENT: Schema = {
    "title": "deployment job",
    "type": "object",
    "properties": {
        "deployment": {
            "type": "string",
            "pattern": r"^[A-Za-z_][A-Za-z0-9_]*$",
            "x-expected": "a job name (letters, digits, _)",
        },
        "environment": {
            "type": ["string", "object"],
            "x-expected": "an environment name",
            "properties": {"name": STR, "resourceName": STR, "resourceType": STR, "tags": STR},
            "additionalProperties": False,
        },
        "strategy": {
            "type": "object",
            "title": "deployment strategy",
            "properties": {
                "runOnce": {
                    "type": "object",
                    "title": "runOnce strategy",
                    "properties": {
                        "preDeploy": _HOOK,
                        "deploy": _HOOK,
                        "routeTraffic": _HOOK,
                        "postRouteTraffic": _HOOK,
                        "on": {
                            "type": "object",
                            "properties": {"failure": _HOOK, "success": _HOOK},
                            "additionalProperties": False,
                        },
                    },
                    "required": ["deploy"],
                    "additionalProperties": False,
                }
            },
            "required": ["runOnce"],
            "additionalProperties": False,
            "x-hints": {
                "rolling": "Shipyard runs the 'runOnce' strategy only",
                "canary": "Shipyard runs the 'runOnce' strategy only",
            },
        },
        **_JOB_COMMON,
    },
    "required": ["environment", "strategy"],
    "additionalProperties": False,
    "x-hints": {
        "steps": "a deployment job's steps go under 'strategy: runOnce: deploy: steps:'",
    },
}
STAGE: Schema = {
    "title": "stage",
    "type": "object",
    "properties": {
        "stage": {
            "type": "string",
            "pattern": r"^[A-Za-z_][A-Za-z0-9_]*$",
            "x-expected": "a stage name (letters, digits, _)",
        },
        "displayName": STR,
        "dependsOn": STR_OR_LIST,
        "condition": STR,
        "variables": {"type": ["object", "array"]},
        "jobs": {"type": "array", "x-expected": "a list of jobs"},
        "lockBehavior": {"type": "string", "enum": ["sequential", "runLatest"]},
        "trigger": {"type": "string", "enum": ["manual", "automatic"]},
        "isSkippable": BOOL,
        "pool": {"type": ["string", "object"]},
        "templateContext": {"type": "object"},
    },
    "required": ["stage", "jobs"],
    "additionalProperties": False,
}

ROOT: Schema = {
    "title": "pipeline",
    "type": "object",
    "properties": {
        "name": STR,
        "appendCommitMessageToRunName": BOOL,
        "trigger": {},  # shapes checked by shipyard.config.triggers
        "pr": {},
        "schedules": {"type": "array"},
        "resources": {"type": ["object", "array"]},
        "variables": {"type": ["object", "array"], "x-expected": "a mapping or a list"},
        "parameters": {"type": ["array", "object"]},
        "pool": {"type": ["string", "object"]},
        "stages": {"type": "array", "x-expected": "a list of stages"},
        "jobs": {"type": "array", "x-expected": "a list of jobs"},
        "steps": {"type": "array", "x-expected": "a list of steps"},
        "extends": {"type": "object"},
        "lockBehavior": {"type": "string", "enum": ["sequential", "runLatest"]},
        "workspace": {"type": "object"},
        "container": {"type": ["string", "object"]},
        "services": {"type": "object"},
        "timeoutInMinutes": INT,
        "continueOnError": BOOL,
        "strategy": {"type": "object"},
    },
    "additionalProperties": False,
}

RESOURCES_MAP: Schema = {
    "title": "resources section",
    "type": "object",
    "properties": {
        "repositories": {
            "type": "array",
            "items": {
                "title": "repository resource",
                "type": "object",
                "properties": {
                    "repository": STR,
                    "type": STR,
                    "name": STR,
                    "ref": STR,
                    "endpoint": STR,
                    "trigger": {"type": ["string", "array", "object"]},
                },
                "required": ["repository"],
                "additionalProperties": False,
            },
        },
        "pipelines": {"type": "array"},
        "containers": {"type": "array"},
        "builds": {"type": "array"},
        "packages": {"type": "array"},
        "webhooks": {"type": "array"},
    },
    "additionalProperties": False,
}
RESOURCES_LIST_ITEM: Schema = {
    "title": "repository reference",
    "type": "object",
    "properties": {"repo": STR, "clean": BOOL, "fetchDepth": INT, "lfs": BOOL},
    "required": ["repo"],
    "additionalProperties": False,
}
