"""``shipyard expr``: evaluate one expression, the way a runtime condition would.

It exists so that a pipeline author can try a condition or a ``$[ ]`` value before pushing
it: the answer comes with its type, because most surprises in Azure expressions are type
conversions (``eq(variables.count, 1)`` compares strings!). An invalid expression is shown
with a caret under the offending spot.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

import typer
from rich.markup import escape

from shipyard.cli.errors import guarded
from shipyard.cli.output import OutputFormat, console, emit_json
from shipyard.config import expressions as ex
from shipyard.domain.diagnostics import Diagnostics, ExitCode

_STATUSES = (*ex.JOB_RESULTS, "Unknown")

_HELP = (
    "Evaluate an Azure Pipelines expression and print its value and type.\n\n"
    "The expression is evaluated as a runtime condition would be: status functions such as "
    "succeeded() see 'every previous step and dependency succeeded' unless --status or --dep "
    "says otherwise. Variables are strings, looked up ignoring case; parameters are typed "
    "(VALUE is read as YAML, so 3 is a number and \\[a, b] an array).\n\n"
    "Exit codes: 0 evaluated, 2 bad option, 3 invalid expression (shown with a caret under "
    "the offending spot)."
)

# Rich markup: a literal '[' must be written '\['.
_EPILOG = "\n".join(
    [
        "Examples:",
        "",
        "  shipyard expr \"eq(variables\\['Build.SourceBranch'], 'refs/heads/main')\" "
        "--var Build.SourceBranch=refs/heads/main",
        "  shipyard expr \"and(succeeded(), ne(variables.reason, 'PullRequest'))\" --status Failed",
        "  shipyard expr \"succeeded('Build')\" --dep Build=SucceededWithIssues",
        "  shipyard expr \"format('{0}-{1}', parameters.env, 1.50)\" --param env=prod",
        "  shipyard expr \"containsValue(parameters.regions, 'eu')\" --param 'regions=\\[us, eu]'",
        "  shipyard expr \"eq(variables.tag, 'v1')\" --unknown tag    (set at run time: unknown)",
        "  shipyard expr \"gt(1.10.0, '1.9')\" --output json",
        "  shipyard expr -1.2    (a negative number: no -- needed)",
    ]
)


def _pairs(items: list[str], option: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise typer.BadParameter(f"expected NAME=VALUE, got {item!r}", param_hint=option)
        out.append((name.strip(), value))
    return out


def _yaml_value(text: str, name: str) -> Any:
    from shipyard.config.yamlsrc import load_text  # only for --param: keeps start-up short

    diags = Diagnostics()
    loaded = load_text(text, f"--param {name}", diags)
    if diags or loaded is None:
        return text  # not valid YAML: take the text as written
    return loaded.root


def _status_result(value: str, option: str) -> ex.JobResult | ex.Unknown:
    for known in _STATUSES:
        if known.lower() == value.lower():
            if known == "Unknown":
                return ex.UNKNOWN
            return known  # type: ignore[return-value]  # one of JOB_RESULTS
    raise typer.BadParameter(f"expected one of {', '.join(_STATUSES)}", param_hint=option)


def build_context(
    variables: list[str],
    parameters: list[str],
    deps: list[str],
    unknown: list[str],
    status: str | None,
    mode: str,
) -> ex.EvalContext:
    """The evaluation context the command line describes (raises BadParameter)."""
    var_values: dict[str, str | ex.Unknown] = dict(_pairs(variables, "--var"))
    for name in unknown:
        var_values[name] = ex.UNKNOWN
    params = {name: _yaml_value(value, name) for name, value in _pairs(parameters, "--param")}
    results = {name: _status_result(value, "--dep") for name, value in _pairs(deps, "--dep")}
    result: ex.JobResult | ex.Unknown | None
    if status is not None:
        result = _status_result(status, "--status")
    else:
        result = None if results else "Succeeded"
    canceled: bool | ex.Unknown = result is ex.UNKNOWN or result == "Canceled"
    if result is ex.UNKNOWN:
        canceled = ex.UNKNOWN
    if mode not in ("runtime", "template"):
        raise typer.BadParameter("expected runtime or template", param_hint="--mode")
    return ex.EvalContext(
        variables=var_values,
        parameters=params,
        dependencies={name: {"result": r, "outputs": {}} for name, r in results.items()},
        status=ex.StatusContext(result=result, dependencies=results, canceled=canceled),
        counters=ex.Counters(),
        mode="template" if mode == "template" else "runtime",
    )


def jsonable(value: Any) -> Any:
    """The value as JSON data: versions and dates as strings, whole numbers as integers."""
    if value is ex.UNKNOWN or value is None or isinstance(value, bool | str):
        return None if value is ex.UNKNOWN else value
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return ex.to_string(value)
        return int(value) if value.is_integer() else value
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [jsonable(v) for v in value]
    return ex.to_string(value)


def render(value: Any) -> str:
    """The value as a person reads it: strings quoted the expression way, so '' shows."""
    if value is ex.UNKNOWN:
        return "unknown (only the run can tell)"
    if value is None:
        return "null"
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    if isinstance(value, list | dict):
        return json.dumps(jsonable(value), indent=2, ensure_ascii=False)
    return ex.to_string(value)


def caret(text: str, offset: int, width: int = 100) -> tuple[str, str]:
    """A one-line excerpt of ``text`` around ``offset`` and the caret line under it."""
    flat = "".join(" " if ch in "\r\n\t" else ch for ch in text)
    start = max(0, min(offset - width // 2, len(flat) - width))
    excerpt = flat[start : start + width]
    pad = offset - start
    prefix = "..." if start > 0 else ""
    suffix = "..." if start + width < len(flat) else ""
    return prefix + excerpt + suffix, " " * (len(prefix) + pad) + "^"


def _report_invalid(expression: str, err: ex.ExpressionError, as_json: bool) -> None:
    if as_json:
        emit_json(
            {
                "error": err.message,
                "exit_code": int(ExitCode.INVALID),
                "offset": err.offset,
                "expected": err.expected,
                "expression": expression,
            }
        )
        return
    err_out = console(stderr=True)
    err_out.print(f"[bold red]error:[/] {escape(err.message)}")
    if err.offset is not None:
        line, mark = caret(expression, err.offset)
        err_out.print(f"  {escape(line)}\n  [bold red]{mark}[/]")
    if err.hint:
        err_out.print(f"[dim]hint:[/] {escape(err.hint)}")


def register(app: typer.Typer) -> None:
    @app.command(
        "expr",
        help=_HELP,
        epilog=_EPILOG,
        # `shipyard expr -1.2`: a negative number is the expression, not an option.
        context_settings={"ignore_unknown_options": True},
    )
    def expr_cmd(
        expression: str = typer.Argument(
            ..., metavar="EXPRESSION", help="The expression, without ${{ }} or $[ ]."
        ),
        var: list[str] = typer.Option(
            [], "--var", metavar="NAME=VALUE", help="A variable (a string). Repeatable."
        ),
        param: list[str] = typer.Option(
            [], "--param", metavar="NAME=VALUE", help="A parameter; VALUE is YAML. Repeatable."
        ),
        dep: list[str] = typer.Option(
            [],
            "--dep",
            metavar="NAME=RESULT",
            help="A dependency and its result, for succeeded('NAME') and "
            "dependencies.NAME.result. Repeatable.",
        ),
        unknown: list[str] = typer.Option(
            [],
            "--unknown",
            metavar="NAME",
            help="A variable only known at run time (to see what a plan would say).",
        ),
        status: str | None = typer.Option(
            None,
            "--status",
            metavar="RESULT",
            help="What status functions see so far: " + ", ".join(_STATUSES) + ". "
            "Default: Succeeded (or the --dep results).",
        ),
        mode: str = typer.Option(
            "runtime",
            "--mode",
            metavar="MODE",
            help="runtime ($[ ] and conditions) or template (${{ }}: no status functions).",
        ),
        output: OutputFormat = typer.Option(
            OutputFormat.text, "--output", "-o", help="text or json"
        ),
    ) -> None:
        as_json = output is OutputFormat.json
        if expression.startswith("--") and expression != "--":
            # What ignore_unknown_options let through is a mistyped option, not an expression.
            raise typer.BadParameter(
                f"no such option {expression!r} (an expression that starts with '--' goes "
                "after a '--' of its own: shipyard expr -- EXPRESSION)",
                param_hint="EXPRESSION",
            )
        ctx = build_context(var, param, dep, unknown, status, mode)

        def body() -> None:
            try:
                value = ex.evaluate_text(expression, ctx)
            except ex.ExpressionError as err:
                _report_invalid(expression, err, as_json)
                raise SystemExit(int(ExitCode.INVALID)) from None
            if as_json:
                emit_json({"value": jsonable(value), "type": ex.type_name(value)})
            else:
                console().print(f"{escape(render(value))} [dim]({ex.type_name(value)})[/]")

        guarded(body, as_json)
