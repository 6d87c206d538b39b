"""Every arrival in a record: the full TauP arrival list of an event-array pair.

:func:`arrival_list` gives, for a source depth and an epicentral distance, the
arrivals of every phase family that a short-period vertical record between
10 and 180 degrees can hold (:data:`PRIMARY_PHASES`: P, PcP, ScP, PKiKP,
PKIIKP, PKJKP, ScS, PP, S, SS and the PKP branches ab, bc and df = PKIKP) and
the depth phases of each (``pX`` and ``sX``: the ray leaves the source upwards
as P or S and is reflected at the free surface above the source into the first
leg of ``X``). Each :class:`Arrival` has its time (s after origin), slowness
(s/deg), its free-surface reflection coefficient (depth phases) and an expected
vertical amplitude relative to P where the physics gives one.

Conventions
-----------
* Times are s after the origin unless a name says "relative to the phase".
* Slowness is the horizontal slowness (ray parameter) in s/deg.
* A phase with several TauP arrivals (triplications) is listed once, at its
  first arrival (its onset), except PKP, whose two branches are listed as
  ``PKPab`` (larger slowness) and ``PKPbc``.
* Free-surface coefficients are plane-wave displacement reflection coefficients
  of a half-space (Aki & Richards 2002, section 5.2: the free-surface
  coefficients ``PP``, ``PS``, ``SP``, ``SS`` of P-SV waves), with P positive along the propagation
  direction and SV in their sign convention; the half-space has the P and S
  velocities of the model's top layer (:func:`surface_velocities`: ak135 and
  iasp91 5.8 / 3.46 km/s, PREM 5.8 / 3.2 km/s). The depth phase's amplitude on
  the vertical relative to its primary is ``coefficient * radiation``, where
  ``radiation`` is the source's amplitude ratio between the upgoing ray (P for
  ``p``, SV for ``s``) and the downgoing first leg of the primary (1 unless
  given): the receiver side of ``pX`` and ``X`` is the same.

References
----------
Aki, K. & Richards, P. G. (2002). Quantitative Seismology, 2nd ed. University
Science Books, section 5.2 (P-SV waves at a free surface).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from corephase.model.geometry import KM_PER_DEG
from corephase.model.traveltimes import PhaseArrival, element_distances, tau_model, taup_rows

#: Primary phase families of the arrival list (PKPab/PKPbc are the PKP branches).
PRIMARY_PHASES = (
    "P",
    "PcP",
    "ScP",
    "PKiKP",
    "PKIIKP",
    "PKJKP",
    "ScS",
    "PP",
    "S",
    "SS",
    "PKPab",
    "PKPbc",
    "PKIKP",
    "SKS",
)

#: Typical peak vertical short-period (1-2 Hz) amplitudes relative to P, used
#: to rank arrivals ("stronger than the target") and as the synthetic default.
#: PcP, ScP, PKiKP, PKIIKP, PKJKP: the project's synthetic values; the others
#: are order-of-magnitude choices documented in corephase.config.synthetic.
TYPICAL_AMPLITUDES = {
    "P": 1.0,
    "PcP": 0.12,
    "ScP": 0.2,
    "PKiKP": 0.012,
    "PKIIKP": 0.006,
    "PKJKP": 0.0015,
    "ScS": 0.01,
    "PP": 0.4,
    "S": 0.05,
    "SS": 0.02,
    "PKPab": 0.3,
    "PKPbc": 0.3,
    "PKIKP": 0.2,
    "SKS": 0.02,
}


@dataclass(frozen=True)
class Arrival(PhaseArrival):
    """One arrival of the arrival list (a :class:`PhaseArrival` with its family).

    Attributes
    ----------
    primary : str
        The phase family: the phase itself, or for a depth phase ``pX``/``sX``
        the primary ``X``.
    free_surface : float or None
        Depth phases: the free-surface reflection coefficient (upgoing P or S
        into the first leg of ``X``) at the depth phase's slowness; None for
        primaries.
    relative_amplitude : float or None
        Expected peak vertical amplitude relative to P (signed), where known:
        the primary's typical amplitude, times ``free_surface * radiation`` for
        a depth phase; None if the primary has no typical amplitude.
    """

    primary: str = ""
    free_surface: float | None = None
    relative_amplitude: float | None = None

    @property
    def is_depth_phase(self) -> bool:
        """True for ``pX``/``sX`` depth phases."""
        return self.phase != self.primary


def depth_phase_names(primary: str) -> tuple[str, str]:
    """The depth phases ``(pX, sX)`` of a primary phase ``X``."""
    return f"p{primary}", f"s{primary}"


def surface_velocities(model: str = "ak135") -> tuple[float, float]:
    """P and S velocities (km/s) at the top of the earth model (its first layer).

    These are the half-space velocities of the free-surface coefficients.
    """
    layer = tau_model(model).s_mod.v_mod.layers[0]
    return float(layer["top_p_velocity"]), float(layer["top_s_velocity"])


def free_surface_coefficients(p_s_km: float, vp_km_s: float, vs_km_s: float) -> dict:
    """Free-surface reflection coefficients of displacement for ray parameter ``p``.

    Aki & Richards (2002), section 5.2, with ``i``, ``j`` the P and S angles
    from the vertical::

        D  = (1/b^2 - 2p^2)^2 + 4 p^2 (cos i / a)(cos j / b)
        PP = (-(1/b^2 - 2p^2)^2 + 4 p^2 (cos i / a)(cos j / b)) / D
        PS = 4 (a/b) p (cos i / a)(1/b^2 - 2p^2) / D
        SP = 4 (b/a) p (cos j / b)(1/b^2 - 2p^2) / D
        SS = -PP

    ``PS`` is incident P to reflected S, ``SP`` incident S to reflected P.
    Beyond the P critical slowness (``p > 1/a``) ``cos i`` is imaginary and the
    coefficients complex; each value returned is then the modulus with the sign
    of its real part (the phase shift is not kept).

    Parameters
    ----------
    p_s_km : float
        Ray parameter (horizontal slowness) in s/km, ``0 <= p < 1/b``.
    vp_km_s, vs_km_s : float
        P and S velocities (km/s) of the half-space.

    Returns
    -------
    dict
        ``{"PP", "PS", "SP", "SS"}`` -> float.
    """
    a, b, p = float(vp_km_s), float(vs_km_s), float(p_s_km)
    if not 0.0 <= p < 1.0 / b:
        raise ValueError(f"ray parameter {p} s/km is outside [0, 1/vs = {1.0 / b:.4f})")
    ci_a = np.sqrt(complex(1.0 / a**2 - p**2))  # cos(i) / a
    cj_b = np.sqrt(complex(1.0 / b**2 - p**2))  # cos(j) / b
    s = 1.0 / b**2 - 2.0 * p**2
    d = s**2 + 4.0 * p**2 * ci_a * cj_b
    out = {
        "PP": (-(s**2) + 4.0 * p**2 * ci_a * cj_b) / d,
        "PS": 4.0 * (a / b) * p * ci_a * s / d,
        "SP": 4.0 * (b / a) * p * cj_b * s / d,
    }
    out["SS"] = -out["PP"]
    return {k: _signed_modulus(v) for k, v in out.items()}


def _signed_modulus(z: complex) -> float:
    if abs(z.imag) <= 1e-12 * max(abs(z), 1.0):
        return float(z.real)
    return float(np.sign(z.real) or 1.0) * float(abs(z))


def taup_name(label: str) -> str:
    """The TauP phase name of an arrival-list label (``PKPab``/``PKPbc`` -> ``PKP``)."""
    if label.endswith(("PKPab", "PKPbc")):
        return label[:-2]
    return label


def _labels(primaries: Sequence[str], depth_phases: bool) -> list[str]:
    out = []
    for ph in primaries:
        out.append(ph)
        if depth_phases:
            out.extend(depth_phase_names(ph))
    return out


def _pick(rows: list, label: str):
    """The row of ``label`` among the TauP rows of its name (first arrival; PKP branches
    by slowness: ab the larger, bc the smaller when two or more exist)."""
    if not rows:
        return None
    if label.endswith(("PKPab", "PKPbc")):
        by_p = sorted(rows, key=lambda r: -r[2])
        if len(by_p) < 2:
            return None
        return by_p[0] if label.endswith("ab") else by_p[-1]
    return min(rows, key=lambda r: r[1])


def arrival_list(
    depth_km: float,
    distance_deg: float,
    model: str = "ak135",
    *,
    primaries: Sequence[str] = PRIMARY_PHASES,
    depth_phases: bool = True,
    amplitudes: Mapping[str, float] | None = None,
    radiation: tuple[float, float] = (1.0, 1.0),
) -> list[Arrival]:
    """The arrivals of every phase family and their depth phases, sorted by time.

    Parameters
    ----------
    depth_km : float
        Source depth in km.
    distance_deg : float
        Epicentral distance in degrees.
    model : str
        Earth model (:data:`corephase.model.traveltimes.MODELS`).
    primaries : sequence of str
        Phase families (TauP names, or ``PKPab``/``PKPbc``).
    depth_phases : bool
        Also list ``pX`` and ``sX`` of every primary ``X``.
    amplitudes : mapping, optional
        Peak vertical amplitude of each primary relative to P (default
        :data:`TYPICAL_AMPLITUDES`); primaries not in it get None.
    radiation : (float, float)
        Source amplitude ratio upgoing P / downgoing first leg (for ``pX``) and
        upgoing SV / downgoing first leg (for ``sX``).

    Returns
    -------
    list of Arrival
        Phases without a ray at this distance and depth are left out.
    """
    amps = TYPICAL_AMPLITUDES if amplitudes is None else amplitudes
    labels = _labels(primaries, depth_phases)
    names = tuple(sorted({taup_name(lb) for lb in labels}))
    rows = taup_rows(depth_km, distance_deg, names, model)
    vp, vs = surface_velocities(model)
    out = []
    for label in labels:
        row = _pick([r for r in rows if r[0] == taup_name(label)], label)
        if row is None:
            continue
        primary = label if label in primaries else label[1:]
        arr = Arrival(label, row[1], row[2], row[3], primary=primary)
        out.append(_with_amplitude(arr, amps.get(primary), vp, vs, radiation))
    return sorted(out, key=lambda a: a.time)


def _with_amplitude(arr: Arrival, primary_amp, vp, vs, radiation) -> Arrival:
    """``arr`` with its free-surface coefficient and expected relative amplitude."""
    if not arr.is_depth_phase:
        return replace(arr, relative_amplitude=primary_amp)
    up, down = arr.phase[0].upper(), arr.primary[0]
    coef = free_surface_coefficients(arr.slowness_s_deg / KM_PER_DEG, vp, vs)[up + down]
    rad = radiation[0] if up == "P" else radiation[1]
    rel = None if primary_amp is None else primary_amp * coef * rad
    return replace(arr, free_surface=coef, relative_amplitude=rel)


def arrivals_in_window(arrivals: Sequence[Arrival], start_s: float, end_s: float) -> list:
    """The arrivals with ``start_s <= time <= end_s`` (s after origin)."""
    return [a for a in arrivals if start_s <= a.time <= end_s]


def element_arrival_times(
    arrivals: Sequence[Arrival],
    depth_km: float,
    distance_deg: float,
    ev_lat: float,
    ev_lon: float,
    lat,
    lon,
    model: str = "ak135",
) -> dict[str, np.ndarray]:
    """Time (s after origin) of each arrival at each element.

    From the arrivals at the reference distance ``distance_deg`` (time ``t0``,
    slowness ``p0``, from :func:`arrival_list`) and the slowness ``p1`` at the
    element distance ``d1`` farthest from it: ``t(d) = t0 + p0 (d - d0) +
    (p1 - p0) / (d1 - d0) (d - d0)^2 / 2``, with the element distances ``d`` of
    :func:`corephase.model.traveltimes.element_distances`. The error is of
    third order in the distance span: well below 1 ms for arrays of a few tens
    of km (about 1 ms at 150 km), away from caustics. NaN where a phase has no
    ray at ``d1``.

    Returns
    -------
    dict
        Arrival label -> times (s after origin), one per element.
    """
    primaries = tuple(dict.fromkeys(a.primary for a in arrivals))
    depth_phases = any(a.is_depth_phase for a in arrivals)
    dists = element_distances(ev_lat, ev_lon, lat, lon) - float(distance_deg)
    far = float(dists[np.argmax(np.abs(dists))])
    p_far = {a.phase: a.slowness_s_deg for a in arrivals}
    if abs(far) > 1e-6:
        at_far = arrival_list(
            depth_km, distance_deg + far, model, primaries=primaries, depth_phases=depth_phases
        )
        p_far = {a.phase: a.slowness_s_deg for a in at_far}
    else:
        far = 1.0
    out = {}
    for a in arrivals:
        p1 = p_far.get(a.phase, np.nan)
        p0 = a.slowness_s_deg
        out[a.phase] = a.time + p0 * dists + 0.5 * (p1 - p0) / far * dists**2
    return out


def is_comparable(arrival: Arrival, target: Arrival, ratio: float = 1.0) -> bool:
    """Whether ``arrival`` is expected at least ``ratio`` times as strong as ``target``.

    The one comparator of the arrival list: compares the moduli of the expected
    vertical amplitudes (``relative_amplitude``), ``|a| >= ratio * |t|``. An
    unknown amplitude on either side counts as comparable (the conservative
    choice: a noise window avoids it, a detection beside it is ``interfered``).

    Parameters
    ----------
    arrival, target : Arrival
    ratio : float
        Fraction of the target's expected amplitude (1: at least as strong).
    """
    a, t = arrival.relative_amplitude, target.relative_amplitude
    if a is None or t is None:
        return True
    return abs(a) >= float(ratio) * abs(t)


def clean_noise_window(
    arrivals: Sequence[Arrival],
    target: str,
    window_s: tuple[float, float] = (-40.0, -5.0),
    *,
    before_s: float = 2.0,
    after_s: float = 10.0,
    min_length_s: float = 15.0,
    search_s: tuple[float, float] = (-300.0, -5.0),
    amplitude_ratio: float = 1.0,
    coda_s: float = 0.0,
) -> tuple[tuple[float, float] | None, str]:
    """A noise window for ``target`` free of the onsets and early codas of strong arrivals.

    Every arrival comparable to the target (:func:`is_comparable` with
    ``amplitude_ratio``) forbids ``[t - before_s, t + after_s]`` around its onset
    ``t``; every arrival at least as strong as the target (ratio 1) also forbids
    its coda, ``[t - before_s, t + max(after_s, coda_s)]``, so a window is never
    placed in the loud early coda of a stronger phase (where the noise is far
    above the level around the target). The window keeps its nominal length and
    moves as little as possible within ``search_s`` (before the first strong
    arrival when its coda covers the rest); if it does not fit anywhere, the
    longest clean stretch of at least ``min_length_s`` is taken.

    Parameters
    ----------
    arrivals : sequence of Arrival
        The pair's arrival list (:func:`arrival_list`).
    target : str
        The phase whose noise window is sought (must be in ``arrivals``).
    window_s : (float, float)
        Nominal noise window, s relative to the target's time.
    before_s, after_s : float
        Forbidden time before and after each comparable onset, s.
    min_length_s : float
        Shortest acceptable window, s.
    search_s : (float, float)
        Where the window may lie, s relative to the target's time.
    amplitude_ratio : float
        Fraction of the target's expected amplitude from which an arrival counts.
    coda_s : float
        Length of the coda forbidden after each arrival at least as strong as the
        target, s (0: only ``after_s``).

    Returns
    -------
    window : (float, float) or None
        Start and end, s relative to the target's time; None if no clean window.
    reason : str
        Empty when the nominal window is clean; else why it moved or why none.
    """
    by_name = {a.phase: a for a in arrivals}
    if target not in by_name:
        raise ValueError(f"{target} is not in the arrival list ({', '.join(by_name)})")
    tgt = by_name[target]
    blocks = sorted(
        (
            a.time - tgt.time - before_s,
            a.time - tgt.time + (max(after_s, coda_s) if is_comparable(a, tgt) else after_s),
            a.phase,
        )
        for a in arrivals
        if a.phase != target and is_comparable(a, tgt, amplitude_ratio)
    )
    gaps = _gaps(search_s, blocks)
    w0, w1 = (float(v) for v in window_s)
    length = w1 - w0
    placed = [
        (abs(min(max(w0, g0), g1 - length) - w0), g0, g1) for g0, g1 in gaps if g1 - g0 >= length
    ]
    if placed:
        _, g0, g1 = min(placed)
        s = min(max(w0, g0), g1 - length)
        if s == w0:
            return (w0, w1), ""
        hit = _blockers(blocks, w0, w1)
        return (s, s + length), f"moved by {s - w0:+.1f} s to avoid {', '.join(hit)}"
    long = [(g1 - g0, g0, g1) for g0, g1 in gaps if g1 - g0 >= min_length_s]
    if long:
        _, g0, g1 = max(long)
        hit = _blockers(blocks, w0, w1)
        return (g0, g1), f"shortened to {g1 - g0:.1f} s to avoid {', '.join(hit)}"
    hit = _blockers(blocks, *search_s)
    return None, (
        f"no clean noise window of {min_length_s:g} s within {search_s[0]:g} to "
        f"{search_s[1]:g} s of {target}: onsets or codas of {', '.join(hit)}"
    )


def _gaps(search_s, blocks) -> list[tuple[float, float]]:
    """The stretches of ``search_s`` outside every block (sorted by start)."""
    lo, hi = (float(v) for v in search_s)
    gaps, cur = [], lo
    for b0, b1, _ in blocks:
        if b0 > cur:
            gaps.append((cur, min(b0, hi)))
        cur = max(cur, b1)
        if cur >= hi:
            break
    if cur < hi:
        gaps.append((cur, hi))
    return [(g0, g1) for g0, g1 in gaps if g1 > g0]


def _blockers(blocks, w0: float, w1: float) -> list[str]:
    """Names of the blocks overlapping ``[w0, w1]``."""
    return [name for b0, b1, name in blocks if b0 < w1 and b1 > w0] or ["nothing"]
