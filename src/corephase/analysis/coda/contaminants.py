"""Predicted arrivals that contaminate coda windows, and the masks around them.

Depth phases (pPKiKP, sPKiKP, pPcP, ...) arrive inside the coda window of
their main phase with nearly the same slowness; other body waves (PP, S, SS,
ScS, PKP, ...) may fall into any window of a long record. Every predicted
arrival is masked in the coda measurement over ``coda.arrival_mask_s`` (s
relative to its theoretical time); the unmasked values are reported beside.

Times are s after the origin; slowness in s/deg.
"""

from __future__ import annotations

import numpy as np

from corephase.model.arrivals import arrival_list, taup_name
from corephase.model.traveltimes import PhaseArrival


def predicted_arrivals(
    depth_km: float, distance_deg: float, phases, model: str = "ak135", listed=None
) -> dict[str, PhaseArrival]:
    """The arrivals of ``phases`` at the array reference point, from the arrival list.

    The one place the coda analysis asks for its extra arrivals (depth phases
    and other body waves): the entries of the pair's arrival list
    (:func:`corephase.model.arrivals.arrival_list`, with each arrival's
    expected amplitude relative to P where known) whose label or TauP name is
    in ``phases`` (``PKP`` selects the PKPab and PKPbc branches). Phases without
    a ray at ``distance_deg`` are omitted.

    Parameters
    ----------
    depth_km : float
        Source depth, km.
    distance_deg : float
        Epicentral distance, deg.
    phases : sequence of str
        TauP phase names or arrival-list labels, e.g. ``("pPKiKP", "sPKiKP",
        "ScS")``; a name ``pX``/``sX`` whose ``X`` is also listed is taken as
        the depth phase of ``X``.
    model : str
        Earth model.
    listed : sequence of corephase.model.arrivals.Arrival, optional
        The pair's arrival list (as the fetch stage wrote it); computed with
        TauP when not given.

    Returns
    -------
    dict of str to corephase.model.arrivals.Arrival
        Times in s after the origin, slowness in s/deg.
    """
    wanted = tuple(dict.fromkeys(str(p) for p in phases or ()))
    if not wanted:
        return {}
    if listed is None:
        primaries = tuple(p for p in wanted if not (p[:1] in "ps" and p[1:] in wanted))
        listed = arrival_list(depth_km, distance_deg, model, primaries=primaries)
    return {a.phase: a for a in listed if a.phase in wanted or taup_name(a.phase) in wanted}


def arrival_mask(t_orig, arrivals: dict, exclude: str | None, mask_s) -> np.ndarray:
    """Samples within ``mask_s`` (s, relative) of any arrival other than ``exclude``.

    Parameters
    ----------
    t_orig : numpy.ndarray
        Sample times, s after origin.
    arrivals : dict of str to PhaseArrival
    exclude : str or None
        The phase under study (not masked).
    mask_s : (float, float)
        Start and end of each masked window, s relative to the arrival.

    Returns
    -------
    numpy.ndarray of bool
        True where a sample is masked.
    """
    t = np.asarray(t_orig, float)
    m = np.zeros(t.size, bool)
    for name, a in arrivals.items():
        if name != exclude:
            m |= (t >= a.time + mask_s[0]) & (t <= a.time + mask_s[1])
    return m


def contaminating_list(arrivals: dict, phase: str, window_s) -> str:
    """Arrivals inside ``window_s`` (s relative to ``phase``) as
    ``name@+dt s/slowness s/deg[/A=expected amplitude relative to P]``."""
    t_ph = arrivals[phase].time
    return ",".join(
        f"{k}@{a.time - t_ph:+.1f}s/{a.slowness_s_deg:.2f}s/deg{_amplitude_tag(a)}"
        for k, a in sorted(arrivals.items(), key=lambda kv: kv[1].time)
        if k != phase and window_s[0] <= a.time - t_ph <= window_s[1]
    )


def _amplitude_tag(arrival) -> str:
    """``/A=+0.012`` (expected amplitude relative to P) where the arrival list knows it."""
    amp = getattr(arrival, "relative_amplitude", None)
    return "" if amp is None else f"/A={amp:+.3g}"
