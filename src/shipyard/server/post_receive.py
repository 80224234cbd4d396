"""The post-receive hook of Shipyard's own bare repositories: a push becomes a delivery.

``git push`` to a repository made by ``shipyard repo create`` runs this hook (a static
script: ``exec PYTHON -m shipyard.server.post_receive``; no event data is ever part of it).
Git passes ``OLD NEW REF`` lines on stdin; each becomes one delivery in the store's inbox,
which the server's dispatcher plans and runs, now or when ``shipyard serve`` next starts. A
push is never refused here (post-receive runs after the refs moved): the pusher is told what
was queued.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from shipyard.domain import webhooks
from shipyard.store import open_store
from shipyard.store.webhooks import Deliveries


def repository_name(git_dir: Path) -> str:
    return git_dir.name.removesuffix(".git")


def main() -> int:
    git_dir = Path(os.environ.get("GIT_DIR", ".")).resolve()
    name = repository_name(git_dir)
    deliveries = Deliveries(open_store().engine)
    for line in sys.stdin:
        parts = line.split()
        if len(parts) != 3:
            continue
        before, after, ref = parts
        body = webhooks.local_push(name, ref, before, after)
        delivery = f"{name}:{ref}:{before}:{after}:{time.time_ns()}"
        row, _new = deliveries.accept(webhooks.LOCAL, delivery, "push", body)
        print(f"shipyard: {ref} queued as delivery {row} (see `shipyard serve`)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
