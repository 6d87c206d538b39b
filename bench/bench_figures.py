"""Benchmark: the per-pair figures stage on one demo pair (YKA, 2 bands, 5 phases).

Runs fetch, preprocess, stack and coda once for the demo's YKA x Aleutians pair
(the demo config, synthetic records), then times :func:`figures_pair` (CPU time:
the machine is shared; after a warm-up run) under each ``figures.pairs`` setting,
and the import of matplotlib in a fresh interpreter (CPU time).
Run: ``PYTHONPATH=src .venv/bin/python bench/bench_figures.py [workdir]``
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

KINDS = ("beams", "vespagram", "fk", "coda", "coda_fit", "coda_vespagram")


def demo_pair(workdir: Path):
    """The demo config and the stage outputs of its YKA x Aleutians pair."""
    from support.pairs import run_pair_stages

    from corephase.config import validate_config
    from corephase.model.events import event_from_dict

    config = validate_config(yaml.safe_load((ROOT / "config.yaml").read_text()))
    os.chdir(ROOT)  # element tables are named relative to the project
    event = event_from_dict(config["events"]["list"][0])
    return config, run_pair_stages(workdir / "pair", config, "YKA", event)


def import_time() -> float:
    """Seconds to import matplotlib's Figure and Agg canvas in a fresh interpreter."""
    code = (
        "import time; t=time.process_time(); import matplotlib.figure, "
        "matplotlib.backends.backend_agg; print(time.process_time()-t)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(out.stdout)


def main():
    from corephase.stages.figures import figures_pair

    work = Path(sys.argv[1] if len(sys.argv) > 1 else tempfile.mkdtemp())
    config, p = demo_pair(work)
    bands = [b["name"] for b in config["bands"]]
    out = {f"{b}/{k}": work / "figures" / f"{b}_{k}.png" for b in bands for k in KINDS}
    (work / "figures").mkdir(exist_ok=True)
    figures_pair(p["pair"], p["bands"], p["beams"], p["coda"], config, out)  # warm-up
    t = time.process_time()
    figures_pair(p["pair"], p["bands"], p["beams"], p["coda"], config, out)
    total = time.process_time() - t
    print(f"matplotlib import (fresh interpreter): {import_time():.2f} s")
    print(f"figures_pair, {len(bands)} bands, {len(out)} figures: {total:.2f} s CPU")
    for pairs in ("detections", "none"):
        cfg = {**config, "figures": {**config.get("figures", {}), "pairs": pairs}}
        t = time.process_time()
        figures_pair(p["pair"], p["bands"], p["beams"], p["coda"], cfg, out, p["detections"])
        print(f"figures_pair with figures.pairs={pairs}: {time.process_time() - t:.2f} s CPU")


if __name__ == "__main__":
    main()
