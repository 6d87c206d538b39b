"""Theoretical travel times, slownesses and source-array geometry (TauP).

Times are seconds after the event origin; slowness is horizontal slowness
(ray parameter) in s/deg; back-azimuth is clockwise from north at the array,
pointing to the source.
"""

from __future__ import annotations

import importlib
from contextlib import ExitStack
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from corephase.model.geometry import KM_PER_DEG
from corephase.model.taupy import taup_classes
from corephase.utils.imports import bare_package

#: Earth models shipped with ObsPy's TauP that the pipeline accepts.
MODELS = ("ak135", "iasp91", "prem")


@lru_cache(maxsize=8)
def taup_model(name: str = "ak135"):
    """A cached :class:`obspy.taup.TauPyModel` for ``name`` (ak135, iasp91, prem).

    For ray paths and pierce points; travel times (:func:`phase_rows`) and the model
    itself (:func:`tau_model`) do not need it (importing it imports matplotlib).
    """
    from obspy.taup import TauPyModel

    _check_model(name)
    return TauPyModel(model=name)


@lru_cache(maxsize=8)
def tau_model(name: str = "ak135"):
    """The cached :class:`obspy.taup.tau_model.TauModel` of ``name`` (ak135, iasp91, prem):
    the model a :class:`obspy.taup.TauPyModel` holds as ``.model``, loaded without
    importing ``obspy.taup`` (:mod:`corephase.model.taupy`)."""
    _check_model(name)
    return taup_classes().TauModel.from_file(name)


@lru_cache(maxsize=1)
def geodetics():
    """:mod:`obspy.geodetics.base` (``gps2dist_azimuth``, ``locations2degrees``), imported
    under bare ``obspy``, ``obspy.core``, ``obspy.core.util`` and ``obspy.geodetics``
    packages (:func:`corephase.utils.imports.bare_package`): ObsPy's ``__init__`` imports
    Stream, Inventory and Catalog, which a job that reads band files never uses. The
    functions are ObsPy's own; the plain import is the fallback."""
    packages = ("obspy", "obspy.core", "obspy.core.util", "obspy.geodetics")
    try:
        with ExitStack() as stack:
            for package in packages:
                stack.enter_context(bare_package(package))
            return importlib.import_module("obspy.geodetics.base")
    except (ImportError, AttributeError):
        import obspy.geodetics.base

        return obspy.geodetics.base


def _check_model(name: str) -> None:
    if name not in MODELS:
        raise ValueError(f"earth model {name!r} is not one of {', '.join(MODELS)}")


@dataclass(frozen=True)
class PhaseArrival:
    """One theoretical arrival.

    Attributes
    ----------
    phase : str
        TauP phase name.
    time : float
        Travel time in s after origin.
    slowness_s_deg : float
        Horizontal slowness in s/deg.
    incidence_deg : float
        Incidence angle at the receiver, degrees from vertical.
    """

    phase: str
    time: float
    slowness_s_deg: float
    incidence_deg: float

    @property
    def slowness_s_km(self) -> float:
        """Horizontal slowness in s/km."""
        return self.slowness_s_deg / KM_PER_DEG


def distance_backazimuth(ev_lat, ev_lon, st_lat, st_lon) -> tuple[float, float, float]:
    """Epicentral distance (deg), back-azimuth and azimuth (deg, clockwise from north).

    Back-azimuth is measured at the station towards the event; azimuth at the
    event towards the station. Distances are on the WGS84 ellipsoid via
    :func:`obspy.geodetics.gps2dist_azimuth` for azimuths and on the sphere
    (geocentric-free, as TauP expects) for the distance in degrees.
    """
    geo = geodetics()
    dist = geo.locations2degrees(ev_lat, ev_lon, st_lat, st_lon)
    _, az, baz = geo.gps2dist_azimuth(ev_lat, ev_lon, st_lat, st_lon)
    return float(dist), float(baz), float(az)


def first_arrivals(
    depth_km: float, distance_deg: float, phases, model: str = "ak135"
) -> dict[str, PhaseArrival]:
    """The first arrival of each requested phase (phases with no ray are omitted).

    Parameters
    ----------
    depth_km : float
        Source depth in km.
    distance_deg : float
        Epicentral distance in degrees.
    phases : sequence of str
        TauP phase names, e.g. ``["PcP", "ScP", "PKiKP"]``.
    model : str
        Earth model name (see :data:`MODELS`).
    """
    out: dict[str, PhaseArrival] = {}
    for name, time, slowness, incidence in taup_rows(depth_km, distance_deg, phases, model):
        if name not in out:
            out[name] = PhaseArrival(name, time, slowness, incidence)
    return out


