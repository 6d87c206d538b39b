"""Every arrival of the record beside each detection: clean noise windows and interference.

A phase is measured against its noise window and searched in its signal window
(both in s relative to the phase's theoretical time). Real records hold many
more arrivals than the phases studied (depth phases, PP, S, SS, ScS, PKP
branches; :func:`corephase.model.arrivals.arrival_list`), so:

* the noise window moves off the onsets of every arrival of at least
  ``interference_amplitude_ratio`` times the phase's expected amplitude, and off
  the first ``arrival_coda_s`` of the coda of every arrival at least as strong
  as the phase (:func:`corephase.model.arrivals.clean_noise_window`); where no
  clean window exists the row's call is ``no_clean_noise`` instead of an SNR
  against a phase;
* every row lists the arrivals inside its signal and noise windows with their
  time and slowness relative to the phase and their expected amplitude;
* a detection whose signal window holds such an arrival at a slowness within
  ``max_slowness_tolerance_s_deg`` of the phase's cannot be attributed to the
  phase: its call becomes ``interfered``. The phase's own depth phases
  (pPKiKP, sPKiKP for PKiKP) are listed but do not interfere: they carry the
  same phase's energy (the coda analysis masks them).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from corephase.config.stack import StackSettings
from corephase.model.arrivals import arrivals_in_window, clean_noise_window, is_comparable


@dataclass(frozen=True)
class PhaseWindows:
    """Windows of one phase and the arrivals inside them.

    Attributes
    ----------
    signal_s, noise_s : (float, float) or None
        Signal and noise windows, s relative to the phase's time; ``noise_s``
        None when no clean noise window exists.
    noise_note : str
        Why the noise window moved, shrank or is missing ("" when nominal).
    in_signal, in_noise : list of Arrival
        Arrivals (other than the phase) whose onset lies in each window.
    interferers : list of Arrival
        Arrivals in the signal window, other than the phase's own depth phases,
        comparable to the phase (:func:`corephase.model.arrivals.is_comparable`
        with ``interference_amplitude_ratio``) and within the slowness tolerance
        of the phase.
    """

    signal_s: tuple
    noise_s: tuple | None
    noise_note: str
    in_signal: list
    in_noise: list
    interferers: list


def phase_windows(arrivals, phase: str, settings: StackSettings) -> PhaseWindows:
    """The windows of ``phase`` given the pair's arrival list.

    Parameters
    ----------
    arrivals : sequence of corephase.model.arrivals.Arrival
        The pair's arrival list (times in s after origin, slowness in s/deg).
    phase : str
        The phase measured; if it is not in ``arrivals`` (or
        ``settings.detection.avoid_arrivals`` is off) the configured windows
        are returned without annotation.
    settings : corephase.config.stack.StackSettings

    Returns
    -------
    PhaseWindows
    """
    det = settings.detection
    sig, noi = settings.windows(phase)
    by_name = {a.phase: a for a in arrivals}
    if not det.avoid_arrivals or phase not in by_name:
        return PhaseWindows(tuple(sig), tuple(noi), "", [], [], [])
    tgt = by_name[phase]
    ratio = float(det.interference_amplitude_ratio)
    noise, note = clean_noise_window(
        arrivals,
        phase,
        tuple(noi),
        before_s=float(det.arrival_guard_s[0]),
        after_s=float(det.arrival_guard_s[1]),
        min_length_s=float(det.min_noise_window_s),
        search_s=tuple(float(v) for v in det.noise_search_s),
        amplitude_ratio=ratio,
        coda_s=float(det.arrival_coda_s),
    )

    def inside(w):
        if w is None:
            return []
        found = arrivals_in_window(arrivals, tgt.time + w[0], tgt.time + w[1])
        return [a for a in found if a.phase != phase]

    in_sig = inside(sig)
    tol = float(det.max_slowness_tolerance_s_deg)
    interferers = [
        a
        for a in in_sig
        if getattr(a, "primary", a.phase) != phase  # not the phase's own depth phases
        and is_comparable(a, tgt, ratio)
        and abs(a.slowness_s_deg - tgt.slowness_s_deg) <= tol
    ]
    return PhaseWindows(tuple(sig), noise, note, in_sig, inside(noise), interferers)


#: Seconds before the earliest arrival's onset that the sliding null leaves out: the
#: zero-phase band-pass spreads a strong onset a few seconds ahead of it, the wavelet
#: starts before its theoretical time and the alignment on a phase moves elements by
#: up to a few seconds; P is 100-1000 times the noise, so a few positions that catch
#: it inflate the null's tail (seen in the demo: envelope thresholds of 7 instead of 4).
PRE_ONSET_S = 20.0


def quiet_interval(arrivals, t_start_s: float, t_end_s: float, edge_s: float):
    """The stretch of a record that holds noise only, s after origin (the sliding null's).

    From ``edge_s`` after the record's start (the band-pass taper) to
    :data:`PRE_ONSET_S` before the onset of the earliest arrival of the list, and at
    most ``edge_s`` before the record's end.

    Parameters
    ----------
    arrivals : sequence of corephase.model.arrivals.Arrival
        The pair's arrival list (times in s after origin).
    t_start_s, t_end_s : float
        Times of the record's first and last samples, s after origin.
    edge_s : float
        Length of the tapered record edges, s.

    Returns
    -------
    (float, float) or None
        None when the stretch is empty.
    """
    first = min((a.time for a in arrivals), default=np.inf)
    start = float(t_start_s) + float(edge_s)
    end = min(first - PRE_ONSET_S, float(t_end_s) - edge_s)
    return (start, float(end)) if end > start else None


def describe(arrivals, target) -> str:
    """``name@+dt s/dp +x s/deg/A=...`` per arrival, relative to ``target`` (an Arrival)."""
    parts = []
    for a in arrivals:
        amp = "" if a.relative_amplitude is None else f"/A={a.relative_amplitude:+.3g}"
        parts.append(
            f"{a.phase}@{a.time - target.time:+.1f}s/"
            f"dp{a.slowness_s_deg - target.slowness_s_deg:+.2f}s/deg{amp}"
        )
    return ",".join(parts)


def annotate(rows: list[dict], windows: PhaseWindows, target) -> None:
    """Add the window columns to one phase's detection rows and apply the interference call.

    Adds ``noise_window_s`` (the noise window used, s relative to the phase),
    ``noise_window_note``, ``arrivals_in_signal`` and ``arrivals_in_noise``
    (see :func:`describe`). Rows called ``detected`` with interferers become
    ``interfered`` (``detected`` False) and their reason names the arrivals.

    Parameters
    ----------
    rows : list of dict
        The phase's rows (keys ``call``, ``detected``, ``reason``), as
        :attr:`corephase.analysis.detection.PhaseDetection.rows`; changed in place.
    windows : PhaseWindows
    target : corephase.model.arrivals.Arrival or None
        The phase's entry of the arrival list (None: no annotation of arrivals).
    """
    noi = windows.noise_s
    columns = {
        "noise_window_s": "" if noi is None else f"{noi[0]:.3f},{noi[1]:.3f}",
        "noise_window_note": windows.noise_note,
        "arrivals_in_signal": "" if target is None else describe(windows.in_signal, target),
        "arrivals_in_noise": "" if target is None else describe(windows.in_noise, target),
    }
    for row in rows:
        row.update(columns)
    if target is None or not windows.interferers:
        return
    names = ", ".join(a.phase for a in windows.interferers)
    for row in rows:
        if row["call"] == "detected":
            row.update(
                call="interfered",
                detected=False,
                reason=f"interfered: {names} in the signal window within the slowness "
                f"tolerance; {row['reason']}",
            )
