"""Curation: a table of manual decisions that overrides the automatic call (step 4)."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import numpy as np

from corephase.config.validation import CURATION_COLUMNS

if TYPE_CHECKING:  # imported where a curation table is read: the stack job rarely has one
    import pandas as pd


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
    import pandas as pd

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


def curate(rows: list[dict], curation) -> list[dict]:
    """Apply a curation table (path, DataFrame or None) to detection rows, in place.

    Rows (dicts with ``event``, ``array`` and ``phase``, as
    :attr:`corephase.analysis.detection.PhaseDetection.rows`) matching a curation
    row's ``event``, ``array`` and ``phase`` take its ``accept`` as ``detected``,
    ``decided_by = "curation"`` and ``reason = "curation: " + reason``; the
    last matching curation row wins. Returns ``rows``.
    """
    cur = read_curation(curation)
    if cur is None or not rows:
        return rows
    for r in cur.to_dict("records"):
        key = (str(r["event"]), str(r["array"]), str(r["phase"]))
        for row in rows:
            if (row["event"], row["array"], row["phase"]) == key:
                row.update(
                    detected=bool(r["accept"]),
                    decided_by="curation",
                    reason="curation: " + r["reason"],
                )
    return rows
