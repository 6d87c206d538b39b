"""Benchmark: where a per-pair job's time goes, stage by stage.

Runs the workflow on the demo configuration restricted to one array (a batch
run: the per-pair stages and figures of that array's pairs) in a temporary
folder with ``snakemake --cores 1 --skip-script-cleanup``, then takes one job
of every per-pair rule and splits its CPU time (user + system; wall times on
a shared machine vary with the load):

- ``benchmark``: CPU time of the job in Snakemake's benchmark files
  (``cpu_time``, mean over the array's pairs; Snakemake samples it every few
  seconds, so on a loaded machine it misses part of short jobs);
- ``process``: CPU time of the job's script process, measured when the job
  is re-run (this is what the job costs: Snakemake 9 runs a ``script:`` job
  as one ``python`` process started from a thread of the main Snakemake
  process, which does not plan the workflow again);
- ``python``: a bare interpreter start (``python -c pass``);
- ``wrapper``: the script preamble that Snakemake prepends (unpickling the
  ``snakemake`` object imports parts of Snakemake);
- ``imports``: every module the job imports (timed in a fresh interpreter, in
  the order the job imported them), except submodules the job loaded without
  their package's ``__init__`` (see :mod:`corephase.signal.scipy_signal`):
  importing those by name would run the package, so the body loads them and
  they count as ``compute``;
- ``read``, ``write``, ``draw``, ``compute``: the script body, imports
  already done, with timers around readers (corephase ``read_*``, ObsPy
  ``read``/``read_inventory``/``read_events``, ``numpy.load``, ``pandas.read_csv``),
  writers (corephase ``write_*``, ``numpy.savez*``, ``DataFrame.to_csv``),
  drawing (``corephase.plotting``); ``compute`` is the rest.

With ``--against CHECKOUT`` (another clone of the project, e.g. at the commit an
issue was measured on), the workflow also runs on that checkout's Snakefile and
sources, and each per-pair job script of both runs is re-run ``--repeat`` times,
alternating between the two (the host's speed drifts; alternation pairs the
runs): the table is the median CPU time of each job's process for both codes and
their ratio, followed by the split below of this checkout's jobs and its floor
against the other checkout (the floor over that checkout's per-pair CPU, and a
third of the latter, the target of issue #20).

Every job runs with one BLAS/OpenMP thread, as the workflow's jobs do
(``workflow/rules/common.smk``).

Each script body runs twice more after the workflow (once to list its imports,
once with timers around its readers, writers and drawing), so the split is of a
re-run of the same job on the same files. Prints one table (seconds, one row per
rule and their sum per pair), the per-pair wall time from the benchmark files
and the per-pair floor: the bodies' ``compute`` + ``draw``, what a pair would
cost with no interpreter start, wrapper, imports or file I/O (``compute``
includes libraries the body loads lazily, e.g. SciPy's LAPACK on the first
least-squares fit).
Run: ``.venv/bin/python bench/bench_stages.py [--array ILAR]
[--against ../ref --repeat 5]``
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
#: The workflow's jobs run single-threaded (workflow/rules/common.smk); so do the re-runs.
JOB_ENV = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
PAIR_RULES = ("fetch", "preprocess", "stack", "coda", "figures")
PREAMBLE_END = "######## snakemake preamble end #########\n"
COLUMNS = (
    "benchmark",
    "process",
    "python",
    "wrapper",
    "imports",
    "read",
    "write",
    "draw",
    "compute",
)

# (category, regex on "module:qualified name") of the timed functions; the outermost call counts.
CATEGORIES = (
    ("read", r"^corephase\.io\.\w+:read_\w+$"),
    ("read", r"^obspy\.core\.stream:read$"),
    ("read", r"^obspy\.core\.inventory\.inventory:read_inventory$"),
    ("read", r"^obspy\.core\.event\.catalog:read_events$"),
    ("read", r"^numpy(\.lib\.\w+)?:load$"),
    ("read", r"^pandas\.io\.parsers\.readers:read_csv$"),
    ("write", r"^corephase\.io\.\w+:write_\w+$"),
    ("write", r"^numpy(\.lib\.\w+)?:savez(_compressed)?$"),
    ("write", r"^pandas\.core\.generic:NDFrame\.to_csv$"),
    ("draw", r"^corephase\.plotting\.\w+:\w+$"),
)

# Runs one job script (argv: script, mode, output json): mode "modules" lists the modules
# it imports; mode "split" imports them first, then times the body with the functions of
# CATEGORIES wrapped by timers (outermost call only; no profiler overhead).
DRIVER = r"""
import functools, json, re, sys, time
from inspect import isfunction
script, mode, out = sys.argv[1:4]
text = open(script).read()
head, body = text.split(PREAMBLE_END, 1)
ns = {"__name__": "__main__", "__file__": script}
t0 = time.process_time()
exec(compile(head, script, "exec"), ns)
res = {"wrapper": time.process_time() - t0}
if mode == "modules":
    before = set(sys.modules)
    exec(compile(body, script, "exec"), ns)
    res["modules"] = [m for m in sys.modules if m not in before]
    json.dump(res, open(out, "w"))
    sys.exit(0)
