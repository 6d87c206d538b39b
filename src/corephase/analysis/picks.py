"""Arrival-time picks for differential times, clear of depth phases and coda.

The detection's ``t_peak_s`` is the largest peak of the beam anywhere in the
phase's signal window (s relative to the theoretical time, default -2 to 8 s).
Where a depth phase (pPKiKP, pPcP, ...) or a comparable arrival falls inside that
window, or the phase carries a scattering coda whose envelope builds up after
the onset, that peak is not the phase's arrival, and a differential time
(PKiKP-PcP) built on it is off by seconds. :func:`clean_pick` therefore picks

* within the *pick window*: the signal window, ended ``guard_s`` before the
  onset of the first arrival that blocks it (:func:`pick_window`): one of the
  phase's own depth phases, or any arrival of at least
  ``interference_amplitude_ratio`` times the phase's expected amplitude within
  ``max_slowness_tolerance_s_deg`` of its slowness (unknown amplitudes block);
* the largest envelope value of the *first* stretch where the beam's envelope
  exceeds :data:`FIRST_PEAK_FRACTION` of its largest value in the window, so
  a coda that grows after the onset does not capture the pick.

A coda whose envelope grows beyond twice the direct pulse still captures the pick
(amplitude alone cannot tell them apart then; tested up to 1.4 times).
A pick window shorter than :data:`MIN_PICK_WINDOW_S`, or an envelope peaking at
an end of the window (energy from before it, or a peak cut off), leaves no clean
pick: the pick is NaN and its note says ``masked`` and why. Times are in s after the
event origin; slowness in s/deg.
"""

from __future__ import annotations

import numpy as np

#: A pick is the peak of the first envelope stretch above this fraction of the window's largest.
FIRST_PEAK_FRACTION = 0.5
#: Shortest pick window (s) that still gives a pick.
MIN_PICK_WINDOW_S = 1.0


def _blocks(arrival, target, ratio: float, tolerance: float) -> bool:
    """Whether ``arrival`` ends ``target``'s pick window (see :func:`pick_window`)."""
    if arrival.primary == target.phase:
        return True
    a, t = arrival.relative_amplitude, target.relative_amplitude
    strong = a is None or (t is not None and abs(a) >= ratio * abs(t))
    return strong and abs(arrival.slowness_s_deg - target.slowness_s_deg) <= tolerance


def pick_window(signal_s, target, others, *, guard_s: float, ratio: float, tolerance: float):
    """The part of a signal window before the first arrival that blocks a clean pick.

    Parameters
    ----------
    signal_s : (float, float)
        Signal window, s relative to the phase's theoretical time.
    target : corephase.model.arrivals.Arrival or None
        The phase's entry of the pair's arrival list (None: the signal window as is).
    others : sequence of corephase.model.arrivals.Arrival
        Arrivals in the signal window (times in s after origin, slowness s/deg).
    guard_s : float
        The window ends this long before a blocking arrival's onset, s.
    ratio : float
        An arrival of at least ``ratio`` times the phase's expected amplitude (or of
        unknown amplitude) within ``tolerance`` s/deg of its slowness blocks; the
        phase's own depth phases always do.
    tolerance : float
        Slowness tolerance, s/deg.

    Returns
    -------
    (start, end), note
        The window (s relative to the phase) and a note: "" when it is the whole
        signal window, else ``"ends before <phase>@+t s"``.
    """
    start, end = float(signal_s[0]), float(signal_s[1])
    if target is None:
        return (start, end), ""
    blocking = sorted(
        (a for a in others if a.time > target.time and _blocks(a, target, ratio, tolerance)),
        key=lambda a: a.time,
    )
    if not blocking or blocking[0].time - target.time - guard_s >= end:
        return (start, end), ""
    first = blocking[0]
    end = first.time - target.time - guard_s
    return (start, end), f"ends before {first.phase}@{first.time - target.time:+.1f}s"


