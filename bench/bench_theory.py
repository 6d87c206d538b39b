"""Cost of the predicted PKiKP/PcP ratio for a large catalogue (issue #17).

Times :func:`corephase.theory.ratios.predict_ratio` on N random catalogue rows
(distances 5-95 deg, source depths 0-700 km, two band centres): the first call builds
the tables (one per depth node for the model; TauP branches, coefficients and t*), later
calls only interpolate. Also times
:func:`corephase.theory.ratios.amplitudes_relative_to_p` (what a synthetic source calls)
on the same rows. Target: 10^5 rows in under a minute on 2 cores, tables included.

Example::

    PYTHONPATH=src .venv/bin/python bench/bench_theory.py --rows 100000 --model ak135
"""

from __future__ import annotations

import argparse
import time

import numpy as np


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--model", default="ak135")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    from corephase.theory.ratios import amplitudes_relative_to_p, predict_ratio

    rng = np.random.default_rng(args.seed)
    dist = rng.uniform(5.0, 95.0, args.rows)
    depth = rng.uniform(0.0, 700.0, args.rows)
    freq = rng.choice([1.41, 2.83], args.rows)
    t0 = time.perf_counter()
    first = predict_ratio(dist, depth, freq, args.model)
    t1 = time.perf_counter()
    predict_ratio(dist, depth, freq, args.model)
    t2 = time.perf_counter()
    rel = amplitudes_relative_to_p(dist, depth, freq, args.model)
    t3 = time.perf_counter()
    print(f"model {args.model}, {args.rows} rows")
    print(f"  predict_ratio, tables built:    {t1 - t0:7.2f} s")
    print(f"  predict_ratio, tables cached:   {t2 - t1:7.2f} s")
    print(f"  amplitudes_relative_to_p:       {t3 - t2:7.2f} s")
    print(f"  rows with a prediction: {int(first['ratio'].notna().sum())}, "
          f"with PcP/P: {int(np.isfinite(rel['pcp']).sum())}")  # fmt: skip
    print(f"  total {t3 - t0:.2f} s ({'under' if t3 - t0 < 60 else 'OVER'} the 60 s target)")


if __name__ == "__main__":
    main()
