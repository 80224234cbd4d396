"""Signing in to the web UI with an API token, and out again.

The token a user pastes is checked against the store, then kept in an HttpOnly,
SameSite=Strict cookie: scripts cannot read it, and no other site can make the browser send
it along with a form post, which is what protects the UI's buttons from cross-site requests.
``next`` only ever names a path on this server, so the sign-in page cannot be used to send
someone elsewhere.
"""

from __future__ import annotations

from urllib.parse import parse_qs

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from shipyard.server.auth import COOKIE, Guard, cross_site
from shipyard.server.ui import SECURITY_HEADERS, environment

MAX_FORM = 8192


def safe_next(target: str) -> str:
    return target if target.startswith("/") and not target.startswith("//") else "/"


def add_routes(app: FastAPI, guard: Guard) -> None:
    env = environment()

    def page(next_path: str, problem: str = "", status: int = 200) -> HTMLResponse:
        html = env.get_template("login.html").render(
            title="Sign in", next=safe_next(next_path), problem=problem
        )
        return HTMLResponse(html, status_code=status, headers=SECURITY_HEADERS)

    @app.get("/login", response_class=HTMLResponse, include_in_schema=False)
    def login_form(next: str = "/") -> HTMLResponse:
        return page(next)

    @app.post("/login", include_in_schema=False)
    async def login(request: Request) -> Response:
        if cross_site(request):  # no signing a browser in to someone else's account
            return page("/", "Sign in from this server's own page.", 403)
        body = (await request.body())[:MAX_FORM].decode(errors="replace")
        form = {k: v[0] for k, v in parse_qs(body).items()}
        token = form.get("token", "").strip()
        next_path = safe_next(form.get("next", "/"))
        who = await run_in_threadpool(guard.access.authenticate, token) if token else None
        if who is None:
            return page(next_path, "That token is unknown or revoked.", 401)
        done = RedirectResponse(next_path, status_code=303)
        done.set_cookie(COOKIE, token, httponly=True, samesite="strict", path="/")
        return done

    @app.post("/logout", include_in_schema=False)
    def logout() -> Response:
        done = RedirectResponse("/login", status_code=303)
        done.delete_cookie(COOKIE, path="/")
        return done