def taup_rows(depth_km: float, distance_deg: float, phases, model: str = "ak135") -> list:
    """Every TauP arrival of ``phases``: ``(name, time, slowness, incidence)`` rows.

    Times in s after origin, slowness in s/deg, incidence in degrees from the
    vertical; rows in time order (a phase's own arrivals in TauP's order). The
    same numbers as one :meth:`obspy.taup.TauPyModel.get_travel_times` call on
    the list (TauP computes each phase on its own), evaluated phase by phase
    and cached (:func:`phase_rows`), so that the first arrivals and the arrival
    list of a pair share the phases they both need.
    """
    depth, dist = float(depth_km), float(distance_deg)
    rows = [r for name in sorted(set(phases)) for r in phase_rows(depth, dist, name, model)]
    return sorted(rows, key=lambda r: r[1])


@lru_cache(maxsize=2048)
def phase_rows(depth_km: float, distance_deg: float, phase: str, model: str) -> tuple:
    """The TauP arrivals of one phase name at one depth (km) and distance (deg), cached:
    ``(name, time s after origin, slowness s/deg, incidence deg)`` rows in time order.

    The numbers of ``TauPyModel(model).get_travel_times(max(depth_km, 0), distance_deg,
    [phase])`` (tested to the last bit): ObsPy's :class:`~obspy.taup.seismic_phase.SeismicPhase`
    of each name, built once per model, depth and name (:func:`_seismic_phases`) and
    evaluated at the distance with TauP's default ray-parameter tolerance.
    """
    classes = taup_classes()
    tol = classes.defaults["default_time_ray_param_tol"]
    phases = _seismic_phases(model, max(float(depth_km), 0.0), phase)
    arrivals = sorted(
        (a for p in phases for a in p.calc_time(distance_deg, tol)), key=lambda a: a.time
    )
    return tuple(
        (a.name, float(a.time), float(a.ray_param_sec_degree), float(a.incident_angle))
        for a in arrivals
    )


def phase_pierces(depth_km: float, distance_deg: float, phase: str, model: str) -> list:
    """The TauP arrivals of one phase name with their pierce points, in time order.

    The arrivals of ``TauPyModel(model).get_pierce_points(max(depth_km, 0),
    distance_deg, [phase])`` (ObsPy :class:`~obspy.taup.helper_classes.Arrival`
    objects; ``.pierce`` holds ``dist`` in radians from the source, ``depth`` in km
    and ``time`` in s after origin), from the SeismicPhase objects
    :func:`phase_rows` shares, evaluated with TauP's default path ray-parameter
    tolerance; no ``import obspy.taup`` (:mod:`corephase.model.taupy`).
    """
    tol = taup_classes().defaults["default_path_ray_param_tol"]
    phases = _seismic_phases(model, max(float(depth_km), 0.0), phase)
    arrivals = (a for p in phases for a in p.calc_pierce(float(distance_deg), tol))
    return sorted(arrivals, key=lambda a: a.time)


@lru_cache(maxsize=512)
def _seismic_phases(model: str, depth_km: float, phase: str) -> tuple:
    """ObsPy's SeismicPhase of each name ``phase`` stands for, for a source at ``depth_km``
    (km) and a surface receiver, as :class:`obspy.taup.taup_time.TauPTime` builds them
    (names TauP cannot build are left out, as TauPTime leaves them out), each a
    :class:`~corephase.model.rayshoot.ShootingPhase` (ObsPy's numbers, its shots cheaper)
    with the ObsPy release that class was tested on
    (:func:`~corephase.model.rayshoot.phase_class`)."""
    from corephase.model.rayshoot import phase_class

    classes = taup_classes()
    source_model = _source_model(model, depth_km)
    seismic_phase = phase_class()
    out = []
    for name in classes.parse_phase_list([phase]):
        try:
            out.append(seismic_phase(name, source_model, 0.0))
        except classes.TauModelError:
            continue
    return tuple(out)


@lru_cache(maxsize=64)
def _source_model(model: str, depth_km: float):
    """The TauModel split at the source depth (km) and at the surface receiver, as
    :meth:`obspy.taup.taup_time.TauPTime.depth_correct` makes it (once per depth)."""
    base = tau_model(model)
    if depth_km == base.source_depth:
        return base
    return base.depth_correct(depth_km).split_branch(0.0)


def element_times(
    depth_km: float, ev_lat: float, ev_lon: float, lat, lon, phase: str, model: str = "ak135"
) -> np.ndarray:
    """Travel time (s after origin) of ``phase`` at each element, from TauP.

    Used for curved-wavefront alignment and synthetics over large apertures.
    Elements where the phase does not exist get NaN. Distances are computed per
    element; to keep this cheap the travel time is evaluated exactly at the
    element distances closest to the array centre and linearly interpolated in
    distance elsewhere (error below 1 ms for apertures under 10 deg).
    """
    dists = element_distances(ev_lat, ev_lon, lat, lon)
    lo, hi = dists.min(), dists.max()
    if hi - lo < 1e-6:
        grid = np.array([lo])
    else:
        npts = int(np.clip(np.ceil((hi - lo) / 0.05) + 1, 3, 400))
        grid = np.linspace(lo, hi, npts)
    times = []
    for d in grid:
        arr = first_arrivals(depth_km, d, [phase], model)
        times.append(arr[phase].time if phase in arr else np.nan)
    times = np.array(times)
    if grid.size == 1:
        return np.full(dists.shape, times[0])
    return np.interp(dists, grid, times)


