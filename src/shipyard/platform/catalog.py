"""The tools Shipyard installs, as a table: name, pinned version, how to get it, how to check it.

Adding a tool is adding one :class:`Tool` row. Three recipes cover everything so far:

- :class:`Apt`: a Debian package. Debian stable only takes security fixes, so the pin is the
  upstream version (``2.8.2``) and the install is verified against it, rather than an exact
  Debian revision that disappears from the mirror with the next security update.
- :class:`GoInstall`: ``go install module/cmd@version`` for modules that install cleanly.
- :class:`KubeBuild`: packages of ``k8s.io/kubernetes`` (or of its module graph, like etcd),
  built in a wrapper module, because that module replaces its staging modules with local paths
  and so cannot be ``go install``-ed (kubernetes/kubernetes#79384).

Every Go build runs with GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=mod and lands in
``$XDG_CACHE_HOME/shipyard/tools/NAME/VERSION/``; a later ``up`` finds it there and builds nothing.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Apt:
    package: str


@dataclass(frozen=True, slots=True)
class GoInstall:
    packages: tuple[str, ...]
    ldflags: str = ""  # ``{version}`` is replaced by the tool's version
    tags: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class KubeBuild:
    """Packages built inside the wrapper module of Kubernetes ``kube_version``.

    ``module`` set: a module of the wrapper's graph (``go.etcd.io/etcd/server/v3``), fetched at the
    tool's version, which must be the one that Kubernetes itself requires.
    """

    kube_version: str
    packages: tuple[str, ...]
    module: str = ""
    version_ldflags: bool = True


Recipe = Apt | GoInstall | KubeBuild


@dataclass(frozen=True, slots=True)
class Tool:
    name: str
    version: str
    recipe: Recipe
    binaries: tuple[str, ...]
    probe: tuple[str, ...] = ("--version",)  # run on binaries[0]; output must contain `expect`
    expect: str = ""  # defaults to the version; ANY_OUTPUT accepts any
    default: bool = True  # part of `platform up`; others are installed on request

    @property
    def expected(self) -> str:
        return self.expect or self.version

    @property
    def is_apt(self) -> bool:
        return isinstance(self.recipe, Apt)


KUBE = "v1.37.2"
ANY_OUTPUT = "*"  # `expect` value: the probe must succeed, its output is not checked

TOOLS: tuple[Tool, ...] = (
    Tool("docker-registry", "2.8.2", Apt("docker-registry"), ("docker-registry",)),
    Tool("buildah", "1.28.2", Apt("buildah"), ("buildah",)),
    Tool("podman", "4.3.1", Apt("podman"), ("podman",)),
    Tool("skopeo", "1.9.3", Apt("skopeo"), ("skopeo",)),
    Tool("runc", "1.1.5", Apt("runc"), ("runc",)),
    Tool("debootstrap", "1.0.128", Apt("debootstrap"), ("debootstrap",)),
    Tool("jq", "1.6", Apt("jq"), ("jq",)),
    Tool(
        "kubernetes",
        KUBE,
        KubeBuild(
            KUBE,
            (
                "k8s.io/kubernetes/cmd/kube-apiserver",
                "k8s.io/kubernetes/cmd/kube-controller-manager",
                "k8s.io/kubernetes/cmd/kube-scheduler",
            ),
        ),
        ("kube-apiserver", "kube-controller-manager", "kube-scheduler"),
        expect=f"Kubernetes {KUBE}",
    ),
    Tool(
        "kubectl",
        KUBE,
        KubeBuild(KUBE, ("k8s.io/kubernetes/cmd/kubectl",)),
        ("kubectl",),
        probe=("version", "--client"),
        expect=f"Client Version: {KUBE}",
    ),
    Tool(
        "etcd",
        "v3.7.0",
        KubeBuild(
            KUBE,
            ("go.etcd.io/etcd/server/v3",),
            module="go.etcd.io/etcd/server/v3",
            version_ldflags=False,
        ),
        ("etcd",),
        expect="etcd Version: 3.7.0",
    ),
    Tool(
        "kwok",
        "v0.8.0",
        GoInstall(("sigs.k8s.io/kwok/cmd/kwok", "sigs.k8s.io/kwok/cmd/kwokctl")),
        ("kwokctl", "kwok"),
    ),
    Tool(
        "helm",
        "v4.3.1",
        GoInstall(
            ("helm.sh/helm/v4/cmd/helm",),
            ldflags="-X helm.sh/helm/v4/internal/version.version={version}",
        ),
        ("helm",),
        probe=("version", "--short"),
    ),
    # Installed on request (`shipyard platform install NAME`), for the features that use them.
    # Their version output depends on release-time ldflags, so the probe only checks that the
    # binary runs; the cache directory still pins the version.
    Tool(
        "syft",
        "v1.57.1",
        GoInstall(("github.com/anchore/syft/cmd/syft",)),
        ("syft",),
        probe=("version",),
        expect=ANY_OUTPUT,
        default=False,
    ),
    Tool(
        "osv-scanner",
        "v2.5.0",
        GoInstall(("github.com/google/osv-scanner/v2/cmd/osv-scanner",)),
        ("osv-scanner",),
        expect=ANY_OUTPUT,
        default=False,
    ),
)


def tool(name: str) -> Tool:
    for entry in TOOLS:
        if entry.name == name:
            return entry
    raise KeyError(name)


def owner_of(binary: str) -> Tool:
    """The catalog row that provides ``binary``."""
    for entry in TOOLS:
        if binary in entry.binaries:
            return entry
    raise KeyError(binary)


def default_tools() -> tuple[Tool, ...]:
    return tuple(t for t in TOOLS if t.default)
