"""Benchmark: the per-pair figures stage on one demo pair (2 bands, 5 phases), figure by figure.

Runs fetch, preprocess, stack and coda once for one demo pair (default: ILAR x
Aleutians, 20 elements, the demo config, synthetic records), then times
:func:`figures_pair` (CPU time: the machine is shared; after a warm-up run, the
least of ``--repeat`` runs, each from empty text caches as in a figures job) in
total and per figure type (summed over the bands), under each ``figures.pairs``
setting, and the import of matplotlib in a fresh interpreter. With
``--against REV`` the same per-figure timing runs, interleaved, on the sources of
git revision ``REV`` (e.g. ``fa8c862``, before the drawing speed-ups) on the same
stage outputs, and the table shows before -> after.
Run: ``PYTHONPATH=src .venv/bin/python bench/bench_figures.py [--array ILAR] [--against REV]``
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse
import functools
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

KINDS = ("beams", "vespagram", "fk", "coda", "coda_fit", "coda_vespagram")
# (module, function) drawing each figure type
DRAWERS = {
    "beams": ("corephase.plotting.pair", "plot_pair_band"),
    "vespagram": ("corephase.plotting.array", "plot_vespagram"),
    "fk": ("corephase.plotting.array", "plot_fk_maps"),
    "coda": ("corephase.plotting.coda", "plot_phase_envelopes"),
    "coda_fit": ("corephase.plotting.coda", "plot_coda_fit"),
    "coda_vespagram": ("corephase.plotting.coda", "plot_coda_vespagram"),
}


def demo_config() -> dict:
    from corephase.config import validate_config

    return validate_config(yaml.safe_load((ROOT / "config.yaml").read_text()))


def demo_pair(workdir: Path, array: str) -> dict:
    """Stage outputs (paths) of the demo's first event at ``array``."""
    from support.pairs import run_pair_stages

    from corephase.model.events import event_from_dict

    config = demo_config()
    event = event_from_dict(config["events"]["list"][0])
    return run_pair_stages(workdir / "pair", config, array, event)


def _timed(times: dict, kind: str, f):
    @functools.wraps(f)
    def run(*args, **kwargs):
        t = time.process_time()
        try:
            return f(*args, **kwargs)
        finally:
            times[kind] = times.get(kind, 0.0) + time.process_time() - t

    return run


def _clear_text_caches() -> None:
    """Empty the process-wide text caches of the figures (none before they existed), so
    that each timed run draws as a figures job does, once per process."""
    try:
        from corephase.plotting.agg_text import clear_caches
    except ImportError:
        return
    clear_caches()


def time_figures(paths: dict, outdir: Path, repeat: int) -> dict:
    """CPU seconds of :func:`figures_pair` (``total``) and per figure type (least of
    ``repeat`` runs after a warm-up, each from empty text caches; each figure type summed
    over the bands)."""
    import importlib

    from corephase.stages.figures import figures_pair

    times: dict = {}
    for kind, (module, name) in DRAWERS.items():
        mod = importlib.import_module(module)
        setattr(mod, name, _timed(times, kind, getattr(mod, name)))
    config = demo_config()
    bands = [b["name"] for b in config["bands"]]
    out = {f"{b}/{k}": outdir / f"{b}_{k}.png" for b in bands for k in KINDS}
    args = (paths["pair"], paths["bands"], paths["beams"], paths["coda"], config, out)
    figures_pair(*args)  # warm-up
    best: dict = {}
    for _ in range(repeat):
        times.clear()
        _clear_text_caches()
        t = time.process_time()
        figures_pair(*args)
        times["total"] = time.process_time() - t
        best = {k: min(v, best.get(k, v)) for k, v in times.items()}
    return best


