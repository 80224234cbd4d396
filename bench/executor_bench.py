"""Executors side by side: the local worker pool, Temporal and Kubernetes Jobs, in one run.

Prints, for the local and Temporal executors with 1 and with 2 workers, and for the
Kubernetes executor (one pod per job on the platform's real node, as many at once as the
node takes):

- dispatch latency: the job queued (the batch that starts its stage and queues it) to its
  first step started (the step's start as the worker reported it), median and p90 over
  sequential one-step runs;
- trivial runs per second: many one-step runs submitted at once, until all finished.

The Temporal executor runs against a private ``temporal server start-dev`` (the binary that
``shipyard platform up`` builds) on a free port, with real ``shipyard worker`` processes.
The Kubernetes executor needs the embedded platform up (`shipyard platform up`) and is left
out, saying why, when it is not. Everything else is a throw-away SQLite store and git
repository in a temp folder. Figures only: nothing here asserts on time.
"""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

SEQUENTIAL = 12
BURST = 30
KUBE_BURST = 10  # pods at once on a 2-core node


def _git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True)
    return done.stdout.strip()


def _repo(root: Path) -> Path:
    repo = root / "repo"
    repo.mkdir()
    _git(repo, "init", "-q", "-b", "main")
    (repo / "shipyard.yml").write_text("pipelines:\n  one: one.yml\n")
    (repo / "one.yml").write_text("steps:\n- checkout: none\n- script: 'true'\n")
    _git(repo, "add", "-A")
    _git(repo, "-c", "user.name=b", "-c", "user.email=b@b", "commit", "-q", "-m", "bench")
    return repo


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(check: Callable[[], bool], timeout: float, what: str) -> None:
    end = time.time() + timeout
    while not check():
        if time.time() > end:
            raise SystemExit(f"executor bench: timed out waiting for {what}")
        time.sleep(0.05)


class Temporal:
    def __init__(self, binary: Path, root: Path) -> None:
        from shipyard.adapters.temporal import TemporalJobs

        self.port = _free_port()
        self.address = f"127.0.0.1:{self.port}"
        with (root / "temporal.log").open("ab") as log:
            self.proc = subprocess.Popen(
                [
                    *(str(binary), "server", "start-dev", "--headless", "--ip", "127.0.0.1"),
                    *("--port", str(self.port), "--http-port", str(_free_port())),
                    *("--metrics-port", str(_free_port()), "--log-level", "error"),
                    *("--db-filename", str(root / "temporal.db")),
                ],
                stdout=log,
                stderr=log,
            )
        self.client = TemporalJobs(self.address)
        _wait(self._answers, 60, "Temporal to answer")

    def _answers(self) -> bool:
        from shipyard.domain.diagnostics import ShipyardError

        try:
            self.client.check()
        except ShipyardError:
            return False
        return True

    def workers(self, count: int, root: Path) -> list[subprocess.Popen[bytes]]:
        procs = []
        for i in range(count):
            name = f"bench-{count}-{i}"
            with (root / f"{name}.log").open("ab") as log:
                procs.append(
                    subprocess.Popen(
                        [
                            *(sys.executable, "-m", "shipyard.executor.temporal_worker"),
                            *("--address", self.address, "--name", name),
                        ],
                        stdout=log,
                        stderr=log,
                    )
                )
            _wait(lambda n=name: n in self.client.pollers("shipyard/local"), 60, name)  # type: ignore[misc]
        return procs

    def stop(self) -> None:
        self.client.close()
        self.proc.kill()
        self.proc.wait(10)


def _measure(svc: object, repo: Path, burst: int = BURST) -> tuple[list[float], float]:
    from shipyard.executor.service import LocalService
    from shipyard.flow.run.spec import RunRequest

    assert isinstance(svc, LocalService)
    sha = _git(repo, "rev-parse", "HEAD")
    request = RunRequest(
        "one", "one.yml", str(repo), {"kind": "manual"}, sha, "refs/heads/main", "Manual"
    )

    def finish(run_id: int) -> None:
        _wait(lambda: svc.engine.settled(run_id), 120, f"run {run_id}")
        record = svc.store.get_run(run_id)
        assert record is not None and str(record.status) == "succeeded", record

    def latency(run_id: int) -> float:
        events = svc.store.events_after(run_id, 0)
        # The stage starts in the very batch that queues its only job.
        found = [e.at for e in events if e.kind == "stage" and str(e.status) == "running"]
        if not found:
            raise SystemExit(str([(e.kind, e.status) for e in events]))
        queued = found[0]
        record = svc.store.get_run(run_id)
        assert record is not None
        first = record.stages[0].jobs[0].steps[0].started_at
        assert first is not None
        return (first - queued) * 1000

    for _ in range(3):  # warm up: workers import plugins, Temporal creates its queues
        run_id = svc.engine.submit(request).result(60)
        assert run_id is not None
        finish(run_id)
    latencies = []
    for _ in range(SEQUENTIAL):
        run_id = svc.engine.submit(request).result(60)
        assert run_id is not None
        finish(run_id)
        latencies.append(latency(run_id))
    begin = time.perf_counter()
    ids = [svc.engine.submit(request).result(120) for _ in range(burst)]
    for run_id in ids:
        assert run_id is not None
        finish(run_id)
    return latencies, burst / (time.perf_counter() - begin)


