"""Global detection catalogue assembled from the per-pair detection tables.

One *pair* is one (event, array). Each pair yields a detection table (one row per
phase, frequency band and stack type) and a small metadata record (event and
array coordinates, epicentral distance, processing status and QC). The catalogue
is their tidy union: exactly one row per (event, array, phase, band, stack),
with the pair metadata repeated on each row, residuals (observed minus
theoretical), PKiKP/PcP bounce points and, where both PKiKP and PcP are detected
in the same band and stack, the PKiKP-PcP differential time and amplitude ratio.

Conventions: times in s after the event origin; slowness in s/deg; back-azimuth
in degrees clockwise from north at the array towards the event; distances in
degrees; depths in km.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from corephase.analysis.detection_columns import CALIBRATION_COLUMNS
from corephase.analysis.detection_columns import COLUMNS as DETECTION_TABLE_COLUMNS
from corephase.analysis.ratios import PREDICTION_COLUMNS, add_pkikp_pcp, band_centres
from corephase.io.files import atomic_path
from corephase.model.bounce import REFLECTING_BOUNDARY, bounce_point

log = logging.getLogger(__name__)

#: Unique key of a catalogue row.
KEY = ("event", "array", "phase", "band", "stack")

#: Columns of a detection table (:data:`corephase.analysis.detection.COLUMNS`) that the
#: catalogue does not keep: the distance comes with the pair metadata, and the FK-only
#: estimates are not catalogued.
NOT_CATALOGUED = ("distance_deg", "slowness_fk_s_deg", "fk_relpow")

#: Columns every per-pair detection table must have: the detection's own, less those.
DETECTION_COLUMNS = tuple(c for c in DETECTION_TABLE_COLUMNS if c not in NOT_CATALOGUED)

#: Optional detection-table column: peak beam amplitude (any consistent unit).
AMPLITUDE_COLUMN = "amplitude"

#: Optional detection-table columns: the pick clear of depth phases and coda (s after
#: origin) and why it is masked (:mod:`corephase.analysis.picks`); missing ones become
#: NaN / "" and the differential times fall back to ``t_peak_s``.
PICK_COLUMNS = ("t_pick_s", "amplitude_pick", "pick_note")

#: Keys every pair-metadata record must have.
META_REQUIRED = (
    "event",
    "array",
    "event_lat",
    "event_lon",
    "event_depth_km",
    "array_lat",
    "array_lon",
    "distance_deg",
    "status",
)
#: Optional pair-metadata keys (missing ones become NaN / empty).
META_OPTIONAL = ("event_time", "event_mag", "qc")

#: Column order of the written catalogue.
CATALOGUE_COLUMNS = (
    *KEY,
    "event_time",
    "event_lat",
    "event_lon",
    "event_depth_km",
    "event_mag",
    "array_lat",
    "array_lon",
    "distance_deg",
    "status",
    "qc",
    "detected",
    "call",
    "fa_prob",
    "snr_threshold",
    "decided_by",
    "reason",
    "n_elements",
    "snr",
    "snr_lo",
    "snr_hi",
    "coherence",
    "t_theory_s",
    "t_peak_s",
    "t_pick_s",
    "pick_note",
    "t_resid_s",
    "slowness_theory_s_deg",
    "slowness_obs_s_deg",
    "slowness_err_s_deg",
    "slowness_resid_s_deg",
    "baz_theory_deg",
    "baz_obs_deg",
    "baz_err_deg",
    "baz_resid_deg",
    "amplitude",
    "amplitude_pick",
    "bounce_lat",
    "bounce_lon",
    "bounce_depth_km",
    "pkikp_pcp_dt_obs_s",
    "pkikp_pcp_dt_theory_s",
    "pkikp_pcp_dt_resid_s",
    "pkikp_pcp_dt_note",
    "pkikp_pcp_amp_ratio",
    "amp_ratio_basis",
    *PREDICTION_COLUMNS,
)

_TRUE = {"true", "1", "yes", "y", "t"}
_FALSE = {"false", "0", "no", "n", "f", ""}


def _as_bool(values: pd.Series, what: str) -> pd.Series:
    """Coerce a column of bools / 0-1 / 'True'-'False' strings to bool."""
    if values.dtype == bool:
        return values
    out = []
    for v in values:
        if isinstance(v, bool | np.bool_):
            out.append(bool(v))
        elif isinstance(v, int | np.integer | float | np.floating) and v in (0, 1):
            out.append(bool(v))
        elif isinstance(v, str) and v.strip().lower() in _TRUE | _FALSE:
            out.append(v.strip().lower() in _TRUE)
        else:
            raise ValueError(f"{what}: cannot read {v!r} as a boolean")
    return pd.Series(out, index=values.index, dtype=bool)


def _read_table(src) -> pd.DataFrame:
    if isinstance(src, pd.DataFrame):
        return src.copy()
    path = Path(src)
    if not path.is_file():
        raise ValueError(f"detection table {path} does not exist")
    if path.suffix.lower() in (".parquet", ".pq"):
        return pd.read_parquet(path)
    if path.suffix.lower() in (".csv", ".txt"):
        return pd.read_csv(path, keep_default_na=True)
    raise ValueError(f"detection table {path}: unsupported format (use .csv or .parquet)")


def read_pair_meta(src) -> dict:
    """Read one pair-metadata record.

    ``src`` is a mapping, or a path to a ``.json``/``.yaml``/``.yml`` object or a
    one-row ``.csv``. Required keys: :data:`META_REQUIRED`; optional:
    :data:`META_OPTIONAL` (``qc`` may be a string or a list of QC reasons, joined
    with ``"; "``).
    """
    if isinstance(src, Mapping):
        rec = dict(src)
        name = "pair metadata"
    else:
        path = Path(src)
        name = str(path)
        if not path.is_file():
            raise ValueError(f"pair metadata {path} does not exist")
        suffix = path.suffix.lower()
        if suffix == ".json":
            rec = json.loads(path.read_text())
        elif suffix in (".yaml", ".yml"):
            import yaml

            rec = yaml.safe_load(path.read_text())
        elif suffix == ".csv":
            df = pd.read_csv(path)
            if len(df) != 1:
                raise ValueError(f"pair metadata {path}: expected one row, found {len(df)}")
            rec = df.iloc[0].to_dict()
        else:
            raise ValueError(f"pair metadata {path}: unsupported format (.json, .yaml, .csv)")
        if not isinstance(rec, dict):
            raise ValueError(f"pair metadata {path}: expected a key/value record")
    missing = [k for k in META_REQUIRED if k not in rec]
    if missing:
        raise ValueError(f"{name}: missing required keys {missing}")
    out = {k: rec[k] for k in META_REQUIRED}
    for k in META_OPTIONAL:
        out[k] = rec.get(k)
    qc = out["qc"]
    if isinstance(qc, list | tuple):
        out["qc"] = "; ".join(str(q) for q in qc)
    elif qc is None or (isinstance(qc, float) and np.isnan(qc)):
        out["qc"] = ""
    else:
        out["qc"] = str(qc)
    out["event"] = str(out["event"])
    out["array"] = str(out["array"])
    for k in ("event_lat", "event_lon", "event_depth_km", "array_lat", "array_lon"):
        out[k] = float(out[k])
    out["distance_deg"] = float(out["distance_deg"])
    out["event_mag"] = np.nan if out["event_mag"] is None else float(out["event_mag"])
    out["event_time"] = "" if out["event_time"] is None else str(out["event_time"])
    out["status"] = str(out["status"])
    return out


def check_unique(df: pd.DataFrame) -> None:
    """Raise ValueError if any (event, array, phase, band, stack) occurs twice.

    Rows of pairs that produced no detection rows (phase missing) are checked per
    (event, array) instead.
    """
    has_phase = df["phase"].notna()
    dup = df[has_phase].duplicated(list(KEY), keep=False)
    if dup.any():
        rows = df[has_phase][dup][list(KEY)].drop_duplicates().head(5)
        raise ValueError(
            "duplicate catalogue rows for (event, array, phase, band, stack): "
            + "; ".join(", ".join(str(v) for v in r) for r in rows.itertuples(index=False))
        )
    empty = df[~has_phase]
    if empty.duplicated(["event", "array"]).any():
        raise ValueError("duplicate rows for pairs without detections")
    both = set(zip(empty["event"], empty["array"], strict=True)) & set(
        zip(df.loc[has_phase, "event"], df.loc[has_phase, "array"], strict=True)
    )
    if both:
        raise ValueError(f"pairs both with and without detection rows: {sorted(both)[:5]}")


def _wrap180(x):
    return (np.asarray(x, float) + 180.0) % 360.0 - 180.0


def _add_bounce_points(df: pd.DataFrame, model: str) -> pd.DataFrame:
    """Bounce point of each (event, array, phase) row whose phase reflects at CMB or ICB."""
    cols = ["event_lat", "event_lon", "event_depth_km", "array_lat", "array_lon", "phase"]
    mask = df["phase"].isin(list(REFLECTING_BOUNDARY)).fillna(False).astype(bool)
    uniq = df.loc[mask, cols].drop_duplicates().reset_index(drop=True)
    pts, n_missing = [], 0
    for args in uniq.itertuples(index=False, name=None):
        try:
            pts.append(bounce_point(*args, model=model))
        except ValueError as exc:  # the phase has no ray at this distance
            log.debug("no bounce point for %s: %s", args, exc)
            pts.append((np.nan, np.nan, np.nan))
            n_missing += 1
    if n_missing:
        log.info("%d of %d event-array-phase rays have no %s ray", n_missing, len(uniq), model)
    bcols = ["bounce_lat", "bounce_lon", "bounce_depth_km"]
    uniq[bcols] = np.array(pts, dtype=float).reshape(-1, 3)
    out = df.merge(uniq, on=cols, how="left", validate="many_to_one")
    out.index = df.index
    return out


def build_catalogue(
    detection_paths: Iterable,
    pair_meta_paths: Iterable,
    model: str = "ak135",
    bounce_points: bool = True,
    bands=None,
) -> pd.DataFrame:
    """Assemble the global detection catalogue.

    Parameters
    ----------
    detection_paths : iterable of path or DataFrame
        Per-pair detection tables (.csv or .parquet) with the columns
        :data:`DETECTION_COLUMNS` (optionally ``amplitude``, the peak beam
        amplitude). Times in s after origin, slowness in s/deg, back-azimuth in
        deg clockwise from north. A table may be empty (header only).
    pair_meta_paths : iterable of path or mapping
        One metadata record per pair (see :func:`read_pair_meta`). Every
        detection row's (event, array) must have a record. Pairs with a record
        but no detection rows (e.g. rejected by QC) get one row with empty
        phase, band and stack so their status and QC stay in the catalogue.
    model : str
        TauP model for the bounce points.
    bounce_points : bool
        Compute ICB (PKiKP) and CMB (PcP, ScP) bounce points.
    bands : list of {name, fmin, fmax} or mapping name -> (fmin, fmax), optional
        Frequency bands (Hz) of the detection tables; the predicted PKiKP/PcP ratio
        of ``model`` is evaluated at each band's geometric centre (NaN for bands
        not given).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`CATALOGUE_COLUMNS`, sorted by event, array, phase, band,
        stack. Residuals are observed minus theoretical (``baz_resid_deg``
        wrapped to [-180, 180)). ``pkikp_pcp_*`` are set on the PKiKP and PcP
        rows of each (event, array, band, stack) where both phases are
        detected: ``dt`` = t(PKiKP) - t(PcP) in s from the clean picks
        ``t_pick_s`` (NaN where one is masked; ``pkikp_pcp_dt_note`` says why or
        that the tables had only ``t_peak_s``); the amplitude ratio is
        amplitude(PKiKP)/amplitude(PcP) of the direct pulses at the clean picks
        (``amplitude_pick``), else of the signal-window peaks (``amplitude``),
        else the SNR ratio (``amp_ratio_basis``: pick_amplitude, window_amplitude
        or snr; the SNR ratio equals the amplitude ratio only if both SNRs use
        the same noise level).
        ``pkikp_pcp_amp_ratio_lo``/``_hi`` carry the ratio interval implied by the
        two SNR intervals; ``pkikp_pcp_ratio_pred`` the model ratio at the band
        centre ``band_centre_hz`` with its components ``pred_*`` (see
        :func:`corephase.theory.ratios.predict_ratio`) and
        ``pkikp_pcp_ratio_resid_log10`` = log10(observed / predicted).

    Raises
    ------
    ValueError
        Missing columns or keys, detection rows without pair metadata,
        conflicting or duplicate metadata, or duplicate catalogue keys.
    """
    metas = _collect_metas(pair_meta_paths)
    det = _with_empty_pairs(_collect_detections(detection_paths), metas)
    df = _merge_meta(det, metas)
    if bounce_points:
        df = _add_bounce_points(df, model)
    else:
        df["bounce_lat"] = df["bounce_lon"] = df["bounce_depth_km"] = np.nan
    df = add_pkikp_pcp(df, model, band_centres(bands))

    text = ("status", "qc", "event_time", "amp_ratio_basis", "decided_by", "reason", "pick_note")
    for c in (*text, "pkikp_pcp_dt_note"):
        df[c] = df[c].astype("string").fillna("")
    df = df.sort_values(list(KEY), na_position="first", kind="stable").reset_index(drop=True)
    df = df[list(CATALOGUE_COLUMNS)]
    check_unique(df)
    return df


_STRING_COLUMNS = ("event", "array", "phase", "band", "stack", "decided_by", "reason", "call")


def _collect_metas(pair_meta_paths: Iterable) -> dict[tuple[str, str], dict]:
    """Pair metadata records keyed by (event, array); duplicates are an error."""
    metas: dict[tuple[str, str], dict] = {}
    for src in pair_meta_paths:
        m = read_pair_meta(src)
        key = (m["event"], m["array"])
        if key in metas:
            raise ValueError(f"duplicate pair metadata for event {key[0]}, array {key[1]}")
        metas[key] = m
    if not metas:
        raise ValueError("no pair metadata given: the catalogue needs at least one pair")
    return metas


def _collect_detections(detection_paths: Iterable) -> pd.DataFrame:
    """All detection rows with the catalogue's detection columns and types."""
    tables = []
    for src in detection_paths:
        t = _read_table(src)
        for c in CALIBRATION_COLUMNS:
            if c not in t.columns and "detected" in t.columns:
                flag = _as_bool(t["detected"], "column 'detected'")
                t[c] = np.where(flag, "detected", "not_detected") if c == "call" else np.nan
        missing = [c for c in DETECTION_COLUMNS if c not in t.columns]
        if missing:
            name = "DataFrame" if isinstance(src, pd.DataFrame) else str(src)
            raise ValueError(f"detection table {name}: missing columns {missing}")
        if AMPLITUDE_COLUMN not in t.columns:
            t[AMPLITUDE_COLUMN] = np.nan
        if "t_pick_s" not in t.columns:
            t["t_pick_s"], t["pick_note"] = np.nan, ""
        if "amplitude_pick" not in t.columns:
            t["amplitude_pick"] = np.nan
        t = t[[*DETECTION_COLUMNS, AMPLITUDE_COLUMN, *PICK_COLUMNS]]
        if len(t):
            tables.append(t)
    if tables:
        det = pd.concat(tables, ignore_index=True)
    else:
        det = pd.DataFrame(columns=[*DETECTION_COLUMNS, AMPLITUDE_COLUMN, *PICK_COLUMNS])
    for c in _STRING_COLUMNS:
        det[c] = det[c].astype("string")
    det["reason"] = det["reason"].fillna("")
    det["decided_by"] = det["decided_by"].fillna("")
    det["pick_note"] = det["pick_note"].fillna("").astype("string")
    det["detected"] = _as_bool(det["detected"], "column 'detected'")
    check_unique(det)
    return det


