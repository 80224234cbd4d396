"""Authentication and authorization of every route but the webhooks and the health check.

A request carries an API token (``Authorization: Bearer shy_...``, or the ``shipyard_token``
cookie that the web UI's sign-in sets, HttpOnly and SameSite=Strict); the store answers who
it belongs to and their role. No token or an unknown one is 401, a role below the route's
permission is 403 with what it needs. Each route declares its one permission through
:meth:`Guard.need`, which tags the dependency, so the role matrix test can read every route's
permission from the app itself and fail on a route that declares none.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from fastapi import HTTPException, Request
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool

from shipyard.domain.access import Permission, allows, refusal
from shipyard.store.access import Access, Principal

COOKIE = "shipyard_token"
PERMISSION_ATTR = "shipyard_permission"
#: Routes that prove the caller another way (webhooks: the provider's signature) or are
#: public by design (liveness, the OpenAPI document and its page, the sign-in page).
PUBLIC = frozenset(
    {
        "/api/health",
        "/hooks/{provider}",
        "/api/openapi.json",
        "/api/docs",
        "/api/docs/oauth2-redirect",
        "/login",
        "/logout",
        "/static/{path:path}",
    }
)


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def cross_site(request: Request) -> bool:
    """A browser's state-changing request sent from another origin (another port or a
    sibling host, which SameSite does not tell apart). Browsers always say where a form post
    comes from (``Sec-Fetch-Site``, ``Origin``); scripts and CLIs send neither."""
    fetch_site = request.headers.get("sec-fetch-site", "")
    if fetch_site and fetch_site not in ("same-origin", "none"):
        return True
    origin = request.headers.get("origin", "")
    if origin and origin != "null":
        host = request.headers.get("host", "")
        return origin.split("://", 1)[-1] != host
    return origin == "null"


def token_of(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return request.cookies.get(COOKIE, "")


class Guard:
    def __init__(self, access: Access) -> None:
        self.access = access

    async def principal(self, request: Request) -> Principal | None:
        token = token_of(request)
        if not token:
            return None
        found: Principal | None = await run_in_threadpool(self.access.authenticate, token)
        return found

    def need(self, permission: Permission, page: bool = False) -> Callable[..., Any]:
        """The dependency of a route that needs ``permission``; a ``page`` sends a browser
        without a valid token to the sign-in page instead of answering 401."""

        async def dependency(request: Request) -> Principal:
            from_cookie = not request.headers.get("authorization") and COOKIE in request.cookies
            if from_cookie and request.method not in SAFE_METHODS and cross_site(request):
                raise HTTPException(403, "a cross-site request: sign in on this server's pages")
            who = await self.principal(request)
            if who is None and page:
                target = quote(
                    request.url.path + (f"?{request.url.query}" if request.url.query else "")
                )
                raise HTTPException(
                    303, "sign in first", headers={"Location": f"/login?next={target}"}
                )
            if who is None:
                why = "is unknown or revoked" if token_of(request) else "is missing"
                raise HTTPException(
                    401,
                    f"the API token {why}: send Authorization: Bearer TOKEN "
                    "(make one with `shipyard token create`)",
                    headers={"WWW-Authenticate": "Bearer"},
                )
            if not allows(who.role, permission):
                raise HTTPException(403, refusal(who.user, who.role, permission))
            return who

        setattr(dependency, PERMISSION_ATTR, permission)
        return dependency


def permission_of(route: APIRoute) -> Permission | None:
    """The permission a route declared through :meth:`Guard.need` (None: it declared none)."""
    for dep in route.dependant.dependencies:
        found = getattr(dep.call, PERMISSION_ATTR, None)
        if isinstance(found, Permission):
            return found
    return None
