"""Run ``camtwin regress --seeds`` through a real Dask scheduler and two workers on 127.0.0.1
(separate processes), and through the local pool, and write both ``seeds.json`` files.

Usage: ``python -m tests.farm_cluster OUT_DIR REGMAP SEEDS CYCLES SIMULATOR``. Run it inside a
loopback-only network namespace (``tests.netns.run``): the scheduler and workers then listen and
talk on ``lo`` only.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from .netns import require_loopback_only

ROOT = Path(__file__).resolve().parent.parent


def _wait_workers(scheduler_file: Path, n: int, timeout: float = 120.0) -> str:
    from distributed import Client

    t0 = time.monotonic()
    while not scheduler_file.exists():
        if time.monotonic() - t0 > timeout:
            raise RuntimeError("the Dask scheduler did not start")
        time.sleep(0.2)
    address = json.loads(scheduler_file.read_text())["address"]
    with Client(address, timeout=timeout, set_as_default=False) as client:
        client.wait_for_workers(n, timeout=timeout)
    return address


def main(argv: list[str]) -> int:
    out, regmap, seeds, cycles, simulator = argv
    out = Path(out)
    require_loopback_only()
    env = dict(
        os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])
    )
    sched_file = out / "scheduler.json"
    common = ["--no-dashboard"]
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "distributed.cli.dask_scheduler",
                "--host",
                "127.0.0.1",
                "--port",
                "0",
                "--scheduler-file",
                str(sched_file),
                *common,
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=open(out / "scheduler.log", "w"),  # noqa: SIM115
        )
    ]
    try:
        for i in range(2):
            procs.append(
                subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "distributed.cli.dask_worker",
                        "--scheduler-file",
                        str(sched_file),
                        "--host",
                        "127.0.0.1",
                        "--nworkers",
                        "1",
                        "--nthreads",
                        "1",
                        "--name",
                        f"w{i}",
                        *common,
                    ],
                    env=env,
                    cwd=out,
                    stdout=subprocess.DEVNULL,
                    stderr=open(out / f"worker{i}.log", "w"),  # noqa: SIM115
                )
            )
        address = _wait_workers(sched_file, 2)
        from camtwin.cli import main as camtwin

        base = [
            "regress",
            regmap,
            "--sim",
            simulator,
            "--seeds",
            seeds,
            "--only-seeds",
            "--random-cycles",
            cycles,
        ]
        rc_dask = camtwin([*base, "--scheduler", address, "-o", str(out / "dask")])
        rc_local = camtwin([*base, "--workers", "2", "-o", str(out / "local")])
        (out / "status.json").write_text(
            json.dumps({"dask": rc_dask, "local": rc_local, "address": address})
        )
    finally:
        for p in reversed(procs):
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
