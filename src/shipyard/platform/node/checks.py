"""Can this host run a real node? One short reason when it cannot.

Checked before anything is built or started, cheapest first, so that a host without root or
without overlayfs costs a few file reads and falls back to simulated nodes at once. What
cannot be known in advance (a kubelet that exits at start, a node that never turns Ready) is
found by starting it, and falls back the same way (:mod:`shipyard.platform.node.service`).
"""

from __future__ import annotations

import ipaddress

from shipyard.platform.deps import Daemons, Host, Network
from shipyard.platform.node.layout import BRIDGE, NODE_PORTS, POD_CIDR, SERVICE_CIDR, NodeLayout


def why_not(host: Host, net: Network, daemons: Daemons, layout: NodeLayout) -> str | None:
    """None when the host can run the node, else why not (one line)."""
    if not host.is_root():
        return "not root (a real node mounts file systems, sets iptables rules and cgroups)"
    if "overlay" not in host.filesystems():
        return "the kernel has no overlay file system (containerd's snapshotter needs it)"
    if not host.cgroup_hierarchies():
        return "no cgroup file system is mounted"
    if host.primary_ipv4() is None:
        return "the host has no non-loopback IPv4 address for the node"
    clash = overlapping_route(host.routes())
    if clash:
        return clash
    owned = tuple(str(p) for p in layout.owned())
    for port in NODE_PORTS:
        pid = net.listener(port)
        if pid is None:
            continue
        proc = daemons.info(pid)
        if proc is not None and any(a.startswith(owned) for a in proc.argv):
            continue  # our own kubelet or kube-proxy, still running
        who = f"pid {pid} ({' '.join(proc.argv)[:80]})" if proc else f"pid {pid}"
        return f"port {port} (kubelet/kube-proxy) is taken by {who}"
    return None


def overlapping_route(routes: list[tuple[str, int]]) -> str | None:
    """A host route that overlaps the pod or Service range (other than the node's bridge)."""
    ours = [ipaddress.ip_network(POD_CIDR), ipaddress.ip_network(SERVICE_CIDR)]
    for dest, prefix in routes:
        if prefix == 0:
            continue  # the default route overlaps everything and matters for nothing here
        net = ipaddress.ip_network(f"{dest}/{prefix}", strict=False)
        for mine in ours:
            if net.overlaps(mine) and not (mine == ours[0] and net == mine):
                return (
                    f"the host routes {net}, which overlaps the node's range {mine} "
                    f"(a network other than {BRIDGE})"
                )
    return None
