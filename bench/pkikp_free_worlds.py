"""PKiKP calls in synthetic worlds that hold everything but PKiKP (issue 12's done-when).

Each world is one event x array pair of the demo configuration (``config.yaml``)
made by the synthetic source with its full arrival list (P and its long coda,
depth phases of every phase, PcP, ScP, ScS, PP, S, SS, PKP branches, PKIIKP)
and PKiKP left out (``synthetic.omit_phases: [PKiKP]``, which also removes its
depth phases). The real per-pair stages run on it (fetch, preprocess, stack:
calibrated thresholds, noise windows moved off stronger arrivals, interference
calls). Every seed gives a new world (noise, statics, coda). Reported: the
fraction of pair x band rows where a stack calls PKiKP ``detected``, per stack and
for any stack, with the calls' counts.

Run: ``OPENBLAS_NUM_THREADS=1 .venv/bin/python bench/pkikp_free_worlds.py [n_seeds
[first_seed [out.csv]]]`` (default 4 seeds from 0 x the demo's pairs x 2 bands; seed
``i`` is world seed ``1000 + i``; the PKiKP rows go to ``out.csv`` if given). With
0 detections in ``n`` worlds the 95 % upper bound of the rate is ``1 - 0.05 ** (1 / n)``
(300 worlds: 1.0 %).
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import copy
import sys
import tempfile
from pathlib import Path

import pandas as pd

from corephase.config.validation import load_config
from corephase.planning.pairs import configured_events, plan_pairs
from corephase.stages.fetch import fetch_pair
from corephase.stages.preprocess import preprocess_pair
from corephase.stages.stack import stack_pair

ROOT = Path(__file__).resolve().parents[1]


def world_config(seed: int) -> dict:
    """The demo configuration with PKiKP left out of every synthetic record."""
    cfg = copy.deepcopy(load_config(ROOT / "config.yaml"))
    cfg["seed"] = int(seed)
    cfg["synthetic"]["omit_phases"] = ["PKiKP"]
    cfg["synthetic"]["pairs"] = {}  # no scattering codas either
    cfg["phases"] = ["PKiKP"]
    return cfg


def run_pair(cfg: dict, array: str, event, workdir: Path) -> pd.DataFrame:
    """fetch, preprocess and stack one pair; its detection table."""
    arr = cfg["arrays"][array]
    raw = [workdir / f for f in ("raw.mseed", "stations.xml", "event.xml", "fetch.json")]
    fetch_pair(array, arr, event, cfg, *raw)
    bands = {b["name"]: workdir / f"{b['name']}.npz" for b in cfg["bands"]}
    preprocess_pair(array, arr, cfg, *raw, bands, workdir / "qc.csv", workdir / "pair.json")
    return stack_pair(
        workdir / "pair.json", bands, cfg, workdir / "detections.csv", workdir / "beams.npz"
    )


def main(n_seeds: int = 4, first_seed: int = 0, out: str | None = None) -> pd.DataFrame:
    tables = []
    for seed in range(first_seed, first_seed + n_seeds):
        cfg = world_config(1000 + seed)
        events = configured_events(cfg, ROOT)
        by_id = {e.id: e for e in events}
        for array, event_id in plan_pairs(cfg, events):
            with tempfile.TemporaryDirectory() as tmp:
                t = run_pair(cfg, array, by_id[event_id], Path(tmp))
            tables.append(t.assign(seed=seed))
    res = pd.concat(tables, ignore_index=True)
    res = res[res["phase"] == "PKiKP"]
    rows = res.groupby(["seed", "array", "event", "band"])
    print(f"{rows.ngroups} PKiKP-free pair x band worlds ({n_seeds} seeds x demo pairs x bands)")
    print("calls per stack:")
    print(res.pivot_table(index="stack", columns="call", values="snr", aggfunc="size").fillna(0))
    det = res.groupby("stack")["detected"].mean()
    print("detected rate per stack:", det.round(4).to_dict())
    hits = int(rows["detected"].any().sum())
    print(f"detected by any stack: {hits} of {rows.ngroups} ({hits / rows.ngroups:.4f})")
    if hits == 0:
        print(f"95 % upper bound of the rate: {1 - 0.05 ** (1 / rows.ngroups):.4f}")
    if out:
        res.to_csv(out, index=False)
    return res


if __name__ == "__main__":
    args = sys.argv[1:]
    main(int(args[0]) if args else 4, int(args[1]) if len(args) > 1 else 0, *args[2:3])
