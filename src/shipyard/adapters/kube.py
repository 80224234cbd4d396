"""The Kubernetes API client: a thin layer over lightkube for what Shipyard's setup needs.

Why lightkube rather than the official client: it is small, typed (mypy sees the models),
synchronous without a thread pool, speaks server-side apply, and builds any object from a
plain dict (``codecs.from_dict``), which lets the platform describe namespaces, roles and
bindings as data. Every call is bound to one kubeconfig file and one context, never to
``~/.kube/config`` implicitly.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx2
from lightkube import ApiError, Client, ConfigError, KubeConfig, codecs
from lightkube.models.authentication_v1 import TokenRequestSpec
from lightkube.models.meta_v1 import ObjectMeta
from lightkube.resources.authentication_v1 import SelfSubjectReview
from lightkube.resources.core_v1 import Namespace, Node, ServiceAccount

from shipyard.domain.diagnostics import EnvironmentProblem

FIELD_MANAGER = "shipyard"


class KubeUnreachable(EnvironmentProblem):
    """The API server did not answer (or the kubeconfig does not lead to one)."""


class KubeRefused(EnvironmentProblem):
    """The API server answered with an error (forbidden, invalid, conflict...)."""

    def __init__(self, message: str, *, code: int, hint: str = "") -> None:
        super().__init__(message, hint=hint)
        self.code = code


@dataclass(frozen=True, slots=True)
class IssuedToken:
    token: str
    expires: datetime | None


@dataclass(frozen=True, slots=True)
class NodeState:
    name: str
    ready: bool


def open_client(kubeconfig: Path, context: str, timeout: float = 15.0) -> Client:
    """A client of one context of one kubeconfig file; never ``~/.kube/config`` implicitly."""
    try:
        config = KubeConfig.from_file(kubeconfig).get(context_name=context)
    except (ConfigError, OSError, KeyError) as exc:
        raise KubeUnreachable(
            f"cannot use context '{context}' of {kubeconfig}: {exc}",
            hint="run `shipyard platform up` to write it again",
        ) from None
    return Client(config, timeout=httpx2.Timeout(timeout), field_manager=FIELD_MANAGER)


@contextlib.contextmanager
def answers(context: str) -> Iterator[None]:
    """API errors and unanswered calls as KubeRefused and KubeUnreachable naming the context."""
    try:
        yield
    except ApiError as exc:
        status = exc.status
        raise KubeRefused(
            f"{context}: {status.message or status.reason} ({status.code})",
            code=int(status.code or 0),
        ) from None
    except httpx2.HTTPError as exc:
        raise KubeUnreachable(
            f"the API server of context '{context}' did not answer: {exc}",
            hint="check `shipyard platform status`",
        ) from None


@dataclass(slots=True)
class KubeApi:
    """One context of one kubeconfig file."""

    kubeconfig: Path
    context: str
    timeout: float = 15.0

    @contextlib.contextmanager
    def _client(self) -> Iterator[Client]:
        client = open_client(self.kubeconfig, self.context, self.timeout)
        with client, answers(self.context):
            yield client

    def ready(self) -> bool:
        """True when the API answers an authenticated read."""
        try:
            with self._client() as client:
                client.get(Namespace, "default")
        except EnvironmentProblem:
            return False
        return True

    def apply(self, manifest: dict[str, Any]) -> None:
        """Server-side apply of one object given as a dict (forcing our field ownership)."""
        obj = codecs.from_dict(manifest)
        with self._client() as client:
            client.apply(obj, force=True)

    def whoami(self) -> str:
        """The user name the API server sees for this context's credentials."""
        with self._client() as client:
            review = client.create(SelfSubjectReview())
        info = review.status.userInfo if review.status else None
        return str(info.username) if info and info.username else ""

    def request_token(self, namespace: str, service_account: str, seconds: int) -> IssuedToken:
        """A token for ``service_account`` through the TokenRequest API."""
        request = ServiceAccount.Token(
            metadata=ObjectMeta(name=service_account, namespace=namespace),
            spec=TokenRequestSpec(audiences=[], expirationSeconds=seconds),
        )
        with self._client() as client:
            issued = client.create(request, service_account, namespace=namespace)
        status = issued.status
        if status is None or not status.token:
            raise KubeRefused(f"{self.context}: TokenRequest returned no token", code=0)
        return IssuedToken(token=str(status.token), expires=status.expirationTimestamp)

    def nodes(self) -> list[NodeState]:
        found: list[NodeState] = []
        with self._client() as client:
            for node in client.list(Node):
                conditions = (node.status.conditions if node.status else None) or []
                ready = any(c.type == "Ready" and c.status == "True" for c in conditions)
                found.append(
                    NodeState(name=str(node.metadata.name if node.metadata else ""), ready=ready)
                )
        return found