def import_time() -> float:
    """Seconds to import matplotlib's Figure and Agg canvas in a fresh interpreter."""
    code = (
        "import time; t=time.process_time(); import matplotlib.figure, "
        "matplotlib.backends.backend_agg; print(time.process_time()-t)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(out.stdout)


def _export(rev: str, dest: Path) -> Path:
    """The ``src`` tree of git revision ``rev``, unpacked under ``dest``."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", rev, "src"], capture_output=True, check=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
    return dest / "src"


def _child(src: Path, paths_json: Path, outdir: Path, repeat: int) -> dict:
    """:func:`time_figures` in a fresh interpreter on the sources ``src``."""
    env = {**os.environ, "PYTHONPATH": str(src)}
    cmd = [sys.executable, __file__, "--child", str(paths_json), str(outdir), str(repeat)]
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(out.stdout.splitlines()[-1])


def _save_paths(p: dict, path: Path) -> None:
    keep = {k: p[k] for k in ("pair", "beams", "bands", "coda")}
    path.write_text(json.dumps(keep, default=str))


def _load_paths(path: Path) -> dict:
    return json.loads(Path(path).read_text())


def compare(rev: str, work: Path, p: dict, repeat: int, rounds: int = 3) -> None:
    """Per-figure CPU of revision ``rev`` and of this tree, interleaved (least of all runs)."""
    paths_json = work / "paths.json"
    _save_paths(p, paths_json)
    trees = {rev: _export(rev, Path(tempfile.mkdtemp())), "this tree": ROOT / "src"}
    best: dict = {name: {} for name in trees}
    for _ in range(rounds):
        for name, src in trees.items():
            res = _child(src, paths_json, work / f"figures_{name.replace(' ', '_')}", repeat)
            best[name] = {k: min(v, best[name].get(k, v)) for k, v in res.items()}
    before, after = best[rev], best["this tree"]
    print(f"CPU seconds per pair (2 bands), {rev} -> this tree:")
    for k in (*KINDS, "total"):
        print(f"  {k:15s} {before[k]:.3f} -> {after[k]:.3f}  ({after[k] / before[k]:.2f}x)")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--array", default="ILAR", help="demo array of the pair (default ILAR)")
    ap.add_argument("--against", metavar="REV", help="also time git revision REV's figures")
    ap.add_argument("--repeat", type=int, default=3, help="timed runs per measurement")
    ap.add_argument("--workdir", type=Path, help="folder for the stage outputs (kept)")
    args = ap.parse_args()
    from corephase.stages.figures import figures_pair

    work = args.workdir or Path(tempfile.mkdtemp())
    work.mkdir(parents=True, exist_ok=True)
    os.chdir(ROOT)  # element tables are named relative to the project
    p = demo_pair(work, args.array)
    (work / "figures").mkdir(exist_ok=True)
    if args.against:
        compare(args.against, work, p, args.repeat)
    else:
        best = time_figures(p, work / "figures", args.repeat)
        print(f"figures_pair, {args.array}, {len(KINDS)} figure types x 2 bands (CPU s):")
        for k in (*KINDS, "total"):
            print(f"  {k:15s} {best[k]:.3f}")
    print(f"matplotlib import (fresh interpreter): {import_time():.2f} s")
    config = demo_config()
    bands = [b["name"] for b in config["bands"]]
    out = {f"{b}/{k}": work / "figures" / f"{b}_{k}.png" for b in bands for k in KINDS}
    for pairs in ("detections", "none"):
        cfg = {**config, "figures": {**config.get("figures", {}), "pairs": pairs}}
        _clear_text_caches()
        t = time.process_time()
        figures_pair(p["pair"], p["bands"], p["beams"], p["coda"], cfg, out, p["detections"])
        print(f"figures_pair with figures.pairs={pairs}: {time.process_time() - t:.2f} s CPU")


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "--child":
        os.chdir(ROOT)
        paths = _load_paths(Path(sys.argv[2]))
        Path(sys.argv[3]).mkdir(parents=True, exist_ok=True)
        print(json.dumps(time_figures(paths, Path(sys.argv[3]), int(sys.argv[4]))))
    else:
        main()
