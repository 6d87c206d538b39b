"""Source-array geometry of a target phase: its arrival and the interfering ones (TauP).

Times are relative to the target's TauP time at the reference point of the
sub-arrays; slowness is horizontal (s/km); back-azimuth in degrees clockwise
from north.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from corephase.config.experiment import EventSettings, ExperimentSettings, TargetSettings
from corephase.model.geometry import KM_PER_DEG, local_km_to_latlon
from corephase.model.traveltimes import distance_backazimuth, first_arrivals

log = logging.getLogger("corephase.experiment.scenario")


@dataclass
class Arrival:
    """An arrival in the experiment window.

    ``time_s`` is relative to the target's TauP time at the reference point;
    ``slowness_s_km`` horizontal slowness; ``baz_deg`` back-azimuth.
    """

    phase: str
    time_s: float
    slowness_s_km: float
    baz_deg: float
    snr: float = 0.0
    coda_ratio: float = 0.0
    coda_decay_s: float = 1.0
    coda_coherence: float = 0.0


@dataclass
class Scenario:
    """Source-array geometry of one target phase.

    Attributes
    ----------
    target : Arrival
        The target phase (``time_s`` 0, ``snr`` the single-trace SNR).
    interferers : list of Arrival
    event_lat, event_lon, depth_km, distance_deg : float
        Source and its distance from the reference point (degrees).
    ref_lat, ref_lon : float
        Reference point of the sub-arrays.
    time_s : float
        TauP time of the target at the reference point, s after origin.
    """

    target: Arrival
    interferers: list
    event_lat: float
    event_lon: float
    depth_km: float
    distance_deg: float
    ref_lat: float
    ref_lon: float
    time_s: float
    model: str = "ak135"
    _curve: tuple | None = None

    def travel_times(self, lat, lon) -> np.ndarray:
        """TauP time (s after origin) of the target at points (degrees).

        Interpolated linearly on a 0.05-degree distance grid of first
        arrivals (the scheme of :func:`corephase.model.traveltimes.element_times`),
        computed once over the distance range met so far.
        """
        from obspy.geodetics import locations2degrees

        d = np.atleast_1d(
            locations2degrees(self.event_lat, self.event_lon, np.asarray(lat), np.asarray(lon))
        ).astype(float)
        lo, hi = float(d.min()), float(d.max())
        if self._curve is None or lo < self._curve[0][0] or hi > self._curve[0][-1]:
            a = min(lo, self.distance_deg) - 0.1
            b = max(hi, self.distance_deg) + 0.1
            if self._curve is not None:
                a, b = min(a, self._curve[0][0]), max(b, self._curve[0][-1])
            grid = np.linspace(a, b, max(int(np.ceil((b - a) / 0.05)) + 1, 3))
            t = []
            for g in grid:
                arr = first_arrivals(self.depth_km, g, [self.target.phase], self.model)
                t.append(arr[self.target.phase].time if self.target.phase in arr else np.nan)
            self._curve = (grid, np.array(t))
        grid, t = self._curve
        out = np.interp(d, grid, t)
        if not np.all(np.isfinite(out)):
            raise ValueError(
                f"{self.target.phase} has no {self.model} arrival at some stations "
                f"({lo:.2f}-{hi:.2f} deg)"
            )
        return out


def taup_arrivals(depth_km: float, distance_deg: float, phases, model: str) -> dict:
    """``{phase: PhaseArrival}``: the first TauP arrival of each phase that exists.

    The experiment's one call to TauP for arrival times and slownesses at the
    reference distance (:func:`corephase.model.traveltimes.first_arrivals`).
    """
    return first_arrivals(depth_km, distance_deg, phases, model)


def _event_position(ev: EventSettings, ref_lat: float, ref_lon: float):
    """(lat, lon, depth_km) of the experiment's event."""
    if ev.quakeml is not None:
        from corephase.model.events import events_from_quakeml

        e = events_from_quakeml(ev.quakeml)[0]
        return e.latitude, e.longitude, e.depth_km
    if ev.latitude is not None:
        return float(ev.latitude), float(ev.longitude), float(ev.depth_km)
    # a point distance_deg away along the back-azimuth (exact on the sphere)
    r = float(ev.distance_deg) * KM_PER_DEG
    b = np.radians(float(ev.baz_deg))
    lat, lon = local_km_to_latlon(r * np.sin(b), r * np.cos(b), ref_lat, ref_lon)
    return float(lat), float(lon), float(ev.depth_km)


def build_scenario(
    settings: ExperimentSettings, target: TargetSettings, ref_lat: float, ref_lon: float
) -> Scenario:
    """Arrival times and slownesses of the target and interfering phases (TauP).

    Interferers with an explicit ``time_s`` and ``slowness_s_deg`` are placed
    there; the others at their TauP time (relative to the target) and slowness
    (:func:`taup_arrivals`), or left out if the phase does not exist at the
    reference distance. An interferer with ``snr_ratio`` (a depth phase of the
    target, e.g. pPKiKP) has the peak ``snr_ratio`` times the target's.

    Parameters
    ----------
    settings : ExperimentSettings
        Uses ``event``, ``interferers`` and ``model``.
    target : TargetSettings
        Target phase and its single-trace SNR.
    ref_lat, ref_lon : float
        Reference point of the sub-arrays (degrees).

    Raises
    ------
    ValueError
        If the target phase has no arrival at the reference distance.
    """
    model = settings.model
    ev_lat, ev_lon, depth = _event_position(settings.event, ref_lat, ref_lon)
    dist, baz, _ = distance_backazimuth(ev_lat, ev_lon, ref_lat, ref_lon)
    explicit = [
        i.time_s is not None and i.slowness_s_deg is not None for i in settings.interferers
    ]
    phases = [target.phase] + [
        i.phase for i, e in zip(settings.interferers, explicit, strict=True) if i.phase and not e
    ]
    arr = taup_arrivals(depth, dist, phases, model)
    tp = target.phase
    if tp not in arr:
        raise ValueError(f"target phase {tp} has no {model} arrival at {dist:.2f} deg")
    t0 = arr[tp].time
    tgt = Arrival(tp, 0.0, arr[tp].slowness_s_km, baz, float(target.snr))
    inter = []
    for i, is_explicit in zip(settings.interferers, explicit, strict=True):
        name = i.phase or "arrival"
        if is_explicit:
            t, s = float(i.time_s), float(i.slowness_s_deg) / KM_PER_DEG
        elif name in arr:
            t, s = arr[name].time - t0, arr[name].slowness_s_km
        else:
            log.info("interferer %s has no arrival at %.1f deg: left out", name, dist)
            continue
        inter.append(
            Arrival(
                name,
                t,
                s,
                (baz + float(i.baz_offset_deg)) % 360.0,
                float(i.snr) if i.snr_ratio is None else float(i.snr_ratio) * float(target.snr),
                float(i.coda_ratio),
                float(i.coda_decay_s),
                float(i.coda_coherence),
            )
        )
    return Scenario(tgt, inter, ev_lat, ev_lon, depth, dist, ref_lat, ref_lon, t0, model)
