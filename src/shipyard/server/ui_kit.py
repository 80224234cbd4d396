"""What the UI's page modules share: how a page is rendered, and how a form is read.

The page modules (:mod:`~shipyard.server.ui_pulls`, :mod:`~shipyard.server.ui_releases`)
are given the renderer of :mod:`shipyard.server.ui` rather than importing it, so the one
module that owns the templates and the security headers can add their routes without an
import cycle.

Forms are posted ``application/x-www-form-urlencoded`` and read with the standard library
(no multipart parser is installed, and none is needed for a few short fields); the body is
capped, so a form post cannot make the server hold a large request.
"""

from __future__ import annotations

from typing import Any, Protocol
from urllib.parse import parse_qs

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse

from shipyard.store.access import Principal

MAX_FORM = 16_384


class Render(Protocol):
    def __call__(
        self, name: str, who: Principal | None, status_code: int = 200, **context: Any
    ) -> HTMLResponse: ...


async def form_of(request: Request) -> dict[str, str]:
    """The posted fields, first value of each; a field posted empty is kept as ''."""
    body = (await request.body())[:MAX_FORM].decode(errors="replace")
    return {k: v[0] for k, v in parse_qs(body, keep_blank_values=True).items()}


def back_to(path: str) -> RedirectResponse:
    """After a successful post, a 303 to the page: a reload does not post it again."""
    return RedirectResponse(path, status_code=303)
