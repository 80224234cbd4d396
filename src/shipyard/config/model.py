"""Expanded YAML -> the domain model, with every structural and semantic check.

One walk does both: it dispatches each part on its discriminating key, validates it against
its schema (:mod:`shipyard.config.schema`), then builds the frozen dataclasses of
:mod:`shipyard.domain.pipeline`. Semantic checks that a schema cannot express live here too:
duplicate names, ``dependsOn`` naming nothing, dependency cycles, conditions that do not
parse, unknown tasks and task inputs.
"""

from __future__ import annotations

import re
from typing import Any

from shipyard.config import expressions as ex
from shipyard.config import schema as sch
from shipyard.config.check import check
from shipyard.config.graph import Node, check_dependencies
from shipyard.config.tasks import validate_task_step
from shipyard.config.triggers import parse_ci_trigger, parse_pr_trigger
from shipyard.config.variables import check_runtime_spans, parse_variables
from shipyard.config.yamlsrc import YList, YMap, YStr, loc_of
from shipyard.domain import pools
from shipyard.domain.diagnostics import Diagnostics, Loc, did_you_mean
from shipyard.domain.pipeline import Job, Pipeline, Stage, Step

_DEFAULT_STEP_NAMES = {
    "script": "CmdLine",
    "bash": "Bash",
    "pwsh": "PowerShell",
    "powershell": "PowerShell",
    "checkout": "Checkout",
    "publish": "Publish",
    "download": "Download",
}


def check_condition(text: Any, loc: Loc, diags: Diagnostics, what: str) -> str:
    """Parse a condition now, so that a typo is a validate-time error with its location."""
    if text is None:
        return "succeeded()"
    if isinstance(text, dict | list):
        return "succeeded()"  # the schema reported the wrong type
    cond = str(text).strip()
    try:
        ex.parse(cond)
    except ex.ExpressionError as err:
        diags.add(
            loc_of(text, loc),
            f"{what} condition: {err.message}",
            code="bad-expression",
            snippet=cond,
        )
    return cond


def _misspelt(key: str, meant: str) -> bool:
    return key != meant and did_you_mean(key, (meant,)) != ""


def _text(value: Any) -> str:
    """A scalar as Azure passes it to a step; lists and mappings were reported already."""
    if value is None or isinstance(value, dict | list):
        return ""
    return ex.to_string(value)


def _int(value: Any, default: int) -> int:
    try:
        return int(str(value)) if value is not None else default
    except ValueError:
        return default


def _bool(value: Any, default: bool) -> bool:
    if value is None:
        return default
    return str(value).lower() == "true"


def _pool(value: Any) -> str:
    if isinstance(value, dict):
        return str(value.get("name") or value.get("vmImage") or "local")
    return str(value) if value else "local"


