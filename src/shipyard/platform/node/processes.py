"""The real node's host processes: containerd, the kubelet, kube-proxy.

Each is started detached (it must outlive ``shipyard platform up``) with its output in a log
under the state directory and a PID record (``run/node-COMPONENT.json``, with the kernel
start time, see :mod:`shipyard.platform.state`), then awaited until it answers: containerd
through the CRI (``crictl info``), the kubelet until the caller sees its node Ready,
kube-proxy on its health port. A process that exits while being awaited, or does not answer
in time, is reported with the last error line of its log, which is what a person needs to
see first (the kubelet's ``E1126 ... "command failed" err="failed to run Kubelet: ..."``).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path

from shipyard.platform import state
from shipyard.platform.catalog import tool
from shipyard.platform.context import Platform
from shipyard.platform.deps import ProcInfo
from shipyard.platform.errors import PlatformError
from shipyard.platform.install import binary
from shipyard.platform.node.layout import NODE_NAME, PROXY_HEALTHZ_PORT, NodeLayout

COMPONENTS = ("containerd", "kubelet", "kube-proxy")
SOCKET_TIMEOUT = 30.0
READY_TIMEOUT = 90.0
_ERROR_LINE = re.compile(r"^[EF]\d{4} |level=(error|fatal)")


class NodeProcesses:
    def __init__(self, platform: Platform, layout: NodeLayout) -> None:
        self.p = platform
        self.layout = layout
        self.daemons = platform.adapters.daemons

    # -- records -------------------------------------------------------------------------
    def record(self, component: str) -> state.PidRecord | None:
        return state.read(self.p.paths, f"node-{component}")

    def pids(self) -> dict[str, int]:
        """Components whose PID record names a live process."""
        found: dict[str, int] = {}
        for component in COMPONENTS:
            record = self.record(component)
            if record is not None and state.liveness(record, self.daemons) == "running":
                found[component] = record.pid
        return found

    def identities(self) -> dict[str, tuple[int, int]]:
        """component -> (PID, kernel start time), for the machine claim."""
        return {c: (r.pid, r.start_ticks) for c in COMPONENTS if (r := self.record(c)) is not None}

    # -- starting ------------------------------------------------------------------------
    def _spawn(self, component: str, argv: list[str]) -> ProcInfo:
        proc = self.daemons.spawn(argv, log_path=self.layout.log(component), cwd=self.layout.state)
        state.write(self.p.paths, f"node-{component}", proc)
        return proc

    def _await(
        self, proc: ProcInfo, component: str, ok: Callable[[], bool], timeout: float, late: str
    ) -> None:
        deadline = time.monotonic() + timeout
        while not ok():
            if not self.daemons.alive(proc.pid, proc.start_ticks):
                raise self.failed(component, "exited at start")
            if time.monotonic() > deadline:
                raise self.failed(component, late)
            time.sleep(0.2)

    def failed(self, component: str, what: str) -> PlatformError:
        log = self.layout.log(component)
        return PlatformError("real node", f"{component} {what}: {why(log)}", hint=f"log: {log}")

    def start_containerd(self) -> None:
        exe = binary(self.p.paths, tool("containerd"))
        proc = self._spawn("containerd", [str(exe), "--config", str(self.layout.containerd_config)])
        late = f"did not answer in {SOCKET_TIMEOUT:.0f} s"
        self._await(proc, "containerd", self.crictl_ok, SOCKET_TIMEOUT, late)

    def start_kubelet(self, node_ip: str, ready: Callable[[], bool]) -> None:
        lay = self.layout
        argv = [
            str(binary(self.p.paths, tool("kubelet"))),
            "--config",
            str(lay.kubelet_config),
            "--kubeconfig",
            str(lay.kubeconfig("kubelet")),
            "--root-dir",
            str(lay.kubelet_root),
            "--node-ip",
            node_ip,
            "--hostname-override",
            NODE_NAME,
        ]
        proc = self._spawn("kubelet", argv)
        late = f"node not Ready in {READY_TIMEOUT:.0f} s"
        self._await(proc, "kubelet", ready, READY_TIMEOUT, late)

    def start_proxy(self) -> None:
        exe = binary(self.p.paths, tool("kubelet"), "kube-proxy")
        proc = self._spawn("kube-proxy", [str(exe), "--config", str(self.layout.proxy_config)])

        def healthy() -> bool:
            return self.p.adapters.net.accepts("127.0.0.1", PROXY_HEALTHZ_PORT)

        self._await(proc, "kube-proxy", healthy, SOCKET_TIMEOUT, "did not answer its health check")

    # -- the CRI ---------------------------------------------------------------------------
    def crictl(self, *args: str, timeout: float = 30) -> bool:
        if not self.layout.socket.exists():
            return False
        crictl = binary(self.p.paths, tool("crictl"))
        argv = [str(crictl), "--config", str(self.layout.crictl_config), *args]
        return self.p.adapters.run(argv, check=False, timeout=timeout).returncode == 0

    def crictl_ok(self) -> bool:
        return self.crictl("info", timeout=10)

    # -- stopping ------------------------------------------------------------------------
    def terminate(self, component: str) -> None:
        record = self.record(component)
        if record is not None and state.liveness(record, self.daemons) == "running":
            self.daemons.terminate(record.pid, record.start_ticks)
        state.remove(self.p.paths, f"node-{component}")

    def under_node_dirs(self) -> list[ProcInfo]:
        """Live processes started from the node's directories (containerd's shims too)."""
        owned = tuple(str(p) + "/" for p in self.layout.owned())
        return self.daemons.find(lambda p: any(o in a for a in p.argv for o in owned))


def why(log: Path, lines: int = 400) -> str:
    """The last error line of a component's log, or its last line."""
    try:
        tail = log.read_text(errors="replace").strip().splitlines()[-lines:]
    except OSError:
        return "(no log)"
    errors = [line for line in tail if _ERROR_LINE.search(line)]
    last = (errors or tail or ["(empty log)"])[-1].strip()
    return last[:240]
