"""Planning cost of the second stage (issue #5): checkpoint vs second pass.

Two toy workflows with the shape of corephase's (N stage-1 pairs x 3 per-pair rules ->
one catalogue -> the dense plan -> M dense pairs through the SAME per-pair rules -> a
dense summary; every job only touches its outputs) are timed in child processes:

  second-pass  the plan is an ordinary rule; the Snakefile reads results/dense/plan.csv
               at parse time (as common.smk does with
               corephase.planning.dense_pairs.dense_pairs) and
               adds the dense pairs to the per-pair targets;
  checkpoint   the plan is a checkpoint; the summary's input function reads it
               (checkpoints.dense_plan.get()) and returns the dense pairs' outputs.

Measured for each, with every output already present (the plan lists M pairs):
  dry      ``snakemake -n`` (what every invocation pays before running anything);
  replan   a real run after the catalogue is touched (a stage-1 result changed): only
           the plan and the summary run, the rest is up to date; for the checkpoint
           this includes Snakemake's DAG update after the checkpoint job.
It also times :func:`corephase.planning.dense_pairs.dense_pairs` on a plan of M pairs x S
stations (the parse-time cost the real workflow adds).

Example::

    .venv/bin/python bench/bench_dense_planning.py --sizes 1000 10000 --dense 300
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from corephase.planning.dense import PLAN_COLUMNS  # noqa: E402
from corephase.planning.dense_pairs import dense_pairs  # noqa: E402

COMMON = """
import csv, os
N = int(config["n_stage1"]); M = int(config["n_dense"])
STAGE1 = [("A%d" % (i % 18), "E%05d" % i) for i in range(N)]

def plan_rows():
    return [("D%d" % (j % 3), "E%05d" % j) for j in range(M)]

wildcard_constraints:
    array=r"[A-Za-z0-9]+",
    event=r"E[0-9]+",

rule fetch:
    output: "r/{array}/{event}/raw"
    shell: "touch {output}"

rule stack:
    input: "r/{array}/{event}/raw"
    output: "r/{array}/{event}/det"
    shell: "touch {output}"

rule figures:
    input: "r/{array}/{event}/det"
    output: "r/{array}/{event}/fig"
    shell: "touch {output}"

rule catalogue:
    input: [f"r/{a}/{e}/det" for a, e in STAGE1]
    output: "summary/catalogue.csv"
    shell: "touch {output}"
"""

SECOND_PASS = (
    COMMON
    + """
DENSE = []
if os.path.exists("dense/plan.csv"):
    with open("dense/plan.csv") as fh:
        DENSE = [tuple(r) for r in csv.reader(fh)]

rule all:
    default_target: True
    input:
        [f"r/{a}/{e}/fig" for a, e in STAGE1 + DENSE],
        "summary/catalogue.csv",
        "dense/plan.csv",
        ["dense/summary.csv"] if DENSE else [],

rule dense_plan:
    input: "summary/catalogue.csv"
    output: "dense/plan.csv"
    run:
        with open(output[0], "w") as fh:
            csv.writer(fh).writerows(plan_rows())

rule dense_summary:
    input: "dense/plan.csv", [f"r/{a}/{e}/det" for a, e in DENSE]
    output: "dense/summary.csv"
    shell: "touch {output}"
"""
)

CHECKPOINT = (
    COMMON
    + """
rule all:
    default_target: True
    input:
        [f"r/{a}/{e}/fig" for a, e in STAGE1],
        "summary/catalogue.csv",
        "dense/summary.csv",

checkpoint dense_plan:
    input: "summary/catalogue.csv"
    output: "dense/plan.csv"
    run:
        with open(output[0], "w") as fh:
            csv.writer(fh).writerows(plan_rows())

def dense_outputs(wildcards):
    with open(checkpoints.dense_plan.get().output[0]) as fh:
        pairs = [tuple(r) for r in csv.reader(fh)]
    return [f"r/{a}/{e}/{k}" for a, e in pairs for k in ("det", "fig")]

rule dense_summary:
    input: "dense/plan.csv", dense_outputs
    output: "dense/summary.csv"
    shell: "touch {output}"
