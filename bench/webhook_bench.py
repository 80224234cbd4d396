"""Webhooks: latency from a GitHub push delivery to the first step of its run, and the rate of
deliveries the server answers (targets: under 200 ms; 10 s per delivery at most).

In one process, as ``shipyard serve`` composes it: the app under uvicorn on loopback, the
dispatcher, the run engine with its local workers, a SQLite store and a git repository in a
temporary folder. Latency is measured from just before the POST to the ``started_at`` the
engine records for the run's first step; the rate is for signed pings from 8 clients.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import statistics
import subprocess
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx2
import uvicorn

SECRET = "bench"
PIPELINE = "trigger:\n  branches:\n    include: ['*']\nsteps:\n- script: echo hi\n"
ROUNDS = int(os.environ.get("ROUNDS", "11"))
PINGS = 400


def git(cwd: Path, *args: str) -> str:
    env = dict(os.environ, GIT_AUTHOR_NAME="b", GIT_AUTHOR_EMAIL="b@x.invalid",
               GIT_COMMITTER_NAME="b", GIT_COMMITTER_EMAIL="b@x.invalid")  # fmt: skip
    return subprocess.run(
        ["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=True
    ).stdout.strip()


def signed(body: bytes, event: str) -> dict[str, str]:
    mac = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    return {"X-GitHub-Event": event, "X-GitHub-Delivery": str(uuid.uuid4()),
            "X-Hub-Signature-256": f"sha256={mac}"}  # fmt: skip


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="shipyard-hooks-") as tmp:
        root = Path(tmp)
        os.environ.update(
            SHIPYARD_DATABASE_URL=f"sqlite:///{root / 'runs.db'}",
            SHIPYARD_ARTIFACTS_DIR=str(root / "artifacts"),
            SHIPYARD_WORK_DIR=str(root / "work"),
        )
        from shipyard.adapters.git import GitCli
        from shipyard.executor.service import LocalService
        from shipyard.flow.run.spec import RunRequest
        from shipyard.server.app import create_app
        from shipyard.server.dispatch import Dispatcher
        from shipyard.store.webhooks import Deliveries

        repo = root / "fabrikam"
        repo.mkdir()
        git(repo, "init", "-q", "-b", "main")
        (repo / "azure-pipelines.yml").write_text(PIPELINE)
        git(repo, "add", "-A")
        git(repo, "commit", "-q", "-m", "pipeline")
        svc = LocalService.start()

        def submit(request: RunRequest) -> int | None:
            run_id: int | None = svc.engine.submit(request).result(timeout=60)
            return run_id

        dispatcher = Dispatcher(
            Deliveries(svc.store.engine), {"fabrikam": repo}, lambda p: GitCli(p), submit
        )
        app = create_app(svc.store, {"github": SECRET}, 1 << 20, dispatcher.wake)
        server = uvicorn.Server(uvicorn.Config(app, port=0, log_level="error"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.01)
        url = f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
        dispatcher.start()
        try:
            latencies = []
            for i in range(ROUNDS):
                (repo / "f.txt").write_text(str(i))
                git(repo, "add", "-A")
                git(repo, "commit", "-q", "-m", f"change {i}")
                sha = git(repo, "rev-parse", "HEAD")
                body = json.dumps({"ref": f"refs/heads/b{i}", "before": "0" * 40, "after": sha,
                                   "repository": {"name": "fabrikam"}}).encode()  # fmt: skip
                started = time.time()
                httpx2.post(f"{url}/hooks/github", content=body, headers=signed(body, "push"))
                first = None
                while first is None:
                    time.sleep(0.002)
                    runs = [
                        r.id for r in svc.store.list_runs(limit=3) if r.ref == f"refs/heads/b{i}"
                    ]
                    record = svc.store.get_run(runs[0]) if runs else None
                    steps = (
                        []
                        if record is None
                        else [s for st in record.stages for j in st.jobs for s in j.steps]
                    )
                    first = min((s.started_at for s in steps if s.started_at), default=None)
                latencies.append(first - started)
                if os.environ.get("PHASES"):
                    d = Deliveries(svc.store.engine).recent(1)[0]
                    assert record is not None
                    j = record.stages[0].jobs[0]
                    print(
                        "phases",
                        {
                            k: round((v - started) * 1000)
                            for k, v in {
                                "received": d.received_at,
                                "finished": d.finished_at or 0,
                                "run_created": record.created_at,
                                "run_started": record.started_at or 0,
                                "job_started": j.started_at or 0,
                                "step": first,
                            }.items()
                        },
                    )
            cold, warm = latencies[0], latencies[1:]
            print(
                f"webhook -> first step: median {statistics.median(warm) * 1000:.0f} ms, "
                f"worst {max(warm) * 1000:.0f} ms over {len(warm)} pushes  (target: < 200 ms); "
                f"the first after start {cold * 1000:.0f} ms (imports, worker start)"
            )

            def ping(i: int) -> float:
                body = json.dumps({"zen": str(i), "repository": {"name": "fabrikam"}}).encode()
                t = time.perf_counter()
                client.post(f"{url}/hooks/github", content=body, headers=signed(body, "ping"))
                return time.perf_counter() - t

            client = httpx2.Client(limits=httpx2.Limits(max_connections=8))
            t0 = time.perf_counter()
            with client, ThreadPoolExecutor(max_workers=8) as pool:
                answers = list(pool.map(ping, range(PINGS)))
            took = time.perf_counter() - t0
            print(
                f"webhooks answered: {PINGS / took:.0f}/s sustained from 8 clients; slowest "
                f"answer {max(answers) * 1000:.0f} ms (the providers allow 10 s)"
            )
        finally:
            server.should_exit = True
            thread.join(5)
            dispatcher.stop()
            svc.stop()


if __name__ == "__main__":
    main()