def clean_pick(beam, t, t_phase: float, window_s, *, is_envelope: bool = False):
    """Time of the phase's first strong envelope peak within its pick window.

    The peak is the largest envelope value of the first stretch of the window
    where the envelope exceeds :data:`FIRST_PEAK_FRACTION` of its window maximum.

    Parameters
    ----------
    beam : array_like
        Beam samples (any unit) at times ``t``.
    t : array_like
        Sample times, s after origin.
    t_phase : float
        The phase's theoretical time, s after origin.
    window_s : (float, float)
        Pick window (:func:`pick_window`), s relative to ``t_phase``.
    is_envelope : bool
        ``beam`` is already an envelope (the envelope stack); otherwise its
        envelope is the modulus of the analytic signal
        (:func:`corephase.signal.stacking.analytic_signal`).

    Returns
    -------
    t_pick : float
        s after origin; NaN when the window is shorter than
        :data:`MIN_PICK_WINDOW_S`, holds no sample or its envelope peaks at one
        of its ends.
    amplitude : float
        Largest absolute beam sample of that first stretch, in the beam's units
        (the direct pulse's amplitude, without a coda or later arrival that
        outgrows it); NaN where ``t_pick`` is.
    note : str
        "" for a pick; ``"masked: ..."`` with the reason otherwise.
    """
    from corephase.signal.stacking import analytic_signal

    w0, w1 = float(window_s[0]), float(window_s[1])
    if w1 - w0 < MIN_PICK_WINDOW_S:
        return np.nan, np.nan, f"masked: pick window {w0:+.1f} to {w1:+.1f} s is shorter than 1 s"
    t = np.asarray(t, float)
    inside = np.flatnonzero((t >= t_phase + w0) & (t <= t_phase + w1))
    if inside.size < 3:
        return np.nan, np.nan, "masked: no beam samples in the pick window"
    x = np.asarray(beam, float)
    env = np.abs(x) if is_envelope else np.abs(analytic_signal(x))
    e = env[inside]
    # the first stretch of the envelope above the fraction of its largest value, and the
    # largest value in that stretch (ripples on its flanks do not make peaks)
    above = e >= FIRST_PEAK_FRACTION * e.max()
    first = int(np.argmax(above))
    below = np.flatnonzero(~above[first:])
    stop = first + (int(below[0]) if below.size else e.size - first)
    k = first + int(np.argmax(e[first:stop]))
    if k in (0, e.size - 1):
        edge = "start" if k == 0 else "end"
        return np.nan, np.nan, f"masked: the envelope peaks at the {edge} of the pick window"
    amplitude = float(np.abs(x[inside[first:stop]]).max())
    return float(t[inside[k]]), amplitude, ""


def add_clean_picks(
    rows: list[dict], beams: dict, t, t_phase: float, windows, target, settings
) -> None:
    """Add ``t_pick_s``, ``amplitude_pick`` and ``pick_note`` to one phase's rows (in place).

    ``amplitude_pick`` is the direct pulse's peak absolute beam amplitude (input
    units) of :func:`clean_pick`; amplitude ratios use it before the peak over
    the whole signal window, which a coda or later arrival can dominate.

    Parameters
    ----------
    rows : list of dict
        The phase's rows, one per stack type (key ``stack``), as
        :attr:`corephase.analysis.detection.PhaseDetection.rows`.
    beams : dict
        ``{stack: beam}`` on the samples ``t`` (s after origin).
    t_phase : float
        The phase's theoretical time, s after origin.
    windows : corephase.analysis.detection.interference.PhaseWindows
        Its signal window and the arrivals in it.
    target : corephase.model.arrivals.Arrival or None
        The phase's entry of the arrival list.
    settings : corephase.config.stack.StackSettings
        ``detection.arrival_guard_s[0]`` is the guard before a blocking onset;
        ``interference_amplitude_ratio`` and ``max_slowness_tolerance_s_deg``
        say which arrivals block (:func:`pick_window`).
    """
    det = settings.detection
    window, note = pick_window(
        windows.signal_s,
        target,
        windows.in_signal,
        guard_s=float(det.arrival_guard_s[0]),
        ratio=float(det.interference_amplitude_ratio),
        tolerance=float(det.max_slowness_tolerance_s_deg),
    )
    for row in rows:
        k = row["stack"]
        p, a, n = (
            clean_pick(beams[k], t, t_phase, window, is_envelope=k == "envelope")
            if k in beams
            else (np.nan, np.nan, f"masked: no {k} beam")
        )
        row.update(t_pick_s=p, amplitude_pick=a, pick_note=n or note)