"""
)


def snakemake(workdir: Path, n: int, m: int, *args: str) -> float:
    cmd = [
        sys.executable,
        "-m",
        "snakemake",
        "--snakefile",
        str(workdir / "Snakefile"),
        "--directory",
        str(workdir),
        "--cores",
        "1",
        *args,
        "--quiet",
        "rules",
        "--config",
        f"n_stage1={n}",
        f"n_dense={m}",
    ]
    t0 = time.perf_counter()
    res = subprocess.run(cmd, capture_output=True, text=True, cwd=workdir)
    dt = time.perf_counter() - t0
    if res.returncode != 0:
        raise RuntimeError(f"snakemake failed:\n{res.stdout[-2000:]}\n{res.stderr[-3000:]}")
    return dt


def populate(workdir: Path, n: int, m: int) -> None:
    """Create every output (stage 1, catalogue, plan, dense pairs, summary) in DAG order."""
    pairs = [(f"A{i % 18}", f"E{i:05d}") for i in range(n)]
    pairs += [(f"D{j % 3}", f"E{j:05d}") for j in range(m)]
    for step in ("raw", "det", "fig"):
        for a, e in pairs:
            p = workdir / "r" / a / e / step
            p.parent.mkdir(parents=True, exist_ok=True)
            p.touch()
        time.sleep(0.01)
    (workdir / "summary").mkdir(exist_ok=True)
    (workdir / "summary/catalogue.csv").touch()
    time.sleep(0.01)
    (workdir / "dense").mkdir(exist_ok=True)
    write_toy_plan(workdir, m)
    time.sleep(0.01)
    (workdir / "dense/summary.csv").touch()


def write_toy_plan(workdir: Path, m: int) -> None:
    rows = "".join(f"D{j % 3},E{j:05d}\n" for j in range(m))
    (workdir / "dense/plan.csv").write_text(rows)


def bench_toy(n: int, m: int, keep: Path | None) -> list[dict]:
    out = []
    with tempfile.TemporaryDirectory(prefix="bench_dense_") as tmp:
        base = keep or Path(tmp)
        for mode, text in (("second-pass", SECOND_PASS), ("checkpoint", CHECKPOINT)):
            wd = base / f"{mode}_{n}_{m}"
            wd.mkdir(parents=True, exist_ok=True)
            (wd / "Snakefile").write_text(textwrap.dedent(text))
            populate(wd, n, m)
            # the first call records Snakemake's metadata; time the next ones
            snakemake(wd, n, m, "--touch")
            dry = min(snakemake(wd, n, m, "-n") for _ in range(2))
            # a new stage-1 result: the catalogue is newer than the plan
            time.sleep(0.01)
            (wd / "summary/catalogue.csv").touch()
            replan = snakemake(wd, n, m)
            assert (wd / "dense/plan.csv").stat().st_mtime > (
                wd / "summary/catalogue.csv"
            ).stat().st_mtime, "the plan was not remade"
            out.append({"mode": mode, "stage1": n, "dense": m, "dry_s": dry, "replan_s": replan})
    return out


def bench_parse(m: int, stations: int, seed: int = 0) -> float:
    """Seconds of dense_pairs() on a plan of m pairs x `stations` stations."""
    rng = np.random.default_rng(seed)
    rows = m * stations
    plan = pd.DataFrame(
        {
            "event": np.repeat([f"E{j:05d}" for j in range(m)], stations),
            "network": "TA",
            "station_network": "TA",
            "station": [f"S{k:04d}" for k in range(rows)],
            "latitude": rng.uniform(30, 48, rows),
            "longitude": rng.uniform(-110, -70, rows),
            "elevation_m": 100.0,
            "channel": "BHZ",
            "distance_deg": rng.uniform(55, 70, rows),
            "backazimuth_deg": rng.uniform(300, 330, rows),
            "n_open": stations,
            "n_detections": 2,
            "arrays": "ILAR,YKA",
            "best_snr": 10.0,
        }
    )[PLAN_COLUMNS]
    cfg = {
        "arrays": {},
        "dense_networks": {"TA": {"source": "fdsn", "network": "TA", "channels": ["BHZ"]}},
    }
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "plan.csv"
        plan.to_csv(path, index=False)
        t0 = time.perf_counter()
        _, pairs, _ = dense_pairs(cfg, path)
        dt = time.perf_counter() - t0
    assert len(pairs) == m
    return dt


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--sizes", nargs="+", type=int, default=[1000, 10000])
    p.add_argument("--dense", type=int, default=300, help="dense pairs in the plan")
    p.add_argument("--stations", type=int, default=60, help="stations per dense pair")
    p.add_argument("--keep", type=Path, help="keep the toy workflows in this folder")
    a = p.parse_args(argv)
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    print(f"{'mode':>12} {'stage1':>7} {'dense':>6} {'dry -n s':>9} {'replan s':>9}")
    for n in a.sizes:
        for r in bench_toy(n, a.dense, a.keep):
            print(
                f"{r['mode']:>12} {r['stage1']:>7} {r['dense']:>6} "
                f"{r['dry_s']:>9.2f} {r['replan_s']:>9.2f}"
            )
    dt = bench_parse(a.dense, a.stations)
    print(f"dense_pairs() parse-time cost, {a.dense} pairs x {a.stations} stations: {dt:.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