def element_distances(ev_lat: float, ev_lon: float, lat, lon) -> np.ndarray:
    """Epicentral distance (deg, spherical Earth as TauP expects) of each element."""
    lat = np.atleast_1d(np.asarray(lat, float))
    lon = np.atleast_1d(np.asarray(lon, float))
    degrees = geodetics().locations2degrees
    return np.array([degrees(ev_lat, ev_lon, a, b) for a, b in zip(lat, lon, strict=True)])


def reference_time(event, geometry, phase: str, model: str = "ak135") -> float:
    """Travel time (s after origin) of ``phase`` at the array reference point.

    :func:`element_times` at ``geometry.ref_lat, geometry.ref_lon``; NaN where
    the phase has no ray.
    """
    return float(
        element_times(
            event.depth_km,
            event.latitude,
            event.longitude,
            [geometry.ref_lat],
            [geometry.ref_lon],
            phase,
            model,
        )[0]
    )


def window_phases(window) -> tuple[str | None, ...]:
    """Every phase a record window may need: start, start fallback, end, end fallback.

    Parameters
    ----------
    window : dict or WindowSettings
        The config's ``window`` section (missing keys take their defaults).

    Returns
    -------
    tuple of str
        The phase names in that order, without the unset (null) ones.
    """
    w = _window_settings(window)
    names = (w.start_phase, w.start_fallback_phase, w.end_phase, w.end_fallback_phase)
    return tuple(p for p in names if p)


def window_phase_choice(arrivals: dict, window) -> tuple[str, str]:
    """The phases that set the start and the end of a record window.

    Each end is set by its configured phase (``start_phase``, ``end_phase``) if
    that phase has an arrival at the pair's distance, else by its fallback
    phase (``start_fallback_phase``, ``end_fallback_phase``); never silently by
    another phase.

    Parameters
    ----------
    arrivals : dict
        ``{phase: PhaseArrival}`` at the array reference point.
    window : dict or WindowSettings
        The config's ``window`` section (missing keys take their defaults).

    Returns
    -------
    (str, str)
        The phase of the start and the phase of the end.

    Raises
    ------
    ValueError
        If neither the phase nor its fallback (null = none) has an arrival.
    """
    w = _window_settings(window)
    chosen = []
    for end, phase, fallback in (
        ("start", w.start_phase, w.start_fallback_phase),
        ("end", w.end_phase, w.end_fallback_phase),
    ):
        if phase in arrivals:
            chosen.append(phase)
        elif fallback and fallback in arrivals:
            chosen.append(fallback)
        else:
            what = (
                f"neither {phase} nor its fallback {fallback} has an arrival"
                if fallback
                else f"{phase} has no arrival and no fallback phase is set"
            )
            raise ValueError(
                f"record window {end}: {what} at this distance; "
                f"set window.{end}_fallback_phase to a phase that exists here "
                f"(arrivals: {', '.join(sorted(arrivals)) or 'none'})"
            )
    return chosen[0], chosen[1]


def record_window(arrivals: dict, window) -> tuple[float, float]:
    """Start and end of a record window defined by phases, in s after the origin.

    Parameters
    ----------
    arrivals : dict
        ``{phase: PhaseArrival}`` at the array reference point (times in s after
        the origin); it must hold the phases of :func:`window_phases`.
    window : dict or WindowSettings
        The config's ``window`` section: ``start_phase``, ``start_offset_s``,
        ``end_phase``, ``end_offset_s`` and the explicit fallbacks
        ``start_fallback_phase``, ``end_fallback_phase`` used where the phase
        has no arrival (see :func:`window_phase_choice`; missing keys take
        their defaults).

    Returns
    -------
    (float, float)
        Window start and end, s after the origin.

    Raises
    ------
    ValueError
        If a window phase and its fallback have no arrival, or the window is empty.
    """
    w = _window_settings(window)
    start_phase, end_phase = window_phase_choice(arrivals, w)
    start = arrivals[start_phase].time + w.start_offset_s
    end = arrivals[end_phase].time + w.end_offset_s
    if end <= start:
        raise ValueError(f"the record window is empty ({start:.1f} to {end:.1f} s after origin)")
    return start, end


def _window_settings(window):
    """``window`` as :class:`corephase.config.fetch.WindowSettings` (dicts are converted)."""
    from corephase.config.fetch import WindowSettings

    if isinstance(window, WindowSettings):
        return window
    return WindowSettings.from_dict(window, where="window")
