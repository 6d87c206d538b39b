"""Planning cost of the workflow at scale: dry-run time and peak memory vs. number of pairs.

For each size N the global configuration of ``corephase.planning.globalplan`` (18 IMS arrays x a
synthetic M>=5 catalogue, cut at N pairs) is written to a scratch folder and
``snakemake --dry-run`` is timed in a child process; its peak resident memory and CPU seconds
come from ``os.wait4`` (the kernel's accounting of exactly that process). On a loaded machine
compare CPU seconds: wall time then also counts other processes. Nothing is computed: dry
runs only parse the config, plan the pairs, build the DAG and print the job summary.

Modes:
  plain      ``snakemake --dry-run --quiet rules`` (what a local run plans);
  reference  a plain five-rule Snakefile of the same per-pair shape (:data:`REFERENCE_SNAKEFILE`:
             same outputs, a log, a benchmark and a script per job; no params, input
             functions, wildcard constraints, conda or report declarations, no summary rules),
             the floor the workflow's per-job cost is compared with;
  bare       the reference without logs and benchmarks and with a shell command instead of a
             script (what those three cost Snakemake per job);
  groups     the same as plain with the SLURM profile's groups (per-array batches of 25
             pairs), the extra planning a cluster run does;
  batch-array       the configuration split per array (as a ``batch: {arrays: [A]}``
                    selection plans it); the largest batch is timed (--all-batches: all);
  batch-array-year  split per array and origin year (``batch: {arrays: [A], years: [Y]}``);
  batch-plan        split by ``globalplan.plan_batches`` (``--batch-pairs``, default
                    ``globalplan.DEFAULT_BATCH_PAIRS``), as ``corephase run-study`` runs it;
                    the time to make the batch list is printed too.

Examples::

    .venv/bin/python bench/bench_planning.py                          # 1e3 1e4, plain
    .venv/bin/python bench/bench_planning.py --modes plain reference  # against the floor
    .venv/bin/python bench/bench_planning.py --sizes 100000 --modes batch-plan
    .venv/bin/python bench/bench_planning.py --sizes 2000 --modes plain reference --profile p.txt
    .venv/bin/python bench/bench_planning.py --snakefile /old/checkout/Snakefile  # before/after

Goal (issues #6, #18): a full plan within 60 s and 2 GB, or batches that each meet that.
"""

from __future__ import annotations

import argparse
import copy
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from corephase.config.validation import validate_config  # noqa: E402
from corephase.model.events import event_from_dict  # noqa: E402
from corephase.planning.globalplan import (  # noqa: E402
    DEFAULT_BATCH_PAIRS,
    count_pairs,
    global_config,
    plan_batches,
    select_batch,
    write_config,
)
from corephase.planning.pairs import plan_pairs  # noqa: E402

GROUP_ARGS = [
    "--groups",
    *[f"{r}=pairs_{{array}}" for r in ("fetch", "preprocess", "stack", "coda", "figures")],
    "--group-components",
    "pairs_{array}=25",
]
#: The reference of ``--modes reference``: five plain rules of the workflow's per-pair shape
#: (same outputs per band, log and benchmark per job, one script each) and no params, input
#: functions, wildcard constraints or report declarations; the pair list is read from a file.
REFERENCE_SNAKEFILE = """
PAIRS = [tuple(line.split()) for line in open("pairs.txt")]
BANDS = open("bands.txt").read().split()


def per_band(pattern):
    return expand(pattern, band=BANDS, allow_missing=True)


rule all:
    input:
        [f"results/{a}/{e}/figures/{b}_{k}.png" for a, e in PAIRS for b in BANDS
         for k in ("beams", "coda")],


rule fetch:
    output:
        mseed="results/{array}/{event}/raw/waveforms.mseed",
        stationxml="results/{array}/{event}/raw/stations.xml",
        quakeml="results/{array}/{event}/raw/event.xml",
        status="results/{array}/{event}/raw/fetch.json",
    log: "logs/fetch/{array}/{event}.log"
    benchmark: "benchmarks/fetch/{array}/{event}.tsv"
    script: "fetch.py"


rule preprocess:
    input: rules.fetch.output
    output:
        bands=per_band("results/{array}/{event}/preprocessed/{band}.npz"),
        qc="results/{array}/{event}/preprocessed/qc.csv",
        pair="results/{array}/{event}/preprocessed/pair.json",
    log: "logs/preprocess/{array}/{event}.log"
    benchmark: "benchmarks/preprocess/{array}/{event}.tsv"
    script: "preprocess.py"


rule stack:
    input: pair=rules.preprocess.output.pair, bands=rules.preprocess.output.bands
    output:
        table="results/{array}/{event}/stack/detections.csv",
        beams="results/{array}/{event}/stack/beams.npz",
    log: "logs/stack/{array}/{event}.log"
    benchmark: "benchmarks/stack/{array}/{event}.tsv"
    script: "stack.py"


rule coda:
    input: pair=rules.preprocess.output.pair, bands=rules.preprocess.output.bands
    output:
        table="results/{array}/{event}/coda/coda.csv",
        arrays=per_band("results/{array}/{event}/coda/{band}.npz"),
    log: "logs/coda/{array}/{event}.log"
    benchmark: "benchmarks/coda/{array}/{event}.tsv"
    script: "coda.py"


rule figures:
    input: rules.stack.output, rules.coda.output.arrays, bands=rules.preprocess.output.bands
    output:
        *[per_band(f"results/{{array}}/{{event}}/figures/{{band}}_{k}.png")
          for k in ("beams", "vespagram", "fk", "coda", "coda_fit", "coda_vespagram")],
    log: "logs/figures/{array}/{event}.log"
    benchmark: "benchmarks/figures/{array}/{event}.tsv"
    script: "figures.py"
"""
#: ``python -c`` program: Snakemake under cProfile timed in CPU seconds of the process (wall
#: time on a loaded machine would charge other processes' time to whatever was running).
PROFILED_SNAKEMAKE = """
import cProfile, runpy, sys, time
out = sys.argv.pop(1)
sys.argv[0] = "snakemake"
prof = cProfile.Profile(time.process_time)
try:
    prof.runcall(runpy.run_module, "snakemake", run_name="__main__", alter_sys=True)
finally:
    prof.dump_stats(out)
"""
LIMIT_S = 60.0
LIMIT_MB = 2048.0


