"""Building tools from Go modules: ``go install`` and the Kubernetes wrapper module.

No package registry ships kube-apiserver, but the Go module proxy serves every module of
Kubernetes, etcd, kwok and Helm, so Shipyard builds them with the local Go toolchain:
GOTOOLCHAIN=local (never download another toolchain), CGO_ENABLED=0 (static binaries, no C
compiler needed), GOFLAGS=-mod=mod. Go's own module and build caches (``~/go/pkg/mod``,
``~/.cache/go-build``) are left where Go keeps them, so a rebuild after a cache wipe of ours
is mostly a link.

``k8s.io/kubernetes`` cannot be ``go install``-ed: its go.mod replaces the ``k8s.io/*`` staging
modules with ``./staging/...`` paths (kubernetes/kubernetes#79384). The wrapper module requires
it and replaces each staging module with its published twin (``v0.37.2`` for ``v1.37.2``). The
version ldflags matter: kwokctl reads ``kube-apiserver --version`` to choose flags.

Each build writes into a temporary directory that is renamed into place only after the
binaries answer their version probe, so an interrupted build never looks finished.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
from datetime import UTC, datetime
from pathlib import Path

from shipyard.adapters.process import CommandFailed
from shipyard.platform.catalog import GoInstall, GoSource, KubeBuild, Tool
from shipyard.platform.deps import Runner
from shipyard.platform.errors import BuildFailed
from shipyard.platform.paths import PlatformPaths

GO_ENV = {"GOTOOLCHAIN": "local", "CGO_ENABLED": "0", "GOFLAGS": "-mod=mod"}
MANIFEST = ".shipyard-tool.json"
_WRAPPER_MARK = ".shipyard-wrapper"


def staging_version(kube_version: str) -> str:
    """``v1.37.2`` -> ``v0.37.2``: the published versions of the staging modules."""
    major, minor, patch = kube_version.lstrip("v").split(".")
    if major != "1":
        raise ValueError(f"unexpected Kubernetes version {kube_version}")
    return f"v0.{minor}.{patch}"


def kube_ldflags(kube_version: str, build_date: str) -> str:
    major, minor, _ = kube_version.lstrip("v").split(".")
    flags = ["-s", "-w"]
    for pkg in ("k8s.io/component-base/version", "k8s.io/client-go/pkg/version"):
        for key, value in (
            ("gitVersion", kube_version),
            ("gitMajor", major),
            ("gitMinor", minor),
            ("gitTreeState", "clean"),
            ("buildDate", build_date),
        ):
            flags.append(f"-X {pkg}.{key}={value}")
    return " ".join(flags)


class GoBuilder:
    """Runs the Go commands of one tool, logging everything to ``log``."""

    def __init__(self, run: Runner, paths: PlatformPaths, log: Path, go: str = "go") -> None:
        self.run = run
        self.paths = paths
        self.log = log
        self.go = go

    def _go(self, tool: Tool, argv: list[str], cwd: Path, extra: dict[str, str]) -> str:
        argv = [self.go, *argv[1:]] if argv[0] == "go" else argv
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with self.log.open("a") as fh:
            fh.write(f"$ (cd {cwd} && {shlex.join(argv)})\n")
        try:
            done = self.run(argv, cwd=cwd, extra_env={**GO_ENV, **extra}, timeout=3600)
        except CommandFailed as exc:
            with self.log.open("a") as fh:
                fh.write(exc.stdout + exc.stderr)
            raise BuildFailed(
                f"{tool.name} {tool.version}",
                f"`{shlex.join(argv)}` failed (exit {exc.returncode}):\n  "
                + "\n  ".join((exc.stderr or exc.stdout).strip().splitlines()[-8:]),
                hint=f"full log: {self.log}; the Go module proxy must be reachable "
                "(GOPROXY) and Go must be at least the version the module asks for",
                retry=f"shipyard platform install {tool.name}",
            ) from None
        with self.log.open("a") as fh:
            fh.write(done.stdout + done.stderr)
        return done.stdout

    def go_version(self, tool: Tool) -> str:
        return self._go(tool, ["go", "env", "GOVERSION"], Path.cwd(), {}).strip()

    def build(self, tool: Tool, out: Path) -> None:
        """Build ``tool`` into directory ``out`` (created)."""
        out.mkdir(parents=True, exist_ok=True)
        recipe = tool.recipe
        if isinstance(recipe, GoInstall):
            self._install(tool, recipe, out)
        elif isinstance(recipe, KubeBuild):
            self._kube(tool, recipe, out)
        elif isinstance(recipe, GoSource):
            self._source(tool, recipe, out)
        else:  # pragma: no cover - the installer routes apt tools elsewhere
            raise TypeError(f"{tool.name} is not a Go tool")

    def _install(self, tool: Tool, recipe: GoInstall, out: Path) -> None:
        ldflags = " ".join(["-s", "-w", recipe.ldflags.format(version=tool.version)]).strip()
        argv = ["go", "install", "-trimpath", "-ldflags", ldflags]
        if recipe.tags:
            argv += ["-tags", ",".join(recipe.tags)]
        argv += [f"{pkg}@{tool.version}" for pkg in recipe.packages]
        self._go(tool, argv, self.paths.cache, {"GOBIN": str(out)})

    def _source(self, tool: Tool, recipe: GoSource, out: Path) -> None:
        """Copy the program's files out of the package (which may be read-only) and build."""
        src = Path(__file__).parent / recipe.directory
        work = self.paths.builds / f"{tool.name}-{tool.version}"
        shutil.rmtree(work, ignore_errors=True)
        work.mkdir(parents=True)
        for item in src.iterdir():
            if item.suffix == ".go" or item.name == "go.mod":
                shutil.copyfile(item, work / item.name)
        ldflags = " ".join(["-s", "-w", recipe.ldflags.format(version=tool.version)]).strip()
        argv = ["go", "build", "-trimpath", "-ldflags", ldflags]
        self._go(tool, [*argv, "-o", str(out / tool.binaries[0]), "."], work, {})

    def wrapper(self, tool: Tool, kube_version: str) -> Path:
        """The wrapper module for ``kube_version`` (created once, then reused)."""
        wdir = self.paths.builds / f"kubernetes-{kube_version}"
        if (wdir / _WRAPPER_MARK).is_file() and (wdir / "go.mod").is_file():
            return wdir
        wdir.mkdir(parents=True, exist_ok=True)
        for name in ("go.mod", "go.sum"):
            (wdir / name).unlink(missing_ok=True)
        self._go(tool, ["go", "mod", "init", "local/shipyard-k8sbuild"], wdir, {})
        info = json.loads(
            self._go(
                tool,
                ["go", "mod", "download", "-json", f"k8s.io/kubernetes@{kube_version}"],
                wdir,
                {},
            )
        )
        staged = staging_modules(Path(info["GoMod"]).read_text())
        stage_v = staging_version(kube_version)
        edit = ["go", "mod", "edit", f"-require=k8s.io/kubernetes@{kube_version}"]
        edit += [f"-replace={mod}={mod}@{stage_v}" for mod in staged]
        self._go(tool, edit, wdir, {})
        with (wdir / "go.mod").open("a") as fh:
            # The GODEBUG defaults of the Go release Kubernetes was built and tested with.
            fh.write(f"\ngodebug default={godebug_default(info['GoMod'])}\n")
        (wdir / _WRAPPER_MARK).write_text(kube_version + "\n")
        return wdir

    def _kube(self, tool: Tool, recipe: KubeBuild, out: Path) -> None:
        wdir = self.wrapper(tool, recipe.kube_version)
        if recipe.module:
            wanted = [f"{recipe.module}@{tool.version}"]
        else:
            wanted = [f"{pkg}@{recipe.kube_version}" for pkg in recipe.packages]
        self._go(tool, ["go", "get", *wanted], wdir, {})
        argv = ["go", "build", "-trimpath"]
        if recipe.version_ldflags:
            date = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
            argv += ["-tags", "selinux,notest", "-ldflags", kube_ldflags(recipe.kube_version, date)]
        else:
            argv += ["-ldflags", "-s -w"]
        # One package: name the file (a path ending in /v3 would otherwise be called "v3").
        target = out / tool.binaries[0] if len(recipe.packages) == 1 else out
        argv += ["-o", f"{target}{os.sep if target == out else ''}", *recipe.packages]
        self._go(tool, argv, wdir, {})


