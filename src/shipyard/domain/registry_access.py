"""Who may do what in the embedded registry: the namespaces as the registry itself enforces them.

The release flow's promise is that an image reaches ``prod/`` only through promotion, after
its approval. A check in Shipyard's own code would be bypassed by any build step that runs
``buildah push REG/prod/...`` itself, so the registry refuses it: every push needs a token,
and the token server grants each identity only the actions of its role on the repositories
its role covers. Nothing else decides; the token server asks :func:`granted` and signs what
it returns.

Roles:

- ``build``: what CI pushes, staging images and Helm charts (``staging/``, ``helm/``), and
  may delete there (a rebuilt demo version); reads everything;
- ``promotion``: the one identity that writes ``prod/``, reading ``staging/`` to mount blobs;
- ``platform``: the images the platform builds for itself (``base/``, ``node/``);
- anonymous (no credentials): pull only, so a node's container runtime can pull without a
  pull secret. ``registry.anonymous_pull = false`` turns that off.
"""

from __future__ import annotations

from dataclasses import dataclass

PULL = "pull"
PUSH = "push"
DELETE = "delete"
_WRITE = frozenset({PULL, PUSH, DELETE})
_READ = frozenset({PULL})

BUILD = "build"
PROMOTION = "promotion"
PLATFORM = "platform"
ANONYMOUS = "anonymous"
ROLES = (BUILD, PROMOTION, PLATFORM)


@dataclass(frozen=True, slots=True)
class Grant:
    """``actions`` on every repository under ``prefix`` (``""`` = all of them)."""

    prefix: str
    actions: frozenset[str]

    def covers(self, name: str) -> bool:
        return not self.prefix or name.startswith(self.prefix)


_GRANTS: dict[str, tuple[Grant, ...]] = {
    BUILD: (Grant("staging/", _WRITE), Grant("helm/", _WRITE), Grant("", _READ)),
    PROMOTION: (Grant("prod/", _WRITE), Grant("", _READ)),
    PLATFORM: (Grant("base/", _WRITE), Grant("node/", _WRITE), Grant("", _READ)),
    ANONYMOUS: (Grant("", _READ),),
}
_CATALOG_ROLES = frozenset({BUILD, PROMOTION, PLATFORM})


@dataclass(frozen=True, slots=True)
class Scope:
    """One ``type:name:actions`` item of a token request (``repository:staging/x:pull,push``)."""

    type: str
    name: str
    actions: tuple[str, ...]

    @classmethod
    def parse(cls, text: str) -> Scope | None:
        """None for what is not a scope; a repository name may hold ``:`` only before a
        port (``host:5000/x``), so the type is the first field and the actions the last."""
        head, sep, actions = text.rpartition(":")
        kind, sep2, name = head.partition(":")
        if not sep or not sep2 or not kind or not name:
            return None
        return cls(kind, name, tuple(a for a in actions.split(",") if a))

    def as_claim(self, actions: list[str]) -> dict[str, object]:
        return {"type": self.type, "name": self.name, "actions": actions}


def parse_scopes(values: list[str]) -> list[Scope]:
    """Every scope of a token request: ``scope`` may repeat, and one value may hold several
    separated by spaces (both forms are in use by clients)."""
    return [s for v in values for item in v.split() if (s := Scope.parse(item)) is not None]


def granted(role: str, scope: Scope, anonymous_pull: bool = True) -> list[str]:
    """The actions of ``scope`` that ``role`` may perform, in the order asked; an unknown role
    or scope type gets nothing (fail closed)."""
    if role == ANONYMOUS and not anonymous_pull:
        return []
    if scope.type == "registry":
        ok = role in _CATALOG_ROLES and scope.name == "catalog"
        return [a for a in scope.actions if a == "*"] if ok else []
    if scope.type != "repository":
        return []
    allowed: set[str] = set()
    for grant in _GRANTS.get(role, ()):
        if grant.covers(scope.name):
            allowed |= grant.actions
    return [a for a in scope.actions if a in allowed]


def writable(role: str) -> list[str]:
    """The namespaces ``role`` may push to, for messages and ``platform status``."""
    return [g.prefix for g in _GRANTS.get(role, ()) if PUSH in g.actions and g.prefix]
