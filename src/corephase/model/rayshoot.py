"""TauP's ray shooting with the work every shot of a phase shares done once.

ObsPy's :meth:`obspy.taup.seismic_phase.SeismicPhase.shoot_ray` (called several
times per arrival by the root finder that refines its ray parameter, see
``SeismicPhase.refine_arrival``) recounts at every shot how often the phase
crosses each branch, looks up each branch's slowness layers, and computes the
layers' time and distance increments (``SlownessModel.layer_time_dist``) once
per branch. :class:`ShootingPhase` keeps the branch counts and layers of the
phase (they depend only on the phase and its depth-corrected model) and
computes the increments of every layer a P or an S leg crosses in one call;
the per-branch sums are ObsPy's own C loop
(``clibtau.tau_branch_calc_time_dist_inner_loop``) on each branch's part, added
up in ObsPy's order. The increments are element by element, so the time
(s after origin), distance (rad) and ray parameter (s/rad) of every shot are
ObsPy's to the last bit (tested), at about a third of the cost.

It relies on ObsPy's TauP internals, so it is used only with the ObsPy release
it was tested on (:data:`TESTED_OBSPY`, see :func:`phase_class`); any other
ObsPy gets its own ``SeismicPhase``.
"""

from __future__ import annotations

import importlib
import importlib.metadata
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from corephase.model.taupy import taup_classes

_BASE = taup_classes().SeismicPhase
_PHASE_MODULE = importlib.import_module(_BASE.__module__)
_TIME_DIST = importlib.import_module("obspy.taup.helper_classes").TimeDist


@dataclass(frozen=True)
class _Leg:
    """One branch a phase crosses as P or S: ``count`` times, its slowness ``layers``
    (positions ``start:stop`` in the wave's stacked layer numbers; the array's address)
    and the branch's largest ray parameter (s/rad)."""

    count: float
    is_p_wave: bool
    start: int
    stop: int
    layers: np.ndarray
    max_ray_param: float


class ShootingPhase(_BASE):
    """ObsPy's ``SeismicPhase`` (same constructor) whose :meth:`shoot_ray` shares the
    phase's branch counts and slowness layers between shots (see the module docstring)."""

    def shoot_ray(self, degrees, ray_param):
        """The arrival of a ray of ``ray_param`` (s/rad): ObsPy's ``shoot_ray``, same bits.

        Raises ObsPy's ``SlownessModelError`` for head or diffracted waves and ray
        parameters outside the phase's range, as ObsPy does.
        """
        if len(self.ray_param) < 2 or self.head_or_diffract_seq or self.name.endswith("kmps"):
            return super().shoot_ray(degrees, ray_param)
        if ray_param < self.min_ray_param or self.max_ray_param < ray_param:
            return super().shoot_ray(degrees, ray_param)  # raises ObsPy's error
        below = np.flatnonzero(self.ray_param[1:] < ray_param)
        index = int(below[0]) if below.size else len(self.ray_param) - 2
        p = np.array([ray_param])
        time, dist = self._time_dist(p)
        return _PHASE_MODULE.Arrival(
            self,
            degrees,
            time[0],
            dist[0],
            p[0],
            index,
            self.name,
            self.purist_name,
            self.source_depth,
            self.receiver_depth,
        )

    def _time_dist(self, p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Time (s) and distance (rad) of the ray ``p`` (shape (1,), s/rad), summed over the
        branches in ObsPy's order (branch by branch, P before S)."""
        legs, numbers = self._legs()
        s_mod = self.tau_model.s_mod
        parts = {}
        for is_p_wave, layer_numbers in numbers.items():
            ps = np.repeat(p, layer_numbers.shape[1]).reshape(layer_numbers.shape)
            with np.errstate(divide="ignore", invalid="ignore"):
                t, d = s_mod.layer_time_dist(
                    ps, layer_numbers, is_p_wave, check=False, allow_turn=True
                )
            parts[is_p_wave] = tuple(np.ascontiguousarray(a, np.float64) for a in (ps, t, d))
        sums = np.zeros(len(legs), dtype=_TIME_DIST)
        sums["p"] = p[0]
        _branch_sums(legs, parts, sums)
        time, dist = np.zeros(1), np.zeros(1)
        for leg, branch in zip(legs, sums, strict=True):
            time += leg.count * branch["time"]
            dist += leg.count * branch["dist"]
        return time, dist

    def _legs(self) -> tuple[list[_Leg], dict]:
        """The phase's legs and, per wave type, the stacked layer numbers (shape (1, L))."""
        if getattr(self, "_shared_legs", None) is None:
            self._shared_legs = _phase_legs(self)
        return self._shared_legs


def _phase_legs(phase) -> tuple[list[_Leg], dict]:
    """The legs of ``phase`` as ObsPy's ``shoot_ray`` visits them (see :class:`_Leg`)."""
    model = phase.tau_model
    s_mod = model.s_mod
    counts = phase.calc_branch_mult(model)
    legs, numbers, size = [], {True: [], False: []}, {True: 0, False: 0}
    for j in range(model.tau_branches.shape[1]):
        for row, wave in ((0, s_mod.p_wave), (1, s_mod.s_wave)):
            if counts[row, j] == 0:
                continue
            branch = model.get_tau_branch(j, wave)
            top = s_mod.layer_number_below(branch.top_depth, wave)
            bottom = s_mod.layer_number_above(branch.bot_depth, wave)
            layer_numbers = np.arange(top, bottom + 1)
            is_p_wave = bool(branch.is_p_wave)  # the layers TauBranch.calc_time_dist uses
            layers = np.ascontiguousarray(s_mod.get_slowness_layer(layer_numbers, is_p_wave))
            start = size[is_p_wave]
            size[is_p_wave] += layer_numbers.size
            legs.append(
                _Leg(
                    counts[row, j],
                    is_p_wave,
                    start,
                    size[is_p_wave],
                    layers,
                    branch.max_ray_param,
                )
            )
            numbers[is_p_wave].append(layer_numbers)
    stacked = {k: np.concatenate(v).reshape(1, -1) for k, v in numbers.items() if v}
    return legs, stacked


def _branch_sums(legs: list[_Leg], parts: dict, sums: np.ndarray) -> None:
    """ObsPy's ``tau_branch_calc_time_dist_inner_loop`` on each leg's layers: its time (s)
    and distance (rad) into ``sums`` (one ObsPy ``TimeDist`` per leg, ``p`` set)."""
    branch_sum = _PHASE_MODULE.clibtau.tau_branch_calc_time_dist_inner_loop
    for k, leg in enumerate(legs):
        ps, t, d = parts[leg.is_p_wave]
        cut = slice(leg.start, leg.stop)
        branch_sum(
            ps[:, cut],
            t[:, cut],
            d[:, cut],
            leg.layers,
            sums[k : k + 1],
            1,
            leg.stop - leg.start,
            leg.max_ray_param,
            True,
        )


#: ObsPy release (major.minor) whose TauP internals :class:`ShootingPhase` was tested on.
TESTED_OBSPY = "1.5"


@lru_cache(maxsize=1)
def phase_class():
    """:class:`ShootingPhase` with the tested ObsPy release (:data:`TESTED_OBSPY`), else
    ObsPy's own ``SeismicPhase`` (same numbers, shots at ObsPy's cost)."""
    version = importlib.metadata.version("obspy")
    return ShootingPhase if version.split(".")[:2] == TESTED_OBSPY.split(".") else _BASE
