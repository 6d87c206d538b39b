"""Curation: a table of manual decisions that overrides the automatic call (step 4)."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd

from corephase.config.validation import CURATION_COLUMNS


def _as_bool(v) -> bool:
    if isinstance(v, bool | np.bool_):
        return bool(v)
    s = str(v).strip().lower()
    if s in ("true", "1", "yes", "y", "t"):
        return True
    if s in ("false", "0", "no", "n", "f"):
        return False
    raise ValueError(f"curation 'accept' value {v!r} is not a boolean")


def read_curation(curation) -> pd.DataFrame | None:
    """Load a curation table (path or DataFrame) with columns event,array,phase,accept,reason."""
    if curation is None:
        return None
    if isinstance(curation, str | os.PathLike):
        cur = pd.read_csv(curation, dtype={"event": str, "array": str, "phase": str})
    else:
        cur = pd.DataFrame(curation).copy()
    need = list(CURATION_COLUMNS)
    miss = [c for c in need if c not in cur.columns]
    if miss:
        raise ValueError(f"curation table lacks column(s) {miss}; needs {need}")

    cur["reason"] = cur["reason"].fillna("").astype(str)
    return cur


def curate(table: pd.DataFrame, curation) -> pd.DataFrame:
    """Apply a curation table (path, DataFrame or None) to a detection table, in place.

    Rows of ``table`` matching a curation row's ``event``, ``array`` and
    ``phase`` take its ``accept`` as ``detected``, ``decided_by = "curation"``
    and ``reason = "curation: " + reason``. Returns ``table``.
    """
    cur = read_curation(curation)
    if cur is None or not len(table):
        return table
    for _, r in cur.iterrows():
        m = (
            (table["event"] == str(r["event"]))
            & (table["array"] == str(r["array"]))
            & (table["phase"] == str(r["phase"]))
        )
        if m.any():
            table.loc[m, "detected"] = bool(r["accept"])
            table.loc[m, "decided_by"] = "curation"
            table.loc[m, "reason"] = "curation: " + r["reason"]
    return table
