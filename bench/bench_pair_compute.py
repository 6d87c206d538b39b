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

Each stage runs ``--repeat`` times; the table shows the fastest run. With
``--baseline SRC`` (another checkout's ``src`` folder, e.g. ``../main/src``) the
runs alternate between that code and this checkout's, one of each per repeat (a
paired A/B comparison: on a shared machine the speed drifts between runs), and the
table shows each side's median. When the pair folder already holds the stage's
tables (``stack/detections.csv``, ``stack/statics.csv``, ``coda/coda.csv``, e.g. the
demo's own results), the new tables are compared with them byte for byte.

The pair comes from ``--pair`` (a ``results/{array}/{event}`` folder with
``preprocessed/``); without it the demo workflow is run up to the preprocess
stage of ILAR in a temporary folder.
Run: ``.venv/bin/python bench/bench_pair_compute.py [--pair results/ILAR/20140623_Aleutians]
[--baseline ../main/src --repeat 7] [--stages stack]``
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
bands = {b["name"]: str(pair / "preprocessed" / f"{b['name']}.npz") for b in config["bands"]}
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


def run_stage(stage: str, pair: Path, work: Path, cfg: Path, src: Path | None = None) -> dict:
    """One run of ``stage`` in a fresh interpreter: CPU of the process (the stage called
    once), its start, the stage's first and second call (s); ``src`` on ``PYTHONPATH``
    (default: this checkout's ``src``)."""
    out = work / stage
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir()
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    env["PYTHONPATH"] = str(src if src is not None else ROOT / "src")
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


def summary(runs: list[dict], paired: bool) -> dict:
    """Each time's median over paired runs, else the fastest run (by process CPU)."""
    import statistics

    if paired:
        return {k: statistics.median(r[k] for r in runs) for k in runs[0]}
    return min(runs, key=lambda r: r["process"])


def bench_stage(stage: str, pair: Path, work: Path, cfg: Path, sides: dict, repeat: int):
    """Print one table row per side (``{name: src or None}``), the sides' runs alternating."""
    runs: dict = {name: [] for name in sides}
    tables = {}
    for _ in range(repeat):
        for name, src in sides.items():
            runs[name].append(run_stage(stage, pair, work, cfg, src))
            tables[name] = same_tables(stage, pair, work)
    for name in sides:
        best = summary(runs[name], len(sides) > 1)
        vals = " | ".join(f"{best[k]:.2f}" for k in ("process", "start", "stage", "warm"))
        print(f"| {stage} | {name} | {vals} | {tables[name]} |")


def main():
    from corephase.config.validation import load_config

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pair", type=Path, help="results/{array}/{event} folder of one pair")
    ap.add_argument("--config", type=Path, default=ROOT / "config.yaml")
    ap.add_argument("--repeat", type=int, default=3, help="runs per stage (and side)")
    ap.add_argument("--baseline", type=Path, help="src folder of the code to compare with")
    ap.add_argument("--stages", nargs="+", default=["stack", "coda"], choices=["stack", "coda"])
    args = ap.parse_args()
    sides = {"this": None} if args.baseline is None else {"baseline": args.baseline, "this": None}
    work = Path(tempfile.mkdtemp(prefix="bench_pair_compute."))
    try:
        pair = args.pair if args.pair is not None else demo_pair(work)
        cfg = work / "config.json"
        cfg.write_text(json.dumps(load_config(args.config)))
        how = "median of paired runs" if args.baseline else "fastest run"
        print(f"pair {pair}: CPU s, {how} ({args.repeat} per side)")
        print("| stage | code | process | start | stage | warm | tables |")
        print("| --- | --- | --- | --- | --- | --- | --- |")
        for stage in args.stages:
            bench_stage(stage, pair, work, cfg, sides, args.repeat)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
