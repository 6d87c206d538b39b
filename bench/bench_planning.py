"""Planning cost of the workflow at scale: dry-run time and peak memory vs. number of pairs.

For each size N the global configuration of ``corephase.planning.globalplan`` (18 IMS arrays x a
synthetic M>=5 catalogue, cut at N pairs) is written to a scratch folder and
``snakemake --dry-run`` is timed in a child process; its peak resident memory comes from
``os.wait4`` (the kernel's maxrss of exactly that process). Nothing is computed: dry runs
only parse the config, plan the pairs, build the DAG and print the job summary.

Modes:
  plain   ``snakemake --dry-run --quiet rules`` (what a local run plans);
  groups  the same with the SLURM profile's groups (per-array batches of 25 pairs), the
          extra planning a cluster run does;
  batch-array       the configuration split per array (as a ``batch: {arrays: [A]}``
                    selection plans it); the largest batch is timed (--all-batches: all);
  batch-array-year  split per array and origin year (``batch: {arrays: [A], years: [Y]}``).

Examples::

    .venv/bin/python bench/bench_planning.py                       # 1e3 1e4, plain
    .venv/bin/python bench/bench_planning.py --sizes 100000 --modes plain batch
    .venv/bin/python bench/bench_planning.py --sizes 10000 --profile prof.txt

Goal (issue #6): a full plan within 60 s and 2 GB, or batches that each meet that.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from corephase.planning.globalplan import count_pairs, global_config, select_batch, write_config  # noqa: E402

GROUP_ARGS = [
    "--groups",
    *[f"{r}=pairs_{{array}}" for r in ("fetch", "preprocess", "stack", "coda", "figures")],
    "--group-components",
    "pairs_{array}=25",
]
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
    cmd = [sys.executable]
    if profile_out is not None:
        cmd += ["-m", "cProfile", "-o", str(profile_out)]
    cmd += [
        "-m",
        "snakemake",
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
    return {"seconds": seconds, "peak_mb": usage.ru_maxrss / 1024.0, "jobs": jobs}


def make_config(n_pairs: int, seed: int) -> dict:
    # 30 years of catalogue is enough for 10^5 pairs; cut at n_pairs in time order
    return global_config(years=range(2000, 2030), seed=seed, max_pairs=n_pairs)


def _verdict(r: dict) -> str:
    ok = r["seconds"] <= LIMIT_S and r["peak_mb"] <= LIMIT_MB
    return "ok" if ok else "OVER"


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--sizes", nargs="+", type=int, default=[1000, 10000])
    p.add_argument(
        "--modes",
        nargs="+",
        choices=["plain", "groups", "batch-array", "batch-array-year"],
        default=["plain"],
    )
    p.add_argument(
        "--all-batches", action="store_true", help="time every batch, not only the largest"
    )
    p.add_argument("--seed", type=int, default=1)
    p.add_argument(
        "--profile",
        type=Path,
        help="cProfile the largest plain dry run; "
        "write the top functions (cumulative time) to this text file",
    )
    p.add_argument("--keep", action="store_true", help="keep the scratch folders")
    p.add_argument(
        "--snakefile",
        type=Path,
        default=ROOT / "Snakefile",
        help="workflow to plan (e.g. a modified copy)",
    )
    a = p.parse_args(argv)

    print(
        f"{'pairs':>7} {'mode':>7} {'batch':>6} {'jobs':>8} {'seconds':>8} "
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
                    batches = {k: batches[k] for k in order}
                worst = None
                for name, bcfg in batches.items():
                    wd = tmp / f"{n}_{mode}_{name}"
                    wd.mkdir()
                    write_config(bcfg, wd / "config.yaml")
                    prof = None
                    if a.profile and mode == "plain" and n == max(a.sizes):
                        prof = wd / "dryrun.prof"
                    r = run_dry(
                        wd, GROUP_ARGS if mode == "groups" else (), prof, snakefile=a.snakefile
                    )
                    if prof is not None:
                        _write_profile(prof, a.profile)
                    if mode.startswith("batch"):
                        if worst is None or r["seconds"] > worst[1]["seconds"]:
                            worst = (name, r)
                        continue
                    ms = 1000.0 * r["seconds"] / max(r["jobs"], 1)
                    print(
                        f"{n_real:>7} {mode:>7} {'-':>6} {r['jobs']:>8} "
                        f"{r['seconds']:>8.1f} {r['peak_mb']:>8.0f} {ms:>7.2f}  "
                        f"{_verdict(r)}",
                        flush=True,
                    )
                if worst is not None:
                    name, r = worst
                    ms = 1000.0 * r["seconds"] / max(r["jobs"], 1)
                    print(
                        f"{n_real:>7} {'batch':>7} {name[:10]:>6} {r['jobs']:>8} "
                        f"{r['seconds']:>8.1f} {r['peak_mb']:>8.0f} {ms:>7.2f}  "
                        f"{_verdict(r)} (largest batch)",
                        flush=True,
                    )
        if a.keep:
            keep = Path("bench_planning_runs")
            subprocess.run(["cp", "-r", str(tmp), str(keep)], check=True)
    return 0


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
