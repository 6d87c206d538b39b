"""The layout recommendation with its Monte Carlo uncertainty, and the layouts still in contention.

Per target phase, mode and stack the recommendation is the smallest station
count (then aperture) whose detection probability ``pd`` reaches
``target_pd``; where none does, the layout with the highest ``pd`` (then
SNR gain). Every ``pd`` carries its Wilson interval (``pd_low``-``pd_high``,
:func:`corephase.experiment.uncertainty.wilson_interval`), and the
recommendation lists the layouts the trials cannot tell from it (``tied``):

- target reached: layouts with at most as many stations whose interval still
  reaches ``target_pd``; the recommendation is ``separated`` when there are none
  and its own interval lies above ``target_pd``;
- target not reached: layouts whose interval overlaps the leader's
  (:func:`corephase.experiment.uncertainty.ties`); ``separated`` when none does.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from corephase.experiment.uncertainty import ties

RECOMMEND_COLUMNS = [
    "phase",
    "mode",
    "stack",
    "target_pd",
    "reached",
    "layout_id",
    "kind",
    "n",
    "aperture_km",
    "pd",
    "pd_low",
    "pd_high",
    "trials",
    "snr_gain",
    "min_aperture_km",
    "separated",
    "n_tied",
    "tied",
    "note",
]


def _pick(g: pd.DataFrame, target_pd: float):
    """Leader row, tied rows and whether the target is reached, in one group."""
    good = g[g["pd"] >= target_pd]
    if not good.empty:
        lead = good.sort_values(["n", "aperture_km", "pd"], kind="stable").iloc[0]
        cand = g[(g["n"] <= lead["n"]) & (g["pd_high"] >= target_pd)]
        tied = cand[cand["layout_id"] != lead["layout_id"]]
        return lead, tied, True
    srt = g.sort_values(["pd", "snr_gain"], ascending=False, kind="stable")
    idx = ties(srt["pd_low"].to_numpy(), srt["pd_high"].to_numpy(), 0)
    return srt.iloc[0], srt.iloc[idx], False


def recommend(metrics: pd.DataFrame, target_pd: float) -> pd.DataFrame:
    """The recommended layout per phase, mode and stack, with its ties (see the module).

    Parameters
    ----------
    metrics : DataFrame
        The metrics table (``status``, ``pd``, ``pd_low``, ``pd_high``,
        ``trials``, ``n``, ``aperture_km``, ``snr_gain`` ...).
    target_pd : float
        Detection probability to reach.

    Returns
    -------
    DataFrame
        Columns :data:`RECOMMEND_COLUMNS`; ``tied`` is a ``;``-separated list
        of layout ids.
    """
    rows = []
    ok = metrics[metrics["status"] == "ok"]
    for (phase, mode, stack), g in ok.groupby(["phase", "mode", "stack"], sort=True):
        b, tied, reached = _pick(g, target_pd)
        separated = tied.empty and (not reached or float(b["pd_low"]) >= target_pd)
        if reached:
            note = "" if separated else "target reached, but not separated from the tied layouts"
        else:
            note = "no layout reaches the target; best layout given"
            note += "" if separated else ", tied with others within the Monte Carlo error"
        good = g[g["pd"] >= target_pd]
        rows.append(
            {
                "phase": phase,
                "mode": mode,
                "stack": stack,
                "target_pd": target_pd,
                "reached": reached,
                "layout_id": b["layout_id"],
                "kind": b["kind"],
                "n": int(b["n"]),
                "aperture_km": float(b["aperture_km"]),
                "pd": float(b["pd"]),
                "pd_low": float(b["pd_low"]),
                "pd_high": float(b["pd_high"]),
                "trials": int(b["trials"]),
                "snr_gain": float(b["snr_gain"]),
                "min_aperture_km": float(good["aperture_km"].min()) if reached else np.nan,
                "separated": bool(separated),
                "n_tied": len(tied),
                "tied": ";".join(str(t) for t in tied["layout_id"]),
                "note": note,
            }
        )
    return pd.DataFrame(rows, columns=RECOMMEND_COLUMNS)


def contenders(rec: pd.DataFrame) -> list[str]:
    """Layout ids of every recommendation that is not separated, and of its ties."""
    out: dict[str, None] = {}
    for _, r in rec[~rec["separated"].astype(bool)].iterrows():
        out[str(r["layout_id"])] = None
        for t in str(r["tied"]).split(";"):
            if t:
                out[t] = None
    return list(out)
