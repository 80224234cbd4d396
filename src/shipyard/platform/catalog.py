"""The tools Shipyard installs, as a table: name, pinned version, how to get it, how to check it.

Adding a tool is adding one :class:`Tool` row. Four recipes cover everything so far:

- :class:`Apt`: a Debian package. Debian stable only takes security fixes, so the pin is the
  upstream version (``2.8.2``) and the install is verified against it, rather than an exact
  Debian revision that disappears from the mirror with the next security update.
- :class:`GoInstall`: ``go install module/cmd@version`` for modules that install cleanly.
- :class:`KubeBuild`: packages of ``k8s.io/kubernetes`` (or of its module graph, like etcd),
  built in a wrapper module, because that module replaces its staging modules with local paths
  and so cannot be ``go install``-ed (kubernetes/kubernetes#79384).
- :class:`GoSource`: a small Go program that ships inside Shipyard (the real node's pause
  program), built from its directory in this package.

Every Go build runs with GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=mod and lands in
``$XDG_CACHE_HOME/shipyard/tools/NAME/VERSION/``; a later ``up`` finds it there and builds nothing.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Apt:
    package: str
    bindir: str = ""  # where the binaries are when not on PATH (CNI plugins: /usr/lib/cni)


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


@dataclass(frozen=True, slots=True)
class GoSource:
    """A Go main package shipped with Shipyard: ``directory`` is relative to this package."""

    directory: str
    ldflags: str = ""  # ``{version}`` is replaced by the tool's version


Recipe = Apt | GoInstall | KubeBuild | GoSource


@dataclass(frozen=True, slots=True)
class Tool:
    name: str
    version: str
    recipe: Recipe
    binaries: tuple[str, ...]
    probe: tuple[str, ...] = ("--version",)  # run on binaries[0]; output must contain `expect`
    expect: str = ""  # defaults to the version; ANY_OUTPUT accepts any
    default: bool = True  # part of `platform up`; others are installed on request
    # What a cold build took on 2 cores (docs/platform.md, Timings): the basis of the
    # "about N min left" that `up` prints, so a first run is never a silent 20 minutes.
    typical_s: int = 0

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
    # The headless browser the web UI's tests drive (tests/browser); Debian's build, so no
    # browser download at test time. Its --version line names Chromium, not the pin alone.
    Tool("chromium", "156", Apt("chromium"), ("chromium",), expect=ANY_OUTPUT),
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
        typical_s=470,
    ),
    Tool(
        "kubectl",
        KUBE,
        KubeBuild(KUBE, ("k8s.io/kubernetes/cmd/kubectl",)),
        ("kubectl",),
        probe=("version", "--client"),
        expect=f"Client Version: {KUBE}",
        typical_s=31,
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
        typical_s=9,
    ),
    Tool(
        "kwok",
        "v0.8.0",
        GoInstall(("sigs.k8s.io/kwok/cmd/kwok", "sigs.k8s.io/kwok/cmd/kwokctl")),
        ("kwokctl", "kwok"),
        typical_s=92,
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
        typical_s=148,
    ),
    # The real node (``clusters.node_kind = "kubelet"``): `up` installs these only when a
    # cluster gets a real node, so a host that cannot run one never pays for the builds.
    Tool(
        "kubelet",
        KUBE,
        KubeBuild(KUBE, ("k8s.io/kubernetes/cmd/kubelet", "k8s.io/kubernetes/cmd/kube-proxy")),
        ("kubelet", "kube-proxy"),
        expect=f"Kubernetes {KUBE}",
        default=False,
        typical_s=67,
    ),
    Tool(
        "containerd",
        "v2.4.2",
        GoInstall(
            (
                "github.com/containerd/containerd/v2/cmd/containerd",
                "github.com/containerd/containerd/v2/cmd/containerd-shim-runc-v2",
                "github.com/containerd/containerd/v2/cmd/ctr",
            ),
            ldflags="-X github.com/containerd/containerd/v2/version.Version={version}",
            # Snapshotters that need C libraries or kernel features the node never uses.
            tags=("no_btrfs", "no_devmapper", "no_zfs"),
        ),
        ("containerd", "containerd-shim-runc-v2", "ctr"),
        default=False,
        typical_s=94,
    ),
    Tool(
        "coredns",
        "v1.15.0",
        GoInstall(("github.com/coredns/coredns",)),
        ("coredns",),
        probe=("-version",),
        expect="CoreDNS-1.15.0",
        default=False,
        typical_s=142,
    ),
    Tool(
        "crictl",
        "v1.37.0",
        GoInstall(
            ("sigs.k8s.io/cri-tools/cmd/crictl",),
            ldflags="-X sigs.k8s.io/cri-tools/pkg/version.Version={version}",
        ),
        ("crictl",),
        probe=("--version",),
        default=False,
        typical_s=61,
    ),
    Tool(
        "pause",
        "v1.0.0",
        GoSource("node/pause", ldflags="-X main.version={version}"),
        ("pause",),
        probe=("-v",),
        default=False,
        typical_s=10,
    ),
    Tool(
        "cni-plugins",
        "1.1.1",
        Apt("containernetworking-plugins", bindir="/usr/lib/cni"),
        ("bridge", "portmap", "host-local", "loopback"),
        expect="CNI bridge plugin",  # Debian's build reports "version unknown"
        default=False,
    ),
    Tool("iptables", "1.8.9", Apt("iptables"), ("iptables",), default=False),
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
        typical_s=147,
    ),
    # The Temporal CLI, whose `temporal server start-dev` is the embedded Temporal for the
    # distributed executor (started by `platform up` when executor.kind = "temporal");
    # installed by default so that its tests run on a fresh machine. Its version output is
    # "0.0.0-DEV" without release ldflags.
    Tool(
        "temporal",
        "v1.5.1",
        GoInstall(("github.com/temporalio/cli/cmd/temporal",)),
        ("temporal",),
        expect=ANY_OUTPUT,
        typical_s=175,
    ),
    Tool(
        "osv-scanner",
        "v2.5.0",
        GoInstall(("github.com/google/osv-scanner/v2/cmd/osv-scanner",)),
        ("osv-scanner",),
        expect=ANY_OUTPUT,
        default=False,
        typical_s=73,
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
