"""Reading an AzureCLI inline script as a list of ``az acr helm push`` commands."""

from __future__ import annotations

import pytest

from shipyard.config.tasks import HelmPush, UnsupportedScript, parse_acr_helm_push
from shipyard.config.tasks.azcli import scan_script


def test_one_push_with_a_trailing_semicolon() -> None:
    script = "az acr helm push $(System.ArtifactsDirectory)/d-$(v).tgz --name $(acr);\n"
    assert parse_acr_helm_push(script) == [
        HelmPush("$(System.ArtifactsDirectory)/d-$(v).tgz", "$(acr)", force=False)
    ]


def test_options_in_any_order_short_names_and_equals() -> None:
    script = """
        # charts of the release
        az acr helm push --force -n shop a.tgz

        az acr helm push --name=shop 'dir with space/b.tgz'   # quoted path
        az acr helm push c.tgz --name shop; az acr helm push d.tgz --name shop --force
    """
    assert parse_acr_helm_push(script) == [
        HelmPush("a.tgz", "shop", force=True),
        HelmPush("dir with space/b.tgz", "shop"),
        HelmPush("c.tgz", "shop"),
        HelmPush("d.tgz", "shop", force=True),
    ]


def test_line_continuations_are_joined_and_counted_from_their_first_line() -> None:
    script = "az acr helm push \\\n  e.tgz \\\n  --name shop\naz acr login\n"
    pushes, problems = scan_script(script)
    assert pushes == [HelmPush("e.tgz", "shop")]
    assert [p.line for p in problems] == [4]


def test_powershell_backtick_continuation() -> None:
    assert parse_acr_helm_push("az acr helm push f.tgz `\n  --name shop") == [
        HelmPush("f.tgz", "shop")
    ]


def test_batch_scripts_may_call_az() -> None:
    assert parse_acr_helm_push("call az acr helm push g.tgz -n shop", batch=True) == [
        HelmPush("g.tgz", "shop")
    ]


@pytest.mark.parametrize(
    ("script", "message"),
    [
        ("az acr helm push --name shop", "az acr helm push names no chart file"),
        ("az acr helm push a.tgz", "az acr helm push needs --name REGISTRY"),
        ("az acr helm push a.tgz --name", "--name needs a registry name"),
        ("az acr helm push a.tgz b.tgz -n s", "az acr helm push takes one chart file, got 2"),
        (
            "az acr helm push a.tgz -n s --password x",
            "option '--password' is not needed: Shipyard logs in to registries",
        ),
        ("az acr helm push a.tgz -n s --suffix x", "option '--suffix' of az acr helm push"),
        ("az acr helm push $HOME/a.tgz -n s", "'$HOME/a.tgz' uses a shell variable"),
        ("az acr helm push a.tgz -n s && echo ok", "shell operator '&&' is not supported"),
        ("az acr helm push 'a.tgz -n s", "cannot split the line: No closing quotation"),
        ("az login --identity", "`az login` is not needed"),
        ("# nothing\n\n", "the script runs no `az acr helm push"),
    ],
)
def test_problems(script: str, message: str) -> None:
    pushes, problems = scan_script(script)
    assert pushes == [] or len(problems) == 1
    assert len(problems) == 1
    assert problems[0].message.startswith(message), problems[0].message


def test_unsupported_script_raises_with_every_problem() -> None:
    with pytest.raises(UnsupportedScript) as caught:
        parse_acr_helm_push("az acr login -n shop\naz acr helm push a.tgz -n shop\necho done")
    error = caught.value
    assert [p.line for p in error.problems] == [1, 3]
    assert error.message.startswith("inline script line 1: `az acr login` is not needed")
    assert error.hint == (
        "an AzureCLI step in Shipyard may only run "
        "`az acr helm push FILE --name REGISTRY [--force]`"
    )
