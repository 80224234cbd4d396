"""Who may push where: the grants the token service signs."""

from __future__ import annotations

import pytest

from shipyard.domain.registry_access import (
    ANONYMOUS,
    BUILD,
    PLATFORM,
    PROMOTION,
    Scope,
    granted,
    parse_scopes,
    writable,
)


def scope(text: str) -> Scope:
    found = Scope.parse(text)
    assert found is not None
    return found


@pytest.mark.parametrize(
    ("role", "repo", "actions"),
    [
        (BUILD, "staging/delivery", ["pull", "push"]),
        (BUILD, "helm/delivery", ["pull", "push"]),
        (BUILD, "prod/delivery", ["pull"]),
        (BUILD, "base/python", ["pull"]),
        (PROMOTION, "prod/delivery", ["pull", "push"]),
        (PROMOTION, "staging/delivery", ["pull"]),
        (PLATFORM, "node/pause", ["pull", "push"]),
        (PLATFORM, "prod/delivery", ["pull"]),
        (ANONYMOUS, "prod/delivery", ["pull"]),
        (ANONYMOUS, "staging/delivery", ["pull"]),
        ("someone-else", "staging/delivery", []),
    ],
)
def test_each_role_pushes_only_to_its_namespaces(role: str, repo: str, actions: list[str]) -> None:
    assert granted(role, scope(f"repository:{repo}:pull,push")) == actions


def test_a_prefix_is_a_namespace_not_a_string_start() -> None:
    # "prod-like/x" is not under prod/, and "prod" alone is no repository of prod/
    assert granted(PROMOTION, scope("repository:prodx/app:push")) == []
    assert granted(BUILD, scope("repository:stagingx/app:push")) == []


def test_anonymous_pull_can_be_turned_off() -> None:
    assert granted(ANONYMOUS, scope("repository:prod/app:pull"), anonymous_pull=False) == []


def test_the_catalog_is_for_identities_only() -> None:
    assert granted(BUILD, scope("registry:catalog:*")) == ["*"]
    assert granted(ANONYMOUS, scope("registry:catalog:*")) == []


def test_unknown_scope_types_get_nothing() -> None:
    assert granted(BUILD, scope("plugin:staging/x:push")) == []


def test_scopes_repeat_and_share_one_value() -> None:
    found = parse_scopes(
        ["repository:prod/a:pull,push repository:staging/a:pull", "repository:x:5000/y:pull"]
    )
    assert [(s.name, s.actions) for s in found] == [
        ("prod/a", ("pull", "push")),
        ("staging/a", ("pull",)),
        ("x:5000/y", ("pull",)),
    ]
    assert parse_scopes(["nonsense", ""]) == []


def test_writable_namespaces_are_named() -> None:
    assert writable(BUILD) == ["staging/", "helm/"]
    assert writable(PROMOTION) == ["prod/"]
