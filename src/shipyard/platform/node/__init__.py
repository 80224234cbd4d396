"""One real Kubernetes node on this machine: containerd, kubelet, kube-proxy and CoreDNS.

With simulated (kwok) nodes a deployment "succeeds" even when its image cannot start or its
readiness probe never passes. So one cluster (``clusters.real_node``, devtest by default)
gets a real node whose pods really run, while the other keeps simulated nodes: the node
needs root and changes the host, and one machine can carry only one.

- :mod:`.layout`: where everything lives; the node's fixed network facts.
- :mod:`.checks`: whether this host can run it (one line when not).
- :mod:`.claim`: one real node per machine.
- :mod:`.ledger` and :mod:`.iptables`: every host change recorded and undone.
- :mod:`.pki`, :mod:`.render`, :mod:`.images`, :mod:`.addons`: certificates, configuration
  files, the pause and CoreDNS images, cluster DNS.
- :mod:`.service`: starting, checking and stopping it, with the fallback to kwok nodes.
"""
