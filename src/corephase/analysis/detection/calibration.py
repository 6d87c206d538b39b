"""Measured false-alarm rates: the detector run on windows that hold noise only.

Used by ``bench/false_alarm_rates.py`` and the tests: pseudo-phases are placed
at given times and slownesses in a record without signal there (real pre-P
noise, or synthetic Peterson noise), each is detected as a real phase would be,
and the fraction of windows whose SNR reaches the row's threshold (and whose
call is ``detected``) is the false-alarm rate per stack.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from corephase.analysis.detection.detect import detect_phase
from corephase.config.stack import StackSettings
from corephase.model.traveltimes import PhaseArrival
from corephase.utils.random import component_rng


def noise_only_detections(
    data,
    dt: float,
    t_start_s: float,
    geometry,
    event,
    times_s,
    slownesses_s_deg,
    band_hz,
    settings: StackSettings,
    seed: int = 0,
    quiet_s=None,
) -> pd.DataFrame:
    """Detection rows of pseudo-phases placed in a noise-only record.

    Parameters
    ----------
    data : numpy.ndarray, shape (n_elements, n_samples)
        The band's record, rows in the order of ``geometry.codes``.
    dt, t_start_s : float
        Sample interval (s) and time of sample 0 (s after origin).
    geometry, event
        As for :func:`corephase.analysis.detection.detect_phase`; the pseudo-phases
        come from the event's back-azimuth.
    times_s, slownesses_s_deg : array_like
        Theoretical time (s after origin) and slowness (s/deg) of each pseudo-phase.
    band_hz : (float, float)
        Band of the record (Hz), also the FK band.
    settings : corephase.config.stack.StackSettings
    seed : int
        Seed of each window's resamples and null draws (``component_rng(seed, k)``).
    quiet_s : (float, float), optional
        Noise-only stretch of the record (s after origin) for the sliding null
        (each pseudo-phase's own windows are left out of it); None: the shuffled
        null alone.

    Returns
    -------
    pandas.DataFrame
        The detection rows (phase names ``N0``, ``N1``, ...).
    """
    label = f"{band_hz[0]:g}-{band_hz[1]:g}Hz"
    tables = []
    for k, (t, s) in enumerate(zip(times_s, slownesses_s_deg, strict=True)):
        arr = PhaseArrival(f"N{k}", float(t), float(s), 10.0)
        det = detect_phase(
            data,
            dt,
            t_start_s,
            geometry,
            event,
            arr.phase,
            arr,
            label,
            settings,
            band_hz=tuple(band_hz),
            rng=component_rng(seed, k),
            quiet_s=quiet_s,
        )
        tables.append(det.table)
    return pd.concat(tables, ignore_index=True)


def false_alarm_rates(table: pd.DataFrame) -> pd.DataFrame:
    """Per stack: windows measured, fraction with ``snr >= snr_threshold``
    (``snr_rate``), fraction called ``detected`` (``detected_rate``) and the median
    threshold."""
    t = table[np.isfinite(pd.to_numeric(table["snr"], errors="coerce"))]
    g = t.groupby("stack", sort=False)
    return pd.DataFrame(
        {
            "n": g.size(),
            "snr_rate": g.apply(lambda d: float(np.mean(d["snr"] >= d["snr_threshold"]))),
            "detected_rate": g["detected"].mean(),
            "median_threshold": g["snr_threshold"].median(),
        }
    )
