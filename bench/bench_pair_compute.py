"""Benchmark: CPU time of one pair's ``stack`` and ``coda`` stage, imports included.

Runs :func:`corephase.stages.stack.stack_pair` and
:func:`corephase.stages.coda.coda_pair` on one preprocessed pair (default: the
demo's ILAR pair, 18 elements, two bands) each in a fresh interpreter, as a
workflow job does, and prints per stage the CPU time (user + system, s; wall
times on a shared machine vary with the load) of

- ``process``: the whole interpreter (start, imports, read, compute, write);
- ``start``: the interpreter start and the stage module's import;
- ``stage``: the stage function's first call (the imports it makes, read, compute, write);
- ``warm``: a second call in the same interpreter (read, compute, write: what is left
  once every import is paid).

Each stage runs ``--repeat`` times; the table shows the fastest run. When the
pair folder already holds the stage's tables (``stack/detections.csv``,
``stack/statics.csv``, ``coda/coda.csv``, e.g. the demo's own results), the
new tables are compared with them byte for byte.

The pair comes from ``--pair`` (a ``results/{array}/{event}`` folder with
``preprocessed/``); without it the demo workflow is run up to the preprocess
stage of ILAR in a temporary folder.
Run: ``.venv/bin/python bench/bench_pair_compute.py [--pair results/ILAR/20140623_Aleutians]
[--stages coda]``
"""

from __future__ import annotations

import argparse
import filecmp
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEMO_PAIR = "results/ILAR/20140623_Aleutians"

# One stage in a fresh interpreter (argv: stage, pair folder, output folder, config json);
# prints the CPU seconds of its imports and of the stage call as JSON.
RUNNER = r"""
import json, sys, time
stage, pair, out, cfg = sys.argv[1:5]
from pathlib import Path
if stage == "stack":
    from corephase.stages.stack import stack_pair as run
else:
    from corephase.stages.coda import coda_pair as run
t1 = time.process_time()
config = json.loads(Path(cfg).read_text())
pair, out = Path(pair), Path(out)
bands = {b["name"]: str(pair / "preprocessed" / f"{b['name']}.mseed") for b in config["bands"]}
pj = str(pair / "preprocessed" / "pair.json")
cpu = []
for _ in range(2):
    t = time.process_time()
    if stage == "stack":
        run(pj, bands, config, out / "detections.csv", out / "beams.npz", out / "statics.csv")
    else:
        run(pj, bands, config, out / "coda.csv", {b: out / f"{b}.npz" for b in bands})
    cpu.append(time.process_time() - t)
print(json.dumps({"start": t1, "stage": cpu[0], "warm": cpu[1]}))
"""

TABLES = {"stack": ("detections.csv", "statics.csv"), "coda": ("coda.csv",)}
STAGES = tuple(TABLES)


def child_cpu() -> float:
    """CPU time (user + system, s) of the finished child processes so far."""
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def demo_pair(work: Path) -> Path:
    """Run the demo workflow up to the preprocess stage of its ILAR pair in ``work``."""
    shutil.copy(ROOT / "config.yaml", work / "config.yaml")
    target = f"{DEMO_PAIR}/preprocessed/pair.json"
    cmd = [sys.executable, "-m", "snakemake", "--snakefile", str(ROOT / "Snakefile")]
    cmd += ["--directory", str(work), "--cores", "1", "--config", "batch={arrays: [ILAR]}"]
    res = subprocess.run([*cmd, target], cwd=work, capture_output=True, text=True)
    if res.returncode:
        sys.exit(f"snakemake failed:\n{res.stderr[-4000:]}")
    return work / DEMO_PAIR


def run_stage(stage: str, pair: Path, work: Path, cfg: Path) -> dict:
    """One run of ``stage`` in a fresh interpreter: CPU of the process (the stage called
    once), its start, the stage's first and second call (s)."""
    out = work / stage
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir()
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    cmd = [sys.executable, "-c", RUNNER, stage, str(pair), str(out), str(cfg)]
    t0 = child_cpu()
    res = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if res.returncode:
        sys.exit(f"{stage} failed:\n{res.stderr[-4000:]}")
    times = json.loads(res.stdout.strip().splitlines()[-1])
    # the process ran the stage twice: count the first call only
    return {"process": child_cpu() - t0 - times["warm"], **times}


def same_tables(stage: str, pair: Path, work: Path) -> str:
    """'identical', 'DIFFERENT (...)' or 'no reference' against the pair's own tables."""
    ref = [pair / stage / name for name in TABLES[stage]]
    if not all(p.exists() for p in ref):
        return "no reference"
    diff = [p.name for p in ref if not filecmp.cmp(p, work / stage / p.name, shallow=False)]
    return f"DIFFERENT ({', '.join(diff)})" if diff else "identical"


def main():
    from corephase.config.validation import load_config

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pair", type=Path, help="results/{array}/{event} folder of one pair")
    ap.add_argument("--config", type=Path, default=ROOT / "config.yaml")
    ap.add_argument("--repeat", type=int, default=3, help="runs per stage (fastest shown)")
    ap.add_argument("--stages", nargs="+", choices=STAGES, default=STAGES, help="stages to run")
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench_pair_compute."))
    try:
        pair = args.pair if args.pair is not None else demo_pair(work)
        cfg = work / "config.json"
        cfg.write_text(json.dumps(load_config(args.config)))
        print(f"pair {pair}: CPU s, fastest of {args.repeat} runs")
        print("| stage | process | start | stage | warm | tables |")
        print("| --- | --- | --- | --- | --- | --- |")
        for stage in args.stages:
            runs = [run_stage(stage, pair, work, cfg) for _ in range(args.repeat)]
            best = min(runs, key=lambda r: r["process"])
            vals = " | ".join(f"{best[k]:.2f}" for k in ("process", "start", "stage", "warm"))
            print(f"| {stage} | {vals} | {same_tables(stage, pair, work)} |")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