def _with_empty_pairs(det: pd.DataFrame, metas: dict) -> pd.DataFrame:
    """One row with empty phase, band and stack for each pair without detection rows."""
    pairs_with_rows = set(zip(det["event"], det["array"], strict=True))
    orphan = sorted(pairs_with_rows - set(metas))
    if orphan:
        raise ValueError(f"detection rows without pair metadata for (event, array): {orphan[:5]}")
    empty_pairs = [k for k in metas if k not in pairs_with_rows]
    if not empty_pairs:
        return det
    extra = pd.DataFrame(
        {"event": [e for e, _ in empty_pairs], "array": [a for _, a in empty_pairs]}
    )
    extra["detected"] = False
    extra = extra.reindex(columns=det.columns)
    det = pd.concat([det, extra], ignore_index=True) if len(det) else extra
    for c in _STRING_COLUMNS:
        det[c] = det[c].astype("string")
    det["detected"] = det["detected"].astype(bool)
    return det


def _merge_meta(det: pd.DataFrame, metas: dict) -> pd.DataFrame:
    """Detections joined with their pair metadata, numeric columns and residuals."""
    meta = pd.DataFrame(list(metas.values()), columns=[*META_REQUIRED, *META_OPTIONAL])
    meta["event"] = meta["event"].astype("string")
    meta["array"] = meta["array"].astype("string")
    df = det.merge(meta, on=["event", "array"], how="left", validate="many_to_one")
    num = [c for c in DETECTION_COLUMNS if c not in (*_STRING_COLUMNS, "detected")]
    for c in [*num, AMPLITUDE_COLUMN, "t_pick_s", "amplitude_pick"]:
        df[c] = pd.to_numeric(df[c], errors="raise").astype(float)
    df["t_resid_s"] = df["t_peak_s"] - df["t_theory_s"]
    df["slowness_resid_s_deg"] = df["slowness_obs_s_deg"] - df["slowness_theory_s_deg"]
    df["baz_resid_deg"] = _wrap180(df["baz_obs_deg"] - df["baz_theory_deg"])
    return df