def run_dry(
    workdir: Path,
    extra=(),
    profile_out: Path | None = None,
    timeout: float = 3600.0,
    snakefile: Path = ROOT / "Snakefile",
) -> dict:
    """Time one dry run in a child process; return seconds, peak MB and job count."""
    cmd = [sys.executable, "-m", "snakemake"]
    if profile_out is not None:
        cmd = [sys.executable, "-c", PROFILED_SNAKEMAKE, str(profile_out)]
    cmd += [
        "--snakefile",
        str(snakefile),
        "--directory",
        str(workdir),
        "--configfile",
        str(workdir / "config.yaml"),
        "--dry-run",
        "--quiet",
        "rules",
        "--cores",
        "1",
        *extra,
    ]
    out = workdir / "dryrun.log"
    t0 = time.perf_counter()
    with open(out, "w") as fh:
        proc = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT, cwd=workdir)
        deadline = t0 + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                proc.kill()
                pid, status, usage = os.wait4(proc.pid, 0)
                raise RuntimeError(f"dry run exceeded {timeout} s")
            time.sleep(0.05)
    seconds = time.perf_counter() - t0
    text = out.read_text(errors="replace")
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"dry run failed:\n{text[-3000:]}")
    jobs = 0
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] == "total" and parts[1].isdigit():
            jobs = int(parts[1])
    return {
        "seconds": seconds,
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "peak_mb": usage.ru_maxrss / 1024.0,
        "jobs": jobs,
    }


def bare_reference() -> str:
    """:data:`REFERENCE_SNAKEFILE` without logs and benchmarks, a shell command for a script."""
    lines = [
        ln.replace(ln.strip(), 'shell: "touch {output}"')
        if ln.strip().startswith("script:")
        else ln
        for ln in REFERENCE_SNAKEFILE.splitlines()
        if not ln.strip().startswith(("log:", "benchmark:"))
    ]
    return "\n".join(lines) + "\n"


def write_reference(cfg: dict, workdir: Path, bare: bool = False) -> Path:
    """Write the plain reference workflow and its pair list into ``workdir``; its Snakefile."""
    bands = [b["name"] for b in validate_config(copy.deepcopy(cfg))["bands"]]
    pairs = plan_pairs(cfg, [event_from_dict(e) for e in cfg["events"]["list"]])
    (workdir / "pairs.txt").write_text("".join(f"{a} {e}\n" for a, e in pairs))
    (workdir / "bands.txt").write_text(" ".join(bands) + "\n")
    for rule in ("fetch", "preprocess", "stack", "coda", "figures"):
        (workdir / f"{rule}.py").write_text("")
    snakefile = workdir / "Snakefile"
    snakefile.write_text(bare_reference() if bare else REFERENCE_SNAKEFILE)
    return snakefile


def make_config(n_pairs: int, seed: int) -> dict:
    # 30 years of catalogue is enough for 10^5 pairs; cut at n_pairs in time order
    return global_config(years=range(2000, 2030), seed=seed, max_pairs=n_pairs)


