"""The record of what the real node changes on the host, and the undoing of it.

Before anything of the node starts, :meth:`HostLedger.record` writes what the host looks like
(the sysctls the kubelet, kube-proxy and the bridge plugin set; whether the fixed paths
exist; the network links; both iptables families) to ``host-changes.json`` in the node's
state directory, atomically. As the node creates cgroups, they are added to it.

:meth:`HostLedger.restore` puts the host back from that record, in the order that works:
processes left in the node's cgroups are killed (after a crash their shims are gone but the
containers run on), every mount under the node's directories is unmounted deepest first
(projected volumes, network namespaces, the kubelet's bind mount of its own root), the
bridge and its leftover veths are deleted, the node's iptables rules and chains are removed
(:mod:`shipyard.platform.node.iptables`), sysctls get their old values, the cgroup trees
and the fixed paths that did not exist before are removed. Only then is the record deleted.

Restoring is idempotent and tolerates anything already gone, so it is also the recovery:
``up`` or ``down`` after a crash (or a reboot) find the record with no node running and
restore from it before doing anything else.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from shipyard.platform.deps import Host
from shipyard.platform.node import iptables
from shipyard.platform.node.layout import (
    BRIDGE,
    CNI_NETWORK,
    CNI_RESULTS,
    CONTAINER_LOG_LINKS,
    FIXED_PATHS,
    NodeLayout,
)

# What the node's components set: the kubelet's kernel tunables, kube-proxy's conntrack and
# route_localnet (both configured to stay untouched, recorded anyway), forwarding (bridge).
SYSCTLS = (
    "vm.overcommit_memory",
    "vm.panic_on_oom",
    "kernel.panic",
    "kernel.panic_on_oops",
    "kernel.keys.root_maxkeys",
    "kernel.keys.root_maxbytes",
    "net.ipv4.ip_forward",
    "net.ipv4.conf.all.forwarding",
    "net.ipv6.conf.all.forwarding",
    "net.ipv4.conf.all.route_localnet",
    "net.bridge.bridge-nf-call-iptables",
    "net.bridge.bridge-nf-call-ip6tables",
    "net.netfilter.nf_conntrack_max",
    "net.netfilter.nf_conntrack_tcp_timeout_established",
    "net.netfilter.nf_conntrack_tcp_timeout_close_wait",
    "net.netfilter.nf_conntrack_tcp_be_liberal",
)
FAMILIES: tuple[Literal[4, 6], ...] = (4, 6)


@dataclass(slots=True)
class Baseline:
    owner: str  # the state directory of the platform that runs the node
    created: str
    sysctls: dict[str, str]
    paths: dict[str, bool]  # fixed path -> existed before
    links: list[str]
    iptables: dict[str, str]  # "4"/"6" -> iptables-save text
    owned: list[str]  # the node's own directories: every mount under them is the node's
    pod_logs: str  # where /var/log/containers links of the node point
    cgroups: list[str] = field(default_factory=list)  # created by the node

    def as_json(self) -> dict[str, Any]:
        return {
            "owner": self.owner,
            "created": self.created,
            "sysctls": self.sysctls,
            "paths": self.paths,
            "links": self.links,
            "iptables": self.iptables,
            "owned": self.owned,
            "pod_logs": self.pod_logs,
            "cgroups": self.cgroups,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Baseline:
        return cls(
            owner=str(data["owner"]),
            created=str(data.get("created", "")),
            sysctls={str(k): str(v) for k, v in data["sysctls"].items()},
            paths={str(k): bool(v) for k, v in data["paths"].items()},
            links=[str(x) for x in data["links"]],
            iptables={str(k): str(v) for k, v in data["iptables"].items()},
            owned=[str(x) for x in data["owned"]],
            pod_logs=str(data["pod_logs"]),
            cgroups=[str(x) for x in data.get("cgroups", [])],
        )


@dataclass(slots=True)
class RestoreReport:
    undone: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


class HostLedger:
    """The record in ``file``. Restoring needs nothing but the record, so a platform can
    restore what another platform's crashed node left (see :mod:`.claim`)."""

    def __init__(self, file: Path, host: Host) -> None:
        self.file = file
        self.host = host

    def load(self) -> Baseline | None:
        """The record, or None. An unreadable record counts as none: nothing to go by."""
        try:
            return Baseline.from_json(json.loads(self.file.read_text()))
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None

    def _write(self, baseline: Baseline) -> None:
        self.file.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.file.with_suffix(".tmp")
        tmp.write_text(json.dumps(baseline.as_json(), indent=2) + "\n")
        tmp.replace(self.file)

    def record(self, layout: NodeLayout) -> Baseline:
        """Write what the host looks like now (call before the node changes anything)."""
        host = self.host
        baseline = Baseline(
            owner=str(layout.paths.state),
            created=datetime.now(UTC).isoformat(timespec="seconds"),
            sysctls={k: v for k in SYSCTLS if (v := host.read_sysctl(k)) is not None},
            paths={p: host.path_exists(Path(p)) for p in FIXED_PATHS},
            links=host.links(),
            iptables={str(f): host.iptables_save(f) for f in FAMILIES},
            owned=[str(p) for p in layout.owned()],
            pod_logs=str(layout.pod_logs),
        )
        self._write(baseline)
        return baseline

    def add_cgroups(self, created: list[Path]) -> None:
        baseline = self.load()
        if baseline is None:
            return
        baseline.cgroups = sorted({*baseline.cgroups, *(str(p) for p in created)})
        self._write(baseline)

    # -- restoring -----------------------------------------------------------------------
    def restore(self, baseline: Baseline) -> RestoreReport:
        report = RestoreReport()
        self._kill_cgroup_processes(baseline, report)
        self._unmount(baseline, report)
        self._links(baseline, report)
        self._iptables(baseline, report)
        self._sysctls(baseline, report)
        self._cgroups(baseline, report)
        self._paths(baseline, report)
        if not report.failed:
            self.file.unlink(missing_ok=True)
        return report

    def _kill_cgroup_processes(self, baseline: Baseline, report: RestoreReport) -> None:
        pids = {pid for cg in baseline.cgroups for pid in self.host.cgroup_pids(Path(cg))}
        for pid in sorted(pids):
            self.host.kill(pid)
        if pids:
            report.undone.append(f"killed {len(pids)} container process(es)")

    def _unmount(self, baseline: Baseline, report: RestoreReport) -> None:
        roots = tuple(p.rstrip("/") + "/" for p in baseline.owned)
        mine = [m for m in self.host.mounts() if (m + "/").startswith(roots)]
        # Deepest first; a path mounted twice (the kubelet's root) is unmounted twice.
        for mount in sorted(mine, key=lambda m: (-m.count("/"), m)):
            if not self.host.unmount(mount):
                report.failed.append(f"unmount {mount}")
        if mine:
            report.undone.append(f"unmounted {len(mine)} mount(s)")

    def _links(self, baseline: Baseline, report: RestoreReport) -> None:
        before = set(baseline.links)
        new = [name for name in self.host.links() if name not in before]
        veths = [n for n in new if self.host.link_master(n) == BRIDGE]
        for name in [*veths, *(n for n in new if n == BRIDGE)]:
            if self.host.delete_link(name):
                report.undone.append(f"deleted link {name}")
            elif name in self.host.links():
                report.failed.append(f"delete link {name}")

    def _iptables(self, baseline: Baseline, report: RestoreReport) -> None:
        for family in FAMILIES:
            base = iptables.parse(baseline.iptables.get(str(family), ""))
            now = iptables.parse(self.host.iptables_save(family))
            commands = iptables.cleanup(base, now, CNI_NETWORK)
            for args in commands:
                self.host.iptables(family, args)
            after = iptables.parse(self.host.iptables_save(family))
            left = iptables.leftovers(base, after, CNI_NETWORK)
            if commands:
                report.undone.append(f"removed {len(commands)} iptables entries (IPv{family})")
            report.failed += [f"ip{'6' if family == 6 else ''}tables {x}" for x in left]

    def _sysctls(self, baseline: Baseline, report: RestoreReport) -> None:
        for key, value in baseline.sysctls.items():
            now = self.host.read_sysctl(key)
            if now is None or now == value:
                continue
            if self.host.write_sysctl(key, value):
                report.undone.append(f"{key} = {value} (was {now})")
            else:
                report.failed.append(f"sysctl {key} back to {value}")

    def _cgroups(self, baseline: Baseline, report: RestoreReport) -> None:
        for cg in baseline.cgroups:
            if not self.host.remove_cgroup(Path(cg)):
                report.failed.append(f"remove cgroup {cg}")

    def _paths(self, baseline: Baseline, report: RestoreReport) -> None:
        own_logs = baseline.pod_logs.rstrip("/") + "/"
        for link in self.host.list_dir(CONTAINER_LOG_LINKS):
            points_to = self.host.link_target(CONTAINER_LOG_LINKS / link) or ""
            if points_to.startswith(own_logs):
                self.host.remove_path(CONTAINER_LOG_LINKS / link)
        ours = [f for f in self.host.list_dir(CNI_RESULTS) if f.startswith(f"{CNI_NETWORK}-")]
        ids = {f[len(CNI_NETWORK) + 1 :].rsplit("-", 1)[0] for f in ours}
        ours += [
            f
            for f in self.host.list_dir(CNI_RESULTS)
            if f.startswith("cni-loopback-") and f[len("cni-loopback-") :].rsplit("-", 1)[0] in ids
        ]
        for name in ours:
            self.host.remove_path(CNI_RESULTS / name)
        for path, existed in baseline.paths.items():
            target = Path(path)
            if existed or not self.host.path_exists(target):
                continue
            if self.host.remove_path(target):
                report.undone.append(f"removed {path}")
            else:
                report.failed.append(f"remove {path}")
