"""Install what is missing, check what is there, never rebuild what works.

For every catalog row the installer answers one question first, cheaply: does each binary
exist and answer its version probe with the pinned version? Only the rows that do not are
installed (Debian packages, in one ``apt-get`` call, as root) or built (Go, one row at a
time, into the cache). A binary that exists but does not run (truncated, the wrong
architecture, a different version) is reported as broken and rebuilt, with the reason.
"""

from __future__ import annotations

import os
import re
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from shipyard.adapters.process import CommandFailed, ToolMissing
from shipyard.platform.catalog import ANY_OUTPUT, TOOLS, Apt, Tool
from shipyard.platform.deps import Runner
from shipyard.platform.errors import BuildFailed, ToolBroken
from shipyard.platform.gobuild import GoBuilder, read_manifest, write_manifest
from shipyard.platform.paths import PlatformPaths
from shipyard.platform.progress import Progress

State = Literal["ok", "missing", "broken"]
_SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
APT_ENV = {"DEBIAN_FRONTEND": "noninteractive", "APT_LISTCHANGES_FRONTEND": "none"}


@dataclass(frozen=True, slots=True)
class ToolStatus:
    name: str
    version: str
    state: State
    path: str
    detail: str = ""

    def as_json(self) -> dict[str, str]:
        return {
            "name": self.name,
            "version": self.version,
            "state": self.state,
            "path": self.path,
            "detail": self.detail,
        }


def _which(name: str) -> str | None:
    return shutil.which(name, path=os.environ.get("PATH", "") + os.pathsep + _SYSTEM_PATH)


def binary(paths: PlatformPaths, tool: Tool, name: str | None = None) -> Path:
    """Where ``tool``'s binary ``name`` (default: its first) lives or would live."""
    name = name or tool.binaries[0]
    if isinstance(tool.recipe, Apt):
        if tool.recipe.bindir:
            return Path(tool.recipe.bindir) / name
        found = _which(name)
        return Path(found) if found else Path("/usr/bin") / name
    return paths.tool_dir(tool.name, tool.version) / name


def debian_upstream(version: str) -> str:
    """``1:4.13+dfsg1-1+deb12u2`` -> ``4.13``: the upstream part of a Debian version."""
    version = version.split(":", 1)[-1]
    version = version.rsplit("-", 1)[0] if "-" in version else version
    return re.split(r"[+~]", version, maxsplit=1)[0]


def _minutes(seconds: int) -> str:
    return f"{seconds} s" if seconds < 90 else f"{round(seconds / 60)} min"


def build_estimate(tool: Tool, to_build: list[Tool]) -> str:
    """What a build about to start will take, and all the building still to do, from the
    cold timings measured on 2 cores (a slower or busier machine takes longer)."""
    left = sum(t.typical_s for t in to_build)
    text = f"building {tool.name} {tool.version} from source"
    if tool.typical_s:
        text += f": typically {_minutes(tool.typical_s)} on 2 cores"
    if left > tool.typical_s:
        text += f"; about {_minutes(left)} of building left in all"
    return text


