"""A client of a running ``shipyard serve``: the CLI verbs that act as a user of the server
(``shipyard pr``) go through its API, so they obey the same roles and policies as the UI.

The token comes from ``--token`` or ``$SHIPYARD_TOKEN``, the address from ``--server`` or
``$SHIPYARD_SERVER`` (default http://127.0.0.1:8470). Errors come back as the server's own
sentence (``detail``), with the HTTP status, never as a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx2

from shipyard.domain.diagnostics import ExitCode, ShipyardError


class ServerRefused(ShipyardError):
    exit_code = ExitCode.USAGE


@dataclass(frozen=True, slots=True)
class ServerClient:
    url: str
    token: str
    timeout: float = 60.0

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        try:
            answer = httpx2.request(
                method, self.url.rstrip("/") + path, json=body, headers=headers,
                timeout=self.timeout,
            )  # fmt: skip
        except httpx2.HTTPError as exc:
            raise ServerRefused(
                f"cannot reach the Shipyard server at {self.url}: {exc}",
                hint="start it with `shipyard serve`, or pass --server URL",
            ) from None
        try:
            data = answer.json()
        except ValueError:
            data = {"detail": answer.text[:500]}
        if answer.status_code >= 400:
            detail = data.get("detail") if isinstance(data, dict) else data
            hint = "pass --token or set SHIPYARD_TOKEN" if answer.status_code == 401 else ""
            raise ServerRefused(f"{answer.status_code}: {detail}", hint=hint)
        return data
