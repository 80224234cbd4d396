"""Run engine benchmark: what Shipyard itself costs around the steps it runs.

Prints, from one run on this machine:

1. the engine's own overhead per step, with ``true`` steps: the time a run takes per extra
   step, minus what starting ``bash --noprofile --norc FILE`` costs on its own
   (target: under 10 ms);
2. a 4-step trivial pipeline, from submitted to finished, inside a running engine with
   warm workers (target: under 100 ms), with and without the implicit checkout; the CLI's
   own start-up time is printed apart;
3. trivial runs per second with two workers (target: 20 or more).

Everything runs against a throw-away SQLite store and git repository in a temp folder.
Figures only: nothing here asserts on time.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

WORKERS = 2


def _git(repo: Path, *args: str) -> str:
    done = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True)
    return done.stdout.strip()


def _repo(root: Path, pipelines: dict[str, str]) -> Path:
    repo = root / "repo"
    repo.mkdir()
    _git(repo, "init", "-q", "-b", "main")
    registry = "pipelines:\n" + "".join(f"  {n}: {n}.yml\n" for n in pipelines)
    (repo / "shipyard.yml").write_text(registry)
    for name, text in pipelines.items():
        (repo / f"{name}.yml").write_text(text)
    _git(repo, "add", "-A")
    _git(repo, "-c", "user.name=b", "-c", "user.email=b@b", "commit", "-q", "-m", "bench")
    return repo


def _steps(n: int, checkout: bool = False) -> str:
    head = "steps:\n" + ("" if checkout else "- checkout: none\n")
    return head + "".join(f"- script: 'true'\n  name: s{i}\n" for i in range(n))


def _bare_process_ms(tmp: Path, rounds: int = 40) -> float:
    script = tmp / "true.sh"
    script.write_text("true")
    bash = "/bin/bash" if Path("/bin/bash").exists() else "bash"
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        subprocess.run([bash, "--noprofile", "--norc", str(script)], check=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def _cli_startup_ms() -> float:
    times = []
    for _ in range(5):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "shipyard", "--version"], capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="shipyard-bench-") as folder:
        tmp = Path(folder)
        for var in ("XDG_STATE_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME"):
            os.environ[var] = str(tmp / var.lower())
        os.environ.pop("SHIPYARD_DATABASE_URL", None)
        return _bench(tmp)


def _bench(tmp: Path) -> int:
    from shipyard.executor.service import LocalService
    from shipyard.flow.run.spec import RunRequest

    pipelines = {
        "one": _steps(1),
        "many": _steps(51),
        "four": _steps(4),
        "four_checkout": _steps(4, checkout=True),
    }
    repo = _repo(tmp, pipelines)
    sha = _git(repo, "rev-parse", "HEAD")
    started = time.perf_counter()
    svc = LocalService.start(workers=WORKERS)
    print(
        f"engine and {WORKERS} workers started in {(time.perf_counter() - started) * 1000:.0f} ms"
    )

    def request(name: str) -> RunRequest:
        return RunRequest(
            name, f"{name}.yml", str(repo), {"kind": "manual"}, sha, "refs/heads/main", "Manual"
        )

    def run(name: str) -> float:
        begin = time.perf_counter()
        run_id = svc.engine.submit(request(name)).result(60)
        assert run_id is not None
        while not svc.engine.settled(run_id):
            time.sleep(0.0005)
        elapsed = time.perf_counter() - begin
        record = svc.store.get_run(run_id)
        assert record is not None and str(record.status) == "succeeded", record
        return elapsed * 1000

    try:
        time.sleep(2.0)  # let the workers finish starting: they are warm in a running service
        for _ in range(3):
            run("four")
        bare = _bare_process_ms(tmp)
        one = statistics.median(run("one") for _ in range(5))
        many = statistics.median(run("many") for _ in range(3))
        per_step = (many - one) / 50
        print(f"bash --noprofile --norc FILE alone:        {bare:7.1f} ms")
        print(f"run time per extra 'true' step:            {per_step:7.1f} ms")
        print(
            f"engine overhead per step (beyond bash):    {per_step - bare:7.1f} ms  (target < 10)"
        )
        four = [run("four") for _ in range(15)]
        four_co = [run("four_checkout") for _ in range(10)]
        print(
            f"4-step pipeline, submitted to finished:    {statistics.median(four):7.1f} ms  "
            f"(p90 {sorted(four)[int(len(four) * 0.9)]:.1f}; target < 100)"
        )
        print(f"  same with the implicit checkout:         {statistics.median(four_co):7.1f} ms")
        count = 40
        begin = time.perf_counter()
        futures = [svc.engine.submit(request("one")) for _ in range(count)]
        ids = [f.result(120) for f in futures]
        while not all(svc.engine.settled(i) for i in ids if i is not None):
            time.sleep(0.002)
        rate = count / (time.perf_counter() - begin)
        where = f"{WORKERS} workers, {os.cpu_count()} cores"
        print(f"trivial runs per second ({where}):  {rate:7.1f}  (target >= 20)")
    finally:
        svc.stop()
    print(f"CLI start-up (python -m shipyard --version): {_cli_startup_ms():7.1f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
