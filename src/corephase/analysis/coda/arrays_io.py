"""Coda tables and plot arrays on disk.

Tables: one row per phase (see :func:`corephase.analysis.coda.analyse_coda`),
as CSV, TSV or Parquet by suffix. Plot arrays: the ``arrays`` dict of
:func:`~corephase.analysis.coda.analyse_coda` in one ``.npz`` (arrays under
``phases/<phase>/<key>`` and ``vespagram/<key>``, everything else as JSON under
``__json__``; non-finite floats become null).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from corephase.io.files import atomic_path, jsonable

if TYPE_CHECKING:  # pandas is imported where tables are read (the figures job reads none)
    import pandas as pd


def aggregate_coda_tables(paths) -> pd.DataFrame:
    """Concatenate per-(event, array, band) coda tables (CSV, TSV or Parquet).

    Parameters
    ----------
    paths : iterable of str or Path
        Files written by :func:`write_coda_table` (format from the suffix:
        ``.parquet``, ``.tsv``, otherwise CSV).

    Returns
    -------
    pandas.DataFrame
        All rows, sorted by event, array, band and phase; empty with no paths.
    """
    import pandas as pd

    frames = []
    for p in paths:
        p = Path(p)
        if not p.is_file():
            raise FileNotFoundError(f"coda table {p} does not exist")
        if p.suffix == ".parquet":
            df = pd.read_parquet(p)
        elif p.suffix == ".tsv":
            df = pd.read_csv(p, sep="\t", keep_default_na=True)
        else:
            df = pd.read_csv(p)
        if not df.empty:
            frames.append(df)
    if not frames:
        return pd.DataFrame()
    out = pd.concat(frames, ignore_index=True, sort=False)
    keys = [k for k in ("event_id", "array", "band", "phase") if k in out.columns]
    if keys:
        out = out.sort_values(keys, kind="stable").reset_index(drop=True)
    if "qc" in out.columns:
        out["qc"] = out["qc"].fillna("")
    return out


def write_coda_table(table: pd.DataFrame, path) -> None:
    """Write a coda table atomically (``.parquet``, ``.tsv`` or CSV by suffix)."""
    path = Path(path)
    with atomic_path(path) as tmp:
        if path.suffix == ".parquet":
            table.to_parquet(tmp, index=False)
        elif path.suffix == ".tsv":
            table.to_csv(tmp, sep="\t", index=False)
        else:
            table.to_csv(tmp, index=False)


def save_coda_arrays(arrays: dict, path) -> None:
    """Save the ``arrays`` of :func:`~corephase.analysis.coda.analyse_coda` as ``.npz``.

    Written atomically (temporary file, then rename) and uncompressed: deflating
    the float curves took most of the write's time for a third of the size (about
    3 MB per band instead of 1.1 MB for a 19,000-sample record). Read back with
    :func:`load_coda_arrays`.
    """
    path = Path(path)
    flat: dict[str, np.ndarray] = {}
    scalars: dict = {"meta": arrays.get("meta", {}), "phases": {}, "vespagram": None}
    for ph, cur in (arrays.get("phases") or {}).items():
        scalars["phases"][ph] = {}
        for k, v in cur.items():
            if isinstance(v, np.ndarray):
                flat[f"phases/{ph}/{k}"] = v
            else:
                scalars["phases"][ph][k] = jsonable(v)
    ves = arrays.get("vespagram")
    if ves is not None:
        scalars["vespagram"] = {}
        for k, v in ves.items():
            if isinstance(v, np.ndarray):
                flat[f"vespagram/{k}"] = v
            else:
                scalars["vespagram"][k] = jsonable(v)
    flat["__json__"] = np.array(json.dumps(jsonable(scalars)))
    with atomic_path(path) as tmp, open(tmp, "wb") as fh:
        np.savez(fh, **flat)


def load_coda_arrays(path) -> dict:
    """Inverse of :func:`save_coda_arrays`."""
    with np.load(Path(path), allow_pickle=False) as z:
        out = json.loads(str(z["__json__"]))
        for key in z.files:
            if key == "__json__":
                continue
            parts = key.split("/")
            if parts[0] == "phases":
                out["phases"].setdefault(parts[1], {})[parts[2]] = z[key]
            else:
                out["vespagram"][parts[1]] = z[key]
    return out
