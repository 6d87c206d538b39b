"""Calibrate the fixed per-stack SNR thresholds (``detection.calibration: fixed``) on noise.

Synthesises noise-only records (Peterson noise, level from config.yaml) at
the demo geometries of BCAR, YKA and ILAR, measures the detection SNR of each
stack type at windows with random slownesses (0.3-4 s/deg) where no phase
arrives, and prints the percentiles. The 99th percentiles set
``corephase.config.stack.NOISE_CALIBRATED_THRESHOLDS``.

Run: ``OPENBLAS_NUM_THREADS=1 .venv/bin/python bench/calibrate_thresholds.py``
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from corephase.analysis.detection import detect_phases
from corephase.config.stack import StackSettings
from corephase.config.synthetic import SyntheticSettings
from corephase.config.validation import load_config
from corephase.io.stations import geometry_from_config
from corephase.model.traveltimes import PhaseArrival, record_window
from corephase.planning.pairs import configured_events
from corephase.signal.preprocess import bandpass
from corephase.sources.synthetic import synthesize
from corephase.stages.common import pair_geometry_info

ROOT = Path(__file__).resolve().parents[1]


def main(arrays=("BCAR", "YKA", "ILAR"), seeds=range(3), n_windows=8) -> pd.DataFrame:
    cfg = load_config(ROOT / "config.yaml")
    stack = StackSettings.from_dict(cfg["stack"])
    settings = stack.replace(
        detection=stack.detection.replace(resampling="none", calibration="fixed")
    )
    ev = {e.id: e for e in configured_events(cfg)}["20140623_Aleutians"]
    rows = []
    for name in arrays:
        geom = geometry_from_config(name, cfg["arrays"][name])
        limits = pair_geometry_info(cfg["arrays"][name], ev, cfg)["arrivals"]
        window = record_window(limits, cfg["window"])
        syn = SyntheticSettings.merged(cfg["synthetic"], {"amplitudes": {"P": 0.0}})
        for seed in seeds:
            st, _ = synthesize(geom, ev, window, syn, seed=seed, model=cfg["model"])
            rng = np.random.default_rng(seed)
            times = np.linspace(900.0, 1300.0, n_windows)
            slows = rng.uniform(0.3, 4.0, n_windows)
            arrivals = {
                f"N{k}": PhaseArrival(f"N{k}", float(t), float(s), 10.0)
                for k, (t, s) in enumerate(zip(times, slows, strict=True))
            }
            for band in cfg["bands"]:
                bp = bandpass(st, band["fmin"], band["fmax"])
                df = detect_phases(
                    bp,
                    geom,
                    ev,
                    arrivals,
                    band["name"],
                    settings,
                    band_hz=(band["fmin"], band["fmax"]),
                    seed=seed,
                    earth_model=cfg["model"],
                )
                rows.append(df[["array", "band", "stack", "snr"]])
    return pd.concat(rows, ignore_index=True)


if __name__ == "__main__":
    d = main()
    print(f"{len(d) // d['stack'].nunique()} noise-only windows per stack type")
    q = d.groupby("stack")["snr"].quantile([0.5, 0.9, 0.95, 0.99]).unstack().round(2)
    print(q)