t0 = time.process_time()
mods = json.load(open(out))["modules"]
for m in mods:
    parent = m.rpartition(".")[0]
    if parent and parent not in mods and parent not in sys.modules:
        continue  # loaded without its package's __init__ (signal.scipy_signal): left to the body
    try:
        __import__(m)
    except Exception:
        pass
res["imports"] = time.process_time() - t0
cats = [(c, re.compile(p)) for c, p in CATEGORIES]
spent, depth = {}, [0]
def category(f):
    name = f"{getattr(f, '__module__', '')}:{getattr(f, '__qualname__', '')}"
    return next((c for c, p in cats if p.search(name)), None)
def timed(f, c):
    @functools.wraps(f)
    def w(*a, **k):
        if depth[0]:
            return f(*a, **k)
        depth[0] += 1
        t = time.process_time()
        try:
            return f(*a, **k)
        finally:
            depth[0] -= 1
            spent[c] = spent.get(c, 0.0) + time.process_time() - t
    w.__wrapped_category__ = c
    return w
wrapped = {}
for mod in list(sys.modules.values()):
    for owner in [mod, *[v for v in vars(mod).values() if isinstance(v, type)]] if mod else []:
        for k, v in list(vars(owner).items()):
            plain = callable(v) and not isinstance(v, type) if owner is mod else isfunction(v)
            if not plain or hasattr(v, "__wrapped_category__"):
                continue
            c = category(v)
            if c is None:
                continue
            try:
                setattr(owner, k, wrapped.setdefault(id(v), timed(v, c)))
            except (AttributeError, TypeError):
                pass
t0 = time.process_time()
exec(compile(body, script, "exec"), ns)
res["body"] = time.process_time() - t0
res.update(spent)
json.dump(res, open(out, "w"))
"""


def code_env(root: Path) -> dict:
    """Environment that runs the project checkout ``root``'s sources, single-threaded."""
    path = os.pathsep.join(filter(None, [str(root / "src"), os.environ.get("PYTHONPATH")]))
    return {**os.environ, **JOB_ENV, "PYTHONPATH": path, "MPLBACKEND": "Agg"}


def run_workflow(work: Path, array: str, cores: int, root: Path = ROOT) -> float:
    """Run the demo workflow of checkout ``root`` for one array's pairs in ``work``;
    return the wall time (s)."""
    shutil.copy(root / "config.yaml", work / "config.yaml")
    cmd = [
        sys.executable,
        "-m",
        "snakemake",
        "--snakefile",
        str(root / "Snakefile"),
        "--directory",
        str(work),
        "--configfile",
        str(work / "config.yaml"),
        "--cores",
        str(cores),
        "--skip-script-cleanup",
        "--config",
        f"batch={{arrays: [{array}]}}",
    ]
    t0 = time.perf_counter()
    res = subprocess.run(cmd, cwd=work, capture_output=True, text=True, env=code_env(root))
    wall = time.perf_counter() - t0
    if res.returncode:
        sys.exit(f"snakemake failed:\n{res.stderr[-4000:]}")
    return wall


def benchmark_rows(work: Path) -> dict:
    """``{rule: [(pair, s, cpu_time), ...]}`` from the benchmark files of the per-pair rules."""
    rows: dict = {}
    for rule in PAIR_RULES:
        for tsv in sorted((work / "benchmarks" / rule).rglob("*.tsv")):
            head, vals = tsv.read_text().splitlines()[:2]
            rec = dict(zip(head.split("\t"), vals.split("\t"), strict=True))
            pair = "/".join(tsv.relative_to(work / "benchmarks" / rule).with_suffix("").parts)
            rows.setdefault(rule, []).append((pair, float(rec["s"]), float(rec["cpu_time"])))
    return rows


def child_cpu() -> float:
    """CPU time (user + system, s) of the finished child processes so far."""
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def python_start() -> float:
    """Mean CPU time of 5 bare interpreter starts (s)."""
    t0 = child_cpu()
    for _ in range(5):
        subprocess.run([sys.executable, "-c", "pass"], check=True)
    return (child_cpu() - t0) / 5


def split_job(work: Path, script: Path) -> dict:
    """Wrapper, imports, read, write, draw and compute times of one kept job script (s)."""
    driver = work / "driver.py"
    driver.write_text(f"PREAMBLE_END = {PREAMBLE_END!r}\nCATEGORIES = {CATEGORIES!r}\n" + DRIVER)
    out = work / "split.json"
    env = code_env(ROOT)
    for mode in ("modules", "split"):
        cmd = [sys.executable, str(driver), str(script), mode, str(out)]
        t0 = child_cpu()
        subprocess.run(cmd, cwd=work, check=True, env=env, capture_output=True)
        if mode == "modules":
            cpu = child_cpu() - t0
    res = json.loads(out.read_text())
    res["process"] = cpu
    res["compute"] = res["body"] - sum(res.get(k, 0.0) for k in ("read", "write", "draw"))
    return res


