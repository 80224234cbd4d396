"""Git provider webhooks: who sent a delivery, and which event it describes.

Three providers, each with its own way of proving a delivery is theirs:

- GitHub: ``X-Hub-Signature-256: sha256=HMAC(secret, body)``;
- GitLab: ``X-Gitlab-Token`` equal to the secret;
- Azure Repos service hooks: HTTP Basic credentials, the password being the secret.

:func:`verify` runs on the raw bytes *before* anything parses them (a forged body never
reaches the JSON parser) and compares in constant time. :func:`parse` then turns a verified
body into Shipyard's own events (:class:`Push`, :class:`PullRequest`), or says why the
delivery starts nothing (a ping, a closed pull request, an event kind Shipyard ignores).
Provider data is only ever read as data: branch names and titles become fields of events,
never text of a command.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from shipyard.domain.events import Event, InvalidEvent, PullRequest, Push

PROVIDERS = ("github", "gitlab", "azure")
#: Pushes to Shipyard's own bare repositories: written to the inbox by their post-receive
#: hook, never over HTTP (the filesystem is the proof), so not one of :data:`PROVIDERS`.
LOCAL = "local"

#: The header naming each delivery, so a replay is recognised (GitLab: its event UUID).
DELIVERY_HEADERS = {
    "github": "x-github-delivery",
    "gitlab": "x-gitlab-event-uuid",
    "azure": "x-shipyard-delivery",  # Azure's id is in the body: see delivery_id()
}


@dataclass(frozen=True, slots=True)
class Parsed:
    """What a verified delivery means: an event to plan, or why there is none."""

    event: Event | None
    repository: str
    kind: str  # push, pull_request, ping, ignored
    note: str = ""


def _header(headers: Mapping[str, str], name: str) -> str:
    return next((v for k, v in headers.items() if k.lower() == name), "")


def verify(provider: str, secret: str, body: bytes, headers: Mapping[str, str]) -> bool:
    """True only when the delivery proves it knows ``secret``; an empty secret proves
    nothing (a provider without a configured secret is refused, not trusted)."""
    if not secret:
        return False
    if provider == "github":
        given = _header(headers, "x-hub-signature-256")
        mac = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        return hmac.compare_digest(given.encode(), f"sha256={mac}".encode())
    if provider == "gitlab":
        return hmac.compare_digest(_header(headers, "x-gitlab-token").encode(), secret.encode())
    if provider == "azure":
        auth = _header(headers, "authorization")
        if not auth.lower().startswith("basic "):
            return False
        try:
            _user, _, password = base64.b64decode(auth[6:].strip()).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return False
        return hmac.compare_digest(password.encode(), secret.encode())
    return False


def delivery_id(provider: str, headers: Mapping[str, str], data: Mapping[str, Any]) -> str:
    """The provider's id of this delivery ("" when it sent none)."""
    if provider == "azure":
        return str(data.get("id") or _header(headers, DELIVERY_HEADERS["azure"]))
    return _header(headers, DELIVERY_HEADERS.get(provider, ""))


def event_name(provider: str, headers: Mapping[str, str], data: Mapping[str, Any]) -> str:
    if provider == "github":
        return _header(headers, "x-github-event")
    if provider == "gitlab":
        return str(data.get("object_kind") or _header(headers, "x-gitlab-event"))
    return str(data.get("eventType") or "")


class BadDelivery(ValueError):
    """A verified body that is not what its provider sends for that event."""


def load(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadDelivery(f"the body is not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise BadDelivery("the body is not a JSON object")
    return data


def parse(provider: str, name: str, data: Mapping[str, Any]) -> Parsed:
    try:
        if provider == "github":
            return _github(name, data)
        if provider == "gitlab":
            return _gitlab(name, data)
        if provider == "azure":
            return _azure(name, data)
        if provider == LOCAL:
            return _local(data)
    except (KeyError, TypeError, AttributeError) as exc:
        raise BadDelivery(f"a {provider} {name or 'delivery'} without {exc}") from None
    except InvalidEvent as exc:
        raise BadDelivery(str(exc)) from None
    raise BadDelivery(f"unknown provider {provider!r}")


_PR_ACTIONS = {"opened", "reopened", "synchronize", "ready_for_review", "edited"}


def _github(name: str, d: Mapping[str, Any]) -> Parsed:
    repo = str((d.get("repository") or {}).get("name") or "")
    if name == "ping":
        return Parsed(None, repo, "ping", "GitHub's ping: nothing to run")
    if name == "push":
        return Parsed(Push(d["ref"], d["before"], d["after"]), repo, "push")
    if name == "pull_request":
        action = str(d.get("action") or "")
        if action not in _PR_ACTIONS:
            return Parsed(None, repo, "ignored", f"pull request {action}: nothing to build")
        pr = d["pull_request"]
        event = PullRequest(
            pr["head"]["ref"],
            pr["base"]["ref"],
            pr["head"]["sha"],
            pr["base"]["sha"],
            int(pr["number"]),
            str(pr.get("title") or ""),
            bool(pr.get("draft")),
        )
        return Parsed(event, repo, "pull_request")
    return Parsed(None, repo, "ignored", f"GitHub event {name!r} starts nothing")


def _gitlab(name: str, d: Mapping[str, Any]) -> Parsed:
    repo = str((d.get("project") or {}).get("name") or "")
    if name == "push":
        return Parsed(Push(d["ref"], d["before"], d["after"]), repo, "push")
    if name == "merge_request":
        mr = d["object_attributes"]
        if str(mr.get("action") or "open") not in ("open", "reopen", "update"):
            return Parsed(None, repo, "ignored", f"merge request {mr.get('action')}")
        target_sha = str(mr.get("oldrev") or (mr.get("last_commit") or {}).get("id"))
        event = PullRequest(
            mr["source_branch"],
            mr["target_branch"],
            mr["last_commit"]["id"],
            str(d.get("target_sha") or target_sha),
            int(mr["iid"]),
            str(mr.get("title") or ""),
            bool(mr.get("draft") or mr.get("work_in_progress")),
        )
        return Parsed(event, repo, "pull_request")
    return Parsed(None, repo, "ignored", f"GitLab event {name!r} starts nothing")


def _azure(name: str, d: Mapping[str, Any]) -> Parsed:
    res = d["resource"]
    repo = str((res.get("repository") or {}).get("name") or "")
    if name == "git.push":
        (update,) = res["refUpdates"][:1]
        push = Push(update["name"], update["oldObjectId"], update["newObjectId"])
        return Parsed(push, repo, "push")
    if name in ("git.pullrequest.created", "git.pullrequest.updated"):
        if str(res.get("status") or "active") != "active":
            return Parsed(None, repo, "ignored", f"pull request {res.get('status')}")
        event = PullRequest(
            res["sourceRefName"],
            res["targetRefName"],
            res["lastMergeSourceCommit"]["commitId"],
            res["lastMergeTargetCommit"]["commitId"],
            int(res["pullRequestId"]),
            str(res.get("title") or ""),
            bool(res.get("isDraft")),
        )
        return Parsed(event, repo, "pull_request")
    return Parsed(None, repo, "ignored", f"Azure Repos event {name!r} starts nothing")


def local_push(repository: str, ref: str, before: str, after: str) -> bytes:
    """The body a post-receive hook stores for one updated ref."""
    data = {"repository": repository, "ref": ref, "before": before, "after": after}
    return json.dumps(data, sort_keys=True).encode()


def _local(d: Mapping[str, Any]) -> Parsed:
    repo = str(d["repository"])
    return Parsed(Push(d["ref"], d["before"], d["after"]), repo, "push")