def staging_modules(gomod: str) -> list[str]:
    """Module paths that a go.mod replaces with ``./staging/...`` directories."""
    mods: list[str] = []
    for line in gomod.splitlines():
        parts = line.replace("replace ", "", 1).split()
        if len(parts) >= 3 and parts[1] == "=>" and parts[2].startswith("./staging/"):
            mods.append(parts[0])
    return mods


def godebug_default(gomod_path: str) -> str:
    """Kubernetes' own ``godebug default=`` (a dependency's godebug lines do not apply to the
    main module, so the wrapper repeats it), else the ``go`` line's release."""
    lines = Path(gomod_path).read_text().splitlines()
    for line in lines:
        if line.startswith("godebug default="):
            return line.split("=", 1)[1].strip()
    for line in lines:
        if line.startswith("go "):
            return "go" + ".".join(line.split()[1].split(".")[:2])
    return "go1.26"


def write_manifest(out: Path, tool: Tool, seconds: float, go_version: str) -> None:
    (out / MANIFEST).write_text(
        json.dumps(
            {
                "name": tool.name,
                "version": tool.version,
                "binaries": list(tool.binaries),
                "built": datetime.now(UTC).isoformat(timespec="seconds"),
                "seconds": round(seconds, 1),
                "go": go_version,
            },
            indent=2,
        )
        + "\n"
    )


def read_manifest(tool_dir: Path) -> dict[str, object] | None:
    try:
        data = json.loads((tool_dir / MANIFEST).read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None