class ModelBuilder:
    def __init__(self, file: str, diags: Diagnostics) -> None:
        self.file = file
        self.diags = diags

    def demands(self, pool: Any, loc: Loc) -> tuple[str, ...]:
        """A pool's ``demands`` (one string or a list), normalised; bad ones are reported."""
        if not isinstance(pool, dict) or pool.get("demands") is None:
            return ()
        raw = pool["demands"]
        where = loc_of(raw, loc)
        items = raw if isinstance(raw, list) else [raw]
        good: list[str] = []
        for item in items:
            try:
                good.extend(pools.normalise([str(item)]))
            except pools.DemandError as err:
                self.diags.add(loc_of(item, where), str(err), code="bad-value")
        return pools.normalise(good)

    # -- steps ---------------------------------------------------------------------------
    def steps(self, items: Any, loc: Loc) -> tuple[Step, ...]:
        if not isinstance(items, list):
            return ()
        out: list[Step] = []
        used: dict[str, int] = {}
        for item in items:
            step = self.step(item, loc_of(item, loc_of(items, loc)), used)
            if step is not None:
                out.append(step)
        return tuple(out)

    def step(self, item: Any, loc: Loc, used: dict[str, int]) -> Step | None:
        if not isinstance(item, YMap):
            self.diags.add(loc, "a step must be a mapping such as '- script: ...'", code="bad-type")
            return None
        kinds = [k for k in item if k in sch.STEPS]
        if not kinds:
            first = next(iter(item), "")
            self.diags.add(
                loc,
                f"a step needs one of: {', '.join(sch.STEP_KEYS)}",
                code="unknown-step",
                hint=did_you_mean(first, sch.STEP_KEYS),
            )
            return None
        if len(kinds) > 1:
            self.diags.add(
                item.key_loc(kinds[1]),
                f"a step has one kind; found both '{kinds[0]}' and '{kinds[1]}'",
                code="bad-step",
            )
            return None
        kind = kinds[0]
        check(item, sch.STEPS[kind], loc, self.diags)
        body = item[kind]
        inputs: dict[str, Any] = {}
        if kind in ("publish", "download"):
            # The shortcuts keep their own keys as inputs of the task they stand for.
            inputs = {k: item[k] for k in ("artifact", "patterns", "path") if k in item}
        if kind == "task":
            # A misspelt 'inptus:' was reported; its inputs are still worth checking.
            key = next((k for k in item if k == "inputs" or _misspelt(k, "inputs")), "inputs")
            raw_inputs = item.get(key)
            validate_task_step(
                str(body),
                loc_of(body, item.key_loc("task")),
                raw_inputs if isinstance(raw_inputs, dict) else None,
                item.key_loc(key) if key in item else loc_of(body, loc),
                self.diags,
            )
            inputs = dict(raw_inputs) if isinstance(raw_inputs, dict) else {}
            for key, value in inputs.items():
                where = raw_inputs.value_loc(key) if isinstance(raw_inputs, YMap) else loc
                check_runtime_spans(_text(value), where, self.diags)
        name = str(item["name"]) if "name" in item else ""
        if name:
            if name.lower() in used:
                self.diags.add(
                    item.key_loc("name"),
                    f"step name '{name}' is used twice in this job",
                    code="duplicate-name",
                )
            used[name.lower()] = 1
        else:
            base = (
                str(body).split("@")[0] if kind == "task" else _DEFAULT_STEP_NAMES.get(kind, kind)
            )
            base = re.sub(r"[^A-Za-z0-9_]", "_", base) or "step"
            n = used.get(base.lower(), 0)
            name = base if n == 0 else f"{base}{n}"
            used[base.lower()] = n + 1
        if kind == "checkout" and str(body) not in ("self", "none"):
            self.diags.add(
                loc_of(body, loc),
                f"checkout of '{body}': only 'self' and 'none' are supported",
                code="bad-value",
            )
        env = item.get("env")
        return Step(
            kind=kind,  # type: ignore[arg-type]
            name=name,
            display_name=str(item.get("displayName") or self._default_display(kind, body)),
            body=str(body),
            inputs=inputs,
            env={str(k): _text(v) for k, v in env.items()} if isinstance(env, dict) else {},
            condition=check_condition(
                item.get("condition"), item.key_loc("condition"), self.diags, "step"
            ),
            continue_on_error=_bool(item.get("continueOnError"), False),
            timeout_minutes=_int(item.get("timeoutInMinutes"), 0),
            enabled=_bool(item.get("enabled"), True),
            working_directory=str(item.get("workingDirectory") or ""),
            loc=loc,
        )

    @staticmethod
    def _default_display(kind: str, body: Any) -> str:
        if kind == "task":
            return str(body)
        first = str(body).strip().splitlines()[0] if str(body).strip() else kind
        return f"{kind.capitalize()}: {first[:60]}" if kind != "checkout" else f"Checkout {body}"

    # -- jobs ----------------------------------------------------------------------------
    def jobs(self, items: Any, loc: Loc) -> tuple[Job, ...]:
        if not isinstance(items, list):
            return ()
        out: list[Job] = []
        nodes: list[Node] = []  # names as written (YStr, with locations) for the checks
        for index, item in enumerate(items):
            job = self.job(item, loc_of(item, loc_of(items, loc)), index)
            if job is not None:
                out.append(job)
                nodes.append((job.name, self._depends(item) or (), job.loc))
        check_dependencies(nodes, "job", self.diags)
        return tuple(out)

    def job(self, item: Any, loc: Loc, index: int) -> Job | None:
        if not isinstance(item, YMap):
            self.diags.add(loc, "a job must be a mapping such as '- job: Build'", code="bad-type")
            return None
        is_deploy = "deployment" in item
        if "job" not in item and not is_deploy:
            self.diags.add(
                loc,
                "a job needs 'job: NAME' or 'deployment: NAME'",
                code="missing-key",
                hint=did_you_mean(next(iter(item), ""), ["job", "deployment"]),
            )
            return None
        check(item, sch.DEPLOYMENT if is_deploy else sch.JOB, loc, self.diags)
        name = str(
            item.get("deployment" if is_deploy else "job")
            or ("Job" if index == 0 else f"Job{index}")
        )
        variables, groups = parse_variables(
            item.get("variables"), item.key_loc("variables"), self.diags
        )
        steps_node: Any = item.get("steps")
        strategy = ""
        environment = ""
        if is_deploy:
            env = item.get("environment")
            environment = str(env.get("name", "")) if isinstance(env, dict) else str(env or "")
            strat = item.get("strategy")
            run_once = strat.get("runOnce") if isinstance(strat, dict) else None
            if isinstance(run_once, dict):
                strategy = "runOnce"
                hooks: list[Any] = []
                for hook in ("preDeploy", "deploy", "routeTraffic", "postRouteTraffic"):
                    part = run_once.get(hook)
                    if isinstance(part, dict) and isinstance(part.get("steps"), list):
                        hooks.extend(part["steps"])
                steps_node = YList(loc, hooks)
        return Job(
            name=name,
            display_name=str(item.get("displayName") or name),
            steps=self.steps(steps_node, loc),
            depends_on=tuple(map(str, self._depends(item) or ())),
            condition=check_condition(
                item.get("condition"), item.key_loc("condition"), self.diags, "job"
            ),
            variables=variables,
            variable_groups=groups,
            timeout_minutes=_int(item.get("timeoutInMinutes"), 60),
            continue_on_error=_bool(item.get("continueOnError"), False),
            pool=_pool(item.get("pool")),
            demands=self.demands(item.get("pool"), item.key_loc("pool")),
            deployment=is_deploy,
            environment=environment,
            strategy=strategy,
            loc=loc,
        )

    @staticmethod
    def _depends(item: YMap) -> tuple[str, ...] | None:
        """The names in ``dependsOn``; None when the key is absent (``[]`` is not absent)."""
        dep = item.get("dependsOn")
        if dep is None:
            return () if "dependsOn" in item else None
        items = dep if isinstance(dep, list) else [dep]
        return tuple(
            d if isinstance(d, YStr) else str(d)
            for d in items
            if d is not None and not isinstance(d, dict | list) and str(d)
        )

    # -- stages ---------------------------------------------------------------------------
    def stages(self, items: Any, loc: Loc) -> tuple[Stage, ...]:
        if not isinstance(items, list):
            return ()
        out: list[Stage] = []
        nodes: list[Node] = []
        for item in items:
            iloc = loc_of(item, loc_of(items, loc))
            if not isinstance(item, YMap):
                self.diags.add(
                    iloc, "a stage must be a mapping such as '- stage: Build'", code="bad-type"
                )
                continue
            if not check(item, sch.STAGE, iloc, self.diags) and "stage" not in item:
                continue
            variables, groups = parse_variables(
                item.get("variables"), item.key_loc("variables"), self.diags
            )
            depends = self._depends(item)
            if depends is None:  # Azure's default: the stage written before this one
                depends = (out[-1].name,) if out else ()
            nodes.append((str(item.get("stage")), depends, iloc))
            out.append(
                Stage(
                    name=str(item.get("stage")),
                    display_name=str(item.get("displayName") or item.get("stage")),
                    jobs=self.jobs(item.get("jobs"), item.key_loc("jobs")),
                    depends_on=tuple(map(str, depends)),
                    condition=check_condition(
                        item.get("condition"), item.key_loc("condition"), self.diags, "stage"
                    ),
                    variables=variables,
                    variable_groups=groups,
                    loc=iloc,
                )
            )
        check_dependencies(nodes, "stage", self.diags)
        return tuple(out)

    # -- root ------------------------------------------------------------------------------
    def pipeline(self, root: YMap, parameters: dict[str, Any]) -> Pipeline:
        where = Loc(self.file, 1, 1)
        check(root, sch.ROOT, where, self.diags)
        shapes = [k for k in ("stages", "jobs", "steps") if k in root]
        if len(shapes) > 1:
            shapes.sort(key=root.key_loc)
            self.diags.add(
                root.key_loc(shapes[1]),
                f"a pipeline has one of 'stages', 'jobs' "
                f"or 'steps'; found both '{shapes[0]}' and '{shapes[1]}'",
                code="bad-shape",
            )
        bodies = ("stages", "jobs", "steps")
        typo = any(did_you_mean(k, bodies) for k in root if k not in sch.ROOT["properties"])
        if not shapes and not typo:  # a misspelt 'stpes' was reported as unknown already
            self.diags.add(
                where, "a pipeline needs 'stages', 'jobs' or 'steps'", code="missing-key"
            )
        if "steps" in root:
            job = Job(
                name="Job",
                display_name="Job",
                steps=self.steps(root["steps"], root.key_loc("steps")),
                pool=_pool(root.get("pool")),
                demands=self.demands(root.get("pool"), root.key_loc("pool")),
                timeout_minutes=_int(root.get("timeoutInMinutes"), 60),
                loc=where,
            )
            stages: tuple[Stage, ...] = (Stage("__default", "__default", (job,), loc=where),)
        elif "jobs" in root:
            stages = (
                Stage(
                    "__default",
                    "__default",
                    self.jobs(root["jobs"], root.key_loc("jobs")),
                    loc=where,
                ),
            )
        else:
            stages = self.stages(root.get("stages"), root.key_loc("stages"))
        variables, groups = parse_variables(
            root.get("variables"), root.key_loc("variables"), self.diags
        )
        self._resources(root.get("resources"), root.key_loc("resources"))
        name_format = root.get("name")
        return Pipeline(
            file=self.file,
            name_format=str(name_format) if name_format is not None else "",
            trigger=parse_ci_trigger(root, self.diags),
            pr=parse_pr_trigger(root, self.diags),
            variables=variables,
            variable_groups=groups,
            parameters=parameters,
            stages=stages,
            pool=_pool(root.get("pool")),
            demands=self.demands(root.get("pool"), root.key_loc("pool")),
        )

    def _resources(self, value: Any, loc: Loc) -> None:
        if value is None:
            return
        if isinstance(value, list):  # the old form: - repo: self
            for item in value:
                check(item, sch.RESOURCES_LIST_ITEM, loc_of(item, loc), self.diags)
                if isinstance(item, dict) and str(item.get("repo", "self")) != "self":
                    self.diags.add(
                        loc_of(item.get("repo"), loc),
                        "only 'repo: self' is supported in the list form of resources",
                        code="bad-value",
                    )
            return
        check(value, sch.RESOURCES_MAP, loc, self.diags)