Row = tuple[str, str, list[float], float]


def _kubernetes(tmp: Path) -> list[Row]:
    """Runs on the real node with the machine's platform, a store in the temp folder."""
    from shipyard.domain.diagnostics import ShipyardError
    from shipyard.executor.service import LocalService
    from shipyard.platform import Platform, lifecycle
    from shipyard.platform.settings import ExecutorSettings

    platform = Platform.load()
    if not platform.paths.admin_kubeconfig.is_file():
        print("kubernetes: left out (no platform here: `shipyard platform up` first)")
        return []
    store = tmp / "kube-store"
    store.mkdir()
    os.environ["SHIPYARD_DATABASE_URL"] = f"sqlite:///{store / 'runs.db'}"
    os.environ["SHIPYARD_ARTIFACTS_DIR"] = str(store / "artifacts")
    os.environ["SHIPYARD_SECRET_KEY_FILE"] = str(store / "secret.key")
    repo = _repo(store)
    try:
        lifecycle.image_builder(platform).ensure(("agent",))
        svc = LocalService.start(executor_settings=ExecutorSettings(kind="kubernetes"))
    except ShipyardError as err:
        print(f"kubernetes: left out ({err.message})")
        return []
    try:
        return [("kubernetes", "pods", *_measure(svc, repo, KUBE_BURST))]
    finally:
        svc.stop()
        for var in ("SHIPYARD_DATABASE_URL", "SHIPYARD_ARTIFACTS_DIR", "SHIPYARD_SECRET_KEY_FILE"):
            os.environ.pop(var, None)


def main() -> int:
    from shipyard.platform import binary

    temporal_binary = binary("temporal")  # before the XDG folders move to the temp folder
    with tempfile.TemporaryDirectory(prefix="shipyard-bench-") as folder:
        tmp = Path(folder)
        os.environ.pop("SHIPYARD_EXECUTOR_KIND", None)
        kube = _kubernetes(tmp)  # the machine's platform, before the XDG folders move
        for var in ("XDG_STATE_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME"):
            os.environ[var] = str(tmp / var.lower())
        for var in ("SHIPYARD_DATABASE_URL", "SHIPYARD_EXECUTOR_KIND"):
            os.environ.pop(var, None)
        return _bench(tmp, temporal_binary, kube)


def _bench(tmp: Path, temporal_binary: Path, kube: list[Row]) -> int:
    from shipyard.executor.service import LocalService
    from shipyard.platform.settings import ExecutorSettings

    repo = _repo(tmp)
    rows: list[Row] = []
    for workers in (1, 2):
        svc = LocalService.start(workers=workers)
        try:
            time.sleep(1.5)  # warm workers, as in a running service
            rows.append(("local", str(workers), *_measure(svc, repo)))
        finally:
            svc.stop()
    if not temporal_binary.exists():
        print(f"temporal: {temporal_binary} is missing (`shipyard platform up` builds it)")
    else:
        server = Temporal(temporal_binary, tmp)
        try:
            for workers in (1, 2):
                procs = server.workers(workers, tmp)
                settings = ExecutorSettings(
                    kind="temporal", temporal_address=server.address, local_workers=0
                )
                svc = LocalService.start(executor_settings=settings)
                try:
                    rows.append(("temporal", str(workers), *_measure(svc, repo)))
                finally:
                    svc.stop()
                    for proc in procs:
                        proc.terminate()
                        proc.wait(30)
        finally:
            server.stop()
    rows += kube
    print(f"{'executor':<12}{'workers':>8}{'dispatch median':>17}{'p90':>11}{'runs/s':>9}")
    for name, count, latencies, rate in rows:
        ordered = sorted(latencies)
        p90 = ordered[int(len(ordered) * 0.9)]
        median = statistics.median(latencies)
        print(f"{name:<12}{count:>8}{median:>14.1f} ms{p90:>8.1f} ms{rate:>9.1f}")
    print(
        f"({SEQUENTIAL} sequential one-step runs for latency, {BURST} at once for runs/s "
        f"({KUBE_BURST} for kubernetes); {os.cpu_count()} cores)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