def job_scripts(work: Path) -> dict:
    """``{rule: script}``: one kept job script of each per-pair rule run in ``work``."""
    scripts = sorted((work / ".snakemake" / "scripts").glob("tmp*.py"))
    found = {
        r: next((x for x in scripts if x.name.endswith(f".{r}.py")), None) for r in PAIR_RULES
    }
    return {r: x for r, x in found.items() if x is not None}


def job_cpu(work: Path, script: Path, env: dict) -> float:
    """CPU time (user + system, s) of one re-run of a kept job script."""
    t0 = child_cpu()
    subprocess.run(
        [sys.executable, str(script)], cwd=work, env=env, check=True, capture_output=True
    )
    return child_cpu() - t0


def print_split(work: Path, array: str, note: str) -> dict:
    """Print the split of one kept job of every per-pair rule run in ``work``, then the
    per-pair CPU and its floor (body compute + draw: what a pair costs with no
    interpreter start, Snakemake wrapper, imports or file I/O); return ``{column: s per pair}``."""
    rows = benchmark_rows(work)
    py = python_start()
    scripts = job_scripts(work)
    print(f"{array}: {len(rows.get('fetch', []))} pairs, {note}")
    print("| stage | " + " | ".join(COLUMNS) + " |")
    print("| --- " * (len(COLUMNS) + 1) + "|")
    total = dict.fromkeys(COLUMNS, 0.0)
    for rule, script in scripts.items():
        if rule not in rows:
            continue
        sp = split_job(work, script)
        vals = {
            "benchmark": sum(r[2] for r in rows[rule]) / len(rows[rule]),
            "process": sp["process"],
            "python": py,
            **{k: sp.get(k, 0.0) for k in ("wrapper", "imports", "read", "write", "draw")},
            "compute": sp["compute"],
        }
        total = {k: total[k] + vals[k] for k in COLUMNS}
        print(f"| {rule} | " + " | ".join(f"{vals[c]:.2f}" for c in COLUMNS) + " |")
    print("| per pair | " + " | ".join(f"{total[c]:.2f}" for c in COLUMNS) + " |")
    floor = total["compute"] + total["draw"]
    print(
        f"per-pair job wall time (mean over pairs) "
        f"{sum(sum(r[1] for r in v) / len(v) for v in rows.values()):.1f} s; "
        f"floor (compute + draw) {floor:.2f} s of the {total['process']:.2f} s per pair"
    )
    total["floor"] = floor
    return total


def paired(array: str, against: Path, repeat: int, keep: Path | None) -> None:
    """Median per-job CPU of this checkout and of ``against``, runs alternated."""
    base = keep or Path(tempfile.mkdtemp(prefix="bench_stages."))
    sides = {"against": (against.resolve(), base / "against"), "this": (ROOT, base / "this")}
    try:
        for root, work in sides.values():
            work.mkdir(parents=True, exist_ok=True)
            run_workflow(work, array, 1, root)
        scripts = {k: job_scripts(work) for k, (_, work) in sides.items()}
        times = {k: {r: [] for r in PAIR_RULES} for k in sides}
        for _ in range(repeat):
            for rule in PAIR_RULES:
                for k, (root, work) in sides.items():
                    if rule in scripts[k]:
                        times[k][rule].append(job_cpu(work, scripts[k][rule], code_env(root)))
        med = {k: {r: float(np.median(v)) for r, v in t.items() if v} for k, t in times.items()}
        print(f"{array}: CPU s per job process, median of {repeat} alternated runs")
        print(f"| stage | {against.name} | this | ratio |\n| --- | --- | --- | --- |")
        for rule in PAIR_RULES:
            a, b = med["against"].get(rule, np.nan), med["this"].get(rule, np.nan)
            print(f"| {rule} | {a:.2f} | {b:.2f} | {b / a:.2f} |")
        a, b = (sum(med[k].values()) for k in ("against", "this"))
        print(f"| per pair | {a:.2f} | {b:.2f} | {b / a:.2f} |")
        print()
        total = print_split(sides["this"][1], array, "this checkout's jobs, split")
        print(
            f"floor / {against.name} per pair: {total['floor'] / a:.2f} "
            f"(a third of {against.name} is {a / 3:.2f} s)"
        )
    finally:
        if keep is None:
            shutil.rmtree(base, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--array", default="ILAR", help="demo array whose pairs run (default ILAR)")
    ap.add_argument("--cores", type=int, default=1)
    ap.add_argument("--keep", type=Path, help="run in this folder and keep it")
    ap.add_argument(
        "--reuse", action="store_true", help="split the jobs of an earlier --keep run again"
    )
    ap.add_argument("--against", type=Path, help="another checkout to compare with, paired")
    ap.add_argument("--repeat", type=int, default=5, help="alternated re-runs (--against)")
    args = ap.parse_args()
    if args.against is not None:
        paired(args.array, args.against, args.repeat, args.keep)
        return
    work = args.keep or Path(tempfile.mkdtemp(prefix="bench_stages."))
    work.mkdir(parents=True, exist_ok=True)
    try:
        wall = float("nan") if args.reuse else run_workflow(work, args.array, args.cores)
        print_split(work, args.array, f"workflow {wall:.1f} s on {args.cores} core(s)")
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