def write_catalogue(df: pd.DataFrame, csv_path, parquet_path) -> None:
    """Write the catalogue to CSV and Parquet (pyarrow), atomically.

    Both files are written under temporary names in their target folders and
    renamed into place only after both succeeded; on error neither target is
    touched. Raises ValueError on duplicate keys or missing columns.
    """
    missing = [c for c in CATALOGUE_COLUMNS if c not in df.columns]
    if missing:
        raise ValueError(f"catalogue is missing columns {missing}")
    check_unique(df)
    csv_path, parquet_path = Path(csv_path), Path(parquet_path)
    with atomic_path(csv_path) as tmp_csv, atomic_path(parquet_path) as tmp_pq:
        df.to_csv(tmp_csv, index=False, float_format="%.6g")
        df.to_parquet(tmp_pq, engine="pyarrow", index=False)


def read_catalogue(path) -> pd.DataFrame:
    """Read a catalogue written by :func:`write_catalogue` (.csv or .parquet)."""
    path = Path(path)
    if path.suffix.lower() in (".parquet", ".pq"):
        df = pd.read_parquet(path)
    else:
        df = pd.read_csv(path, dtype={c: "string" for c in KEY})
        df["detected"] = _as_bool(df["detected"], "column 'detected'")
    missing = [c for c in CATALOGUE_COLUMNS if c not in df.columns]
    if missing:
        raise ValueError(f"catalogue {path} is missing columns {missing}")
    return df


def detections_per_pair(df: pd.DataFrame, phase: str = "PKiKP") -> pd.DataFrame:
    """Per (event, array): distance and whether ``phase`` is detected in any band/stack.

    Pairs without any row for ``phase`` count as not detected. Columns: event,
    array, distance_deg, status, detected.
    """
    pairs = df.groupby(["event", "array"], sort=True, as_index=False).agg(
        distance_deg=("distance_deg", "first"), status=("status", "first")
    )
    hit = df[(df["phase"] == phase) & df["detected"]][["event", "array"]].drop_duplicates()
    hit["detected"] = True
    out = pairs.merge(hit, on=["event", "array"], how="left")
    out["detected"] = out["detected"].fillna(False).astype(bool)
    return out
