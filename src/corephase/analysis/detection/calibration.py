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
    quiet_s : (float, float) or sequence of (float, float), optional
        Noise-only stretch of the record (s after origin) for the sliding null
        (each pseudo-phase's own windows are left out of it), one for all
        pseudo-phases or one per pseudo-phase (as :func:`quiet_before`
        gives); None: the shuffled null alone.

    Returns
    -------
    pandas.DataFrame
        The detection rows (phase names ``N0``, ``N1``, ...).
    """
    label = f"{band_hz[0]:g}-{band_hz[1]:g}Hz"
    quiet = [quiet_s] * len(times_s) if quiet_s is None or np.ndim(quiet_s) == 1 else quiet_s
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
            quiet_s=quiet[k],
        )
        tables.append(det.table)
    return pd.concat(tables, ignore_index=True)


def quiet_before(times_s, length_s: float, gap_s: float, record_s) -> list:
    """Per pseudo-phase, the noise stretch the stack stage would give its sliding null.

    The stage slides a phase's windows over the record before P, which ends
    :data:`corephase.analysis.detection.interference.PRE_ONSET_S` (20 s) before P and
    starts at the end of the band-pass taper: about 500 s at the workflow's default
    record window (600 s before P). Here that stretch ends ``gap_s`` before each
    pseudo-phase and is ``length_s`` long, clipped to ``record_s``.

    Parameters
    ----------
    times_s : array_like
        Pseudo-phase times, s after origin.
    length_s, gap_s : float
        Length of the stretch and its end before the pseudo-phase, s.
    record_s : (float, float)
        The record's usable part (s after origin).

    Returns
    -------
    list of (float, float)
        ``(start, end)`` per pseudo-phase, s after origin.
    """
    return [
        (max(float(t) - gap_s - length_s, record_s[0]), min(float(t) - gap_s, record_s[1]))
        for t in times_s
    ]


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