def _row(n_pairs: int, mode: str, batch: str, r: dict) -> str:
    """One line of the results table (ms/job is wall time per planned job)."""
    ms = 1000.0 * r["seconds"] / max(r["jobs"], 1)
    ok = r["seconds"] <= LIMIT_S and r["peak_mb"] <= LIMIT_MB
    return (
        f"{n_pairs:>7} {mode:>9} {batch:>6} {r['jobs']:>8} {r['seconds']:>8.1f} "
        f"{r['cpu_s']:>7.1f} {r['peak_mb']:>8.0f} {ms:>7.2f}  {'ok' if ok else 'OVER'}"
    )


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--sizes", nargs="+", type=int, default=[1000, 10000])
    p.add_argument(
        "--modes",
        nargs="+",
        choices=[
            "plain",
            "reference",
            "bare",
            "groups",
            "batch-array",
            "batch-array-year",
            "batch-plan",
        ],
        default=["plain"],
    )
    p.add_argument(
        "--all-batches", action="store_true", help="time every batch, not only the largest"
    )
    p.add_argument(
        "--batch-pairs",
        type=int,
        default=DEFAULT_BATCH_PAIRS,
        help="largest batch of mode batch-plan (pairs)",
    )
    p.add_argument("--seed", type=int, default=1)
    p.add_argument(
        "--profile",
        type=Path,
        help="cProfile (in CPU time) the largest plain and reference dry runs; write their "
        "top functions to PROFILE_plain.txt and PROFILE_reference.txt (stem of this path)",
    )
    p.add_argument("--keep", type=Path, help="copy the scratch folders (with .prof files) here")
    p.add_argument(
        "--snakefile",
        type=Path,
        default=ROOT / "Snakefile",
        help="workflow to plan (e.g. a modified copy)",
    )
    a = p.parse_args(argv)

    print(
        f"{'pairs':>7} {'mode':>9} {'batch':>6} {'jobs':>8} {'seconds':>8} {'CPU s':>7} "
        f"{'peak MB':>8} {'ms/job':>7}  (goal <= {LIMIT_S:.0f} s, {LIMIT_MB:.0f} MB)"
    )
    with tempfile.TemporaryDirectory(prefix="bench_planning_") as tmp:
        tmp = Path(tmp)
        for n in a.sizes:
            cfg = make_config(n, a.seed)
            n_real = count_pairs(cfg)
            for mode in a.modes:
                batches = {"all": cfg}
                if mode.startswith("batch"):
                    batches = _mode_batches(cfg, mode, n_real, a)
                worst = None
                for name, bcfg in batches.items():
                    wd = tmp / f"{n}_{mode}_{name}"
                    wd.mkdir()
                    write_config(bcfg, wd / "config.yaml")
                    prof = None
                    if a.profile and mode in ("plain", "reference") and n == max(a.sizes):
                        prof = wd / "dryrun.prof"
                        text_out = a.profile.with_name(f"{a.profile.stem}_{mode}.txt")
                    snakefile = a.snakefile
                    if mode in ("reference", "bare"):
                        snakefile = write_reference(bcfg, wd, bare=mode == "bare")
                    r = run_dry(
                        wd, GROUP_ARGS if mode == "groups" else (), prof, snakefile=snakefile
                    )
                    if prof is not None:
                        _write_profile(prof, text_out)
                    if mode.startswith("batch"):
                        if worst is None or r["seconds"] > worst[1]["seconds"]:
                            worst = (name, r)
                        continue
                    print(_row(n_real, mode, "-", r), flush=True)
                if worst is not None:
                    name, r = worst
                    print(_row(n_real, "batch", name[:10], r) + " (largest batch)", flush=True)
        if a.keep:
            subprocess.run(["cp", "-r", str(tmp), str(a.keep)], check=True)
    return 0


def _mode_batches(cfg: dict, mode: str, n_real: int, a) -> dict:
    """The batch configurations of a batch mode to time (the largest unless --all-batches)."""
    if mode == "batch-plan":
        t0 = time.perf_counter()
        plan = plan_batches(cfg, max_pairs=a.batch_pairs)
        print(
            f"{n_real:>7} {mode}: batch list of {len(plan)} batches made in "
            f"{time.perf_counter() - t0:.1f} s",
            flush=True,
        )
        batches, sizes = {}, {}
        for i, b in enumerate(plan):
            batches[f"b{i}"] = {**cfg, "batch": {k: v for k, v in b.items() if k != "pairs"}}
            sizes[f"b{i}"] = b["pairs"]
    else:
        batches = _batches(cfg, by_year=mode == "batch-array-year")
        sizes = {k: count_pairs(b) for k, b in batches.items()}
    order = sorted(batches, key=lambda k: -sizes[k])
    if not a.all_batches:
        order = order[:1]
    print(
        f"{n_real:>7} {mode}: {len(batches)} batches of "
        f"{min(sizes.values())}-{max(sizes.values())} pairs",
        flush=True,
    )
    return {k: batches[k] for k in order}


def _batches(cfg: dict, by_year: bool) -> dict:
    """Per-array (and per-year) sub-configurations, as the ``batch`` key selects them."""
    years = sorted({str(e["time"])[:4] for e in cfg["events"]["list"]})
    out = {}
    for arr in cfg["arrays"]:
        if not by_year:
            out[arr] = select_batch(cfg, arrays=[arr])
            continue
        for y in years:
            out[f"{arr}_{y}"] = select_batch(cfg, arrays=[arr], years=[int(y)])
    return out


def _write_profile(prof: Path, out: Path) -> None:
    import pstats

    with open(out, "w") as fh:
        st = pstats.Stats(str(prof), stream=fh)
        st.sort_stats("cumulative").print_stats(60)
        st.sort_stats("tottime").print_stats(40)
    print(f"profile written to {out}")


if __name__ == "__main__":
    sys.exit(main())
