"""Start a release run and keep its engine alive while it waits (a process to kill -9).

``python -m tests.e2e.hold_release RELEASE.json ENV[,ENV...]`` prints ``waiting RUN_ID`` once
the run waits for its approval, then sleeps until it is killed, as a Shipyard process that
holds a durable wait would.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from shipyard.deliver.release import Release
from shipyard.executor.service import LocalService


def main(release_file: str, path: str) -> None:
    release = Release.from_json(json.loads(Path(release_file).read_text()))
    svc = LocalService.start()
    run_id = svc.engine.submit(release.request(tuple(path.split(",")), release.author)).result(60)
    assert run_id is not None
    while not svc.engine.settled(run_id):
        time.sleep(0.2)
    print(f"waiting {run_id}", flush=True)
    while True:
        time.sleep(60)


if __name__ == "__main__":
    main(*sys.argv[1:])
