"""Which iptables rules and chains the real node added, and the commands that remove them.

Pure functions over ``iptables-save`` text. The node's rules come from three writers: the
kubelet (``KUBE-FIREWALL``, ``KUBE-KUBELET-CANARY``, ``KUBE-IPTABLES-HINT``), kube-proxy (every
other ``KUBE-*`` chain, and jumps to them from the built-in chains) and the CNI plugins
(``bridge``'s masquerade chains and ``portmap``'s DNAT chains, whose rules carry a comment
naming the network, ``name: "shipyard-node"``).

Other programs change the same tables at the same time (podman's CNI network uses the same
``CNI-HOSTPORT-*`` chains, and a test may start a container while the node runs), so the
ledger never restores a saved table wholesale. A rule or chain is removed only when it was
not there before the node started (the baseline) *and* it is recognisably the node's: a
``KUBE-`` chain, a rule with the node's network in its comment, a chain such a rule jumps
to, or a shared portmap chain that the node created and nobody else uses any more.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass

BUILTIN = frozenset({"INPUT", "OUTPUT", "FORWARD", "PREROUTING", "POSTROUTING"})
HOSTPORT_CHAINS = frozenset({"CNI-HOSTPORT-DNAT", "CNI-HOSTPORT-MASQ", "CNI-HOSTPORT-SETMARK"})

Chain = tuple[str, str]  # (table, chain)


@dataclass(frozen=True, slots=True)
class Rule:
    table: str
    chain: str
    args: tuple[str, ...]  # everything after ``-A CHAIN``

    @property
    def target(self) -> str | None:
        for flag in ("-j", "-g"):
            if flag in self.args:
                i = self.args.index(flag)
                if i + 1 < len(self.args):
                    return self.args[i + 1]
        return None

    def delete_args(self) -> list[str]:
        return ["-t", self.table, "-D", self.chain, *self.args]


@dataclass(frozen=True, slots=True)
class Ruleset:
    chains: frozenset[Chain]
    rules: tuple[Rule, ...]


def parse(text: str) -> Ruleset:
    table = ""
    chains: set[Chain] = set()
    rules: list[Rule] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or line == "COMMIT":
            continue
        if line.startswith("*"):
            table = line[1:]
        elif line.startswith(":"):
            chains.add((table, line[1:].split()[0]))
        elif line.startswith("-A "):
            try:
                tokens = shlex.split(line)
            except ValueError:  # an unbalanced quote: not a rule we could delete anyway
                continue
            rules.append(Rule(table, tokens[1], tuple(tokens[2:])))
    return Ruleset(frozenset(chains), tuple(rules))


def normalized(text: str) -> list[str]:
    """``iptables-save`` without its timestamps and packet counters, for comparing tables."""
    out: list[str] = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith(":"):
            line = " ".join(line.split()[:2])
        out.append(line)
    return out


def _marks_network(rule: Rule, network: str) -> bool:
    needle = f'name: "{network}"'
    return any(needle in arg for arg in rule.args)


def _is_node_rule(rule: Rule, network: str) -> bool:
    target = rule.target or ""
    return (
        rule.chain.startswith("KUBE-")
        or target.startswith("KUBE-")
        or _marks_network(rule, network)
    )


def node_chains(baseline: Ruleset, now: Ruleset, network: str) -> set[Chain]:
    """Chains that exist now, did not before, and belong to the node."""
    new = set(now.chains - baseline.chains)
    ours = {c for c in new if c[1].startswith("KUBE-")}
    base_rules = set(baseline.rules)
    seeds = [r for r in now.rules if r not in base_rules and _is_node_rule(r, network)]
    changed = True
    while changed:  # chains reached from the node's rules, transitively (CNI-DN-* via portmap)
        changed = False
        for rule in [*seeds, *(r for r in now.rules if (r.table, r.chain) in ours)]:
            target = (rule.table, rule.target or "")
            if target in new and target not in ours:
                ours.add(target)
                changed = True
    created_hostport = {c for c in new if c[1] in HOSTPORT_CHAINS}
    if created_hostport:
        # portmap's shared chains: the node created them; remove them only if no rule of
        # another network (podman's) still hangs in the DNAT chain.
        foreign = [
            r
            for r in now.rules
            if r.chain == "CNI-HOSTPORT-DNAT" and not _marks_network(r, network)
        ]
        if not foreign:
            ours |= created_hostport
    return ours


def cleanup(baseline: Ruleset, now: Ruleset, network: str) -> list[list[str]]:
    """iptables arguments that remove what the node added, in an order that works:
    the node's rules in chains that stay, then flush and delete the node's chains."""
    ours = node_chains(baseline, now, network)
    base_rules = set(baseline.rules)
    commands: list[list[str]] = []
    for rule in now.rules:
        if (rule.table, rule.chain) in ours or rule in base_rules:
            continue
        jumps_to_ours = (rule.table, rule.target or "") in ours
        if jumps_to_ours or _is_node_rule(rule, network):
            commands.append(rule.delete_args())
    for table, chain in sorted(ours):
        commands.append(["-t", table, "-F", chain])
    for table, chain in sorted(ours):
        commands.append(["-t", table, "-X", chain])
    return commands


def leftovers(baseline: Ruleset, now: Ruleset, network: str) -> list[str]:
    """The node's chains and rules still present that were not there before (for reports)."""
    base_rules = set(baseline.rules)
    found = [f"{t}/{c}" for t, c in sorted(node_chains(baseline, now, network))]
    found += [
        f"{r.table}/{r.chain}: {shlex.join(r.args)}"
        for r in now.rules
        if r not in base_rules and _is_node_rule(r, network)
    ]
    return found
