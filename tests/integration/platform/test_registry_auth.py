"""The registry itself enforces the namespaces: build identities cannot write ``prod/``.

Against the embedded registry with its token service, through the real tools (skopeo) and
the distribution API: the refusal comes from the registry (401/403, "denied"), not from a
check in Shipyard's own code that a build step could go around.
"""

from __future__ import annotations

import subprocess
import uuid

import httpx2
import pytest

from shipyard.adapters.registry import OciRegistry, RegistryDenied
from shipyard.domain.registry_access import PLATFORM, PROMOTION
from shipyard.platform import Platform, registry_auth
from shipyard.platform.images import BASE_IMAGES

pytestmark = [pytest.mark.integration, pytest.mark.platform]
BASE = BASE_IMAGES[0]


def client(platform: Platform, role: str | None = None) -> OciRegistry:
    t = platform.target_as(role) if role else platform.target
    return OciRegistry(
        t.address, secure=t.secure, username=t.username, password=t.password.reveal()
    )


def mount(registry: OciRegistry, dest: str, digest: str) -> int:
    """Ask the registry to mount a blob of the base image into ``dest``: a push."""
    path = f"/v2/{dest}/blobs/uploads/?mount={digest}&from={BASE.repository}"
    scope = f"repository:{dest}:pull,push repository:{BASE.repository}:pull"
    try:
        return registry.send("POST", path, scope).status_code
    except RegistryDenied as exc:
        return 403 if "403" in exc.message else 401


def a_layer(platform: Platform) -> str:
    resp = client(platform).send(
        "GET",
        f"/v2/{BASE.repository}/manifests/{BASE.tag}",
        f"repository:{BASE.repository}:pull",
        {"Accept": "application/vnd.oci.image.manifest.v1+json"},
    )
    return str(resp.json()["layers"][0]["digest"])


def test_nothing_is_served_without_a_token(shipyard_platform: Platform) -> None:
    resp = httpx2.get(f"{shipyard_platform.target.url}/v2/", trust_env=False)
    assert resp.status_code == 401
    assert resp.headers["WWW-Authenticate"].startswith('Bearer realm="http://127.0.0.1:')


def test_a_build_identity_pushing_to_prod_is_refused_by_the_registry(
    shipyard_platform: Platform,
) -> None:
    layer = a_layer(shipyard_platform)
    probe = uuid.uuid4().hex[:8]
    assert mount(client(shipyard_platform), f"prod/authz-{probe}", layer) in (401, 403)
    assert mount(client(shipyard_platform), f"staging/authz-{probe}", layer) == 201
    assert mount(client(shipyard_platform, PROMOTION), f"prod/authz-{probe}", layer) == 201
    assert mount(client(shipyard_platform, PROMOTION), f"staging/other-{probe}", layer) in (
        401,
        403,
    )


def test_skopeo_with_the_build_credentials_cannot_copy_into_prod(
    shipyard_platform: Platform,
) -> None:
    env = shipyard_platform.tool_env()
    reg = shipyard_platform.target.address
    argv = [
        "skopeo",
        "copy",
        "--src-tls-verify=false",
        "--dest-tls-verify=false",
        "--authfile",
        env["REGISTRY_AUTH_FILE"],
        f"docker://{reg}/{BASE.repository}:{BASE.tag}",
        f"docker://{reg}/prod/authz-skopeo:{uuid.uuid4().hex[:8]}",
    ]
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode != 0
    assert "denied" in done.stderr or "unauthorized" in done.stderr, done.stderr


def test_anonymous_clients_may_pull_but_not_push(shipyard_platform: Platform) -> None:
    t = shipyard_platform.target
    anonymous = OciRegistry(t.address, secure=t.secure)
    assert anonymous.has_manifest(BASE.repository, BASE.tag)
    assert mount(anonymous, "staging/anonymous-probe", a_layer(shipyard_platform)) in (401, 403)


def test_a_wrong_password_is_refused_not_downgraded(shipyard_platform: Platform) -> None:
    t = shipyard_platform.target
    wrong = OciRegistry(t.address, secure=t.secure, username=t.username, password="wrong")
    with pytest.raises(RegistryDenied, match=r"token endpoint .* refused us \(401\)"):
        wrong.has_manifest(BASE.repository, BASE.tag)
    user, _ = registry_auth.credentials(shipyard_platform.paths, PLATFORM) or ("", "")
    assert user == "shipyard-platform"