class Installer:
    def __init__(self, paths: PlatformPaths, run: Runner, progress: Progress) -> None:
        self.paths = paths
        self.run = run
        self.progress = progress

    # -- checking ------------------------------------------------------------------------
    def check(self, tool: Tool) -> ToolStatus:
        """Is ``tool`` installed, runnable, and at its pinned version?"""
        main = binary(self.paths, tool)
        if not isinstance(tool.recipe, Apt) and read_manifest(main.parent) is None:
            return ToolStatus(tool.name, tool.version, "missing", str(main.parent), "not built")
        for name in tool.binaries:
            path = binary(self.paths, tool, name)
            on_path = isinstance(tool.recipe, Apt) and not tool.recipe.bindir
            if not path.is_file() or (on_path and _which(name) is None):
                return ToolStatus(tool.name, tool.version, "missing", str(path), f"no {name}")
            if not os.access(path, os.X_OK):
                return ToolStatus(tool.name, tool.version, "broken", str(path), "not executable")
        try:
            done = self.run([str(main), *tool.probe], check=False, timeout=60)
        except ToolMissing as exc:
            return ToolStatus(tool.name, tool.version, "broken", str(main), exc.hint or exc.message)
        except OSError as exc:  # ENOEXEC and friends: the file is not a program for this machine
            return ToolStatus(
                tool.name, tool.version, "broken", str(main), exc.strerror or str(exc)
            )
        output = (done.stdout + done.stderr).strip()
        if done.returncode != 0:
            tail = output.splitlines()[-1:] or [f"exit {done.returncode}"]
            return ToolStatus(tool.name, tool.version, "broken", str(main), tail[0][:200])
        if tool.expected != ANY_OUTPUT and tool.expected not in output:
            first = output.splitlines()[0][:120] if output else "nothing"
            return ToolStatus(
                tool.name,
                tool.version,
                "broken",
                str(main),
                f"reports {first!r}, not {tool.expected}",
            )
        return ToolStatus(tool.name, tool.version, "ok", str(main))

    def check_all(self, tools: tuple[Tool, ...] = TOOLS) -> list[ToolStatus]:
        return [self.check(t) for t in tools]

    # -- installing ----------------------------------------------------------------------
    def ensure(self, tools: tuple[Tool, ...]) -> list[ToolStatus]:
        """Install or build every tool of ``tools`` that is not ok; return the final states."""
        states = {t.name: self.check(t) for t in tools}
        for status in states.values():
            if status.state == "broken":
                self.progress.warn(
                    f"{status.name} {status.version} is broken ({status.detail}); "
                    "installing it again"
                )
        apt = [t for t in tools if t.is_apt and states[t.name].state != "ok"]
        with self.progress.step("Debian packages") as step:
            if apt:
                self._apt(apt)
                step.detail(", ".join(t.name for t in apt))
                for t in apt:
                    states[t.name] = self._verified(t)
            else:
                step.skip(f"{sum(t.is_apt for t in tools)} installed")
        to_build = [t for t in tools if not t.is_apt and states[t.name].state != "ok"]
        for t in tools:
            if t.is_apt:
                continue
            with self.progress.step(f"{t.name} {t.version}") as step:
                if states[t.name].state == "ok":
                    step.skip("cached")
                    continue
                self.progress.info(build_estimate(t, to_build))
                step.detail(self._build(t))
                to_build.remove(t)
                states[t.name] = self._verified(t)
        return [states[t.name] for t in tools]

    def _verified(self, tool: Tool) -> ToolStatus:
        status = self.check(tool)
        if status.state != "ok":
            raise ToolBroken(
                f"{tool.name} {tool.version}",
                f"installed but {status.detail or status.state} ({status.path})",
                hint="see the log under " + str(self.paths.logs),
                retry=f"shipyard platform install {tool.name}",
            )
        return status

    def _apt(self, tools: list[Tool]) -> None:
        packages = sorted({t.recipe.package for t in tools if isinstance(t.recipe, Apt)})
        retry = "apt-get install -y --no-install-recommends " + " ".join(packages)
        if os.geteuid() != 0:
            raise BuildFailed(
                "debian packages",
                f"missing: {', '.join(packages)}; installing them needs root",
                retry=f"sudo {retry}",
            )
        try:
            self.run(["apt-get", "update", "-q"], extra_env=APT_ENV, timeout=900)
            self.run(
                ["apt-get", "install", "-y", "-q", "--no-install-recommends", *packages],
                extra_env=APT_ENV,
                timeout=3600,
            )
        except CommandFailed as exc:
            raise BuildFailed("debian packages", exc.message, retry=retry) from None
        for t in tools:
            assert isinstance(t.recipe, Apt)
            done = self.run(["dpkg-query", "-W", "-f", "${Version}", t.recipe.package], check=False)
            upstream = debian_upstream(done.stdout.strip())
            if not upstream.startswith(t.version):
                raise ToolBroken(
                    t.name,
                    f"Debian installed {done.stdout.strip() or 'nothing'}, Shipyard is pinned to "
                    f"{t.version}",
                    hint="this machine's apt sources differ from the supported Debian release "
                    "(bookworm); update the pin in shipyard/platform/catalog.py if intended",
                    retry=retry,
                )

    def _build(self, tool: Tool) -> str:
        final = self.paths.tool_dir(tool.name, tool.version)
        scratch = final.with_name(f"{final.name}.tmp-{os.getpid()}")
        shutil.rmtree(scratch, ignore_errors=True)
        log = self.paths.log(f"build-{tool.name}")
        log.parent.mkdir(parents=True, exist_ok=True)
        log.write_text("")
        go = shutil.which("go", path=os.environ.get("PATH", "") + ":/usr/local/go/bin")
        if go is None:
            raise BuildFailed(
                f"{tool.name} {tool.version}",
                "the Go toolchain (`go`) is not installed",
                hint="install Go 1.26 or newer (https://go.dev/dl) and put it on PATH",
                retry=f"shipyard platform install {tool.name}",
            )
        builder = GoBuilder(self.run, self.paths, log, go=go)
        started = time.monotonic()
        go_version = builder.go_version(tool)
        builder.build(tool, scratch)
        seconds = time.monotonic() - started
        write_manifest(scratch, tool, seconds, go_version)
        if final.exists():
            shutil.rmtree(final)
        scratch.rename(final)
        return f"built in {seconds:.0f} s"
