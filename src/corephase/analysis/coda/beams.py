"""Coda envelope beams: alignment on a phase and envelope beams of weighted elements.

Delays follow :func:`corephase.signal.alignment.element_delays` (positive: the
element records later than the array reference point); slowness in s/km,
back-azimuth in degrees clockwise from north.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

import numpy as np

from corephase.signal.alignment import TraceShifter, align, element_delays
from corephase.signal.smoothing import boxcar
from corephase.signal.stacking import envelope


@dataclass(frozen=True)
class BeamAlignment:
    """How coda beams are aligned: the same delays as the detection of the phase.

    Attributes
    ----------
    curved : bool
        Per-element TauP times (curved wavefront) instead of a plane wave.
    model : str
        Earth model of the curved wavefront.
    v_surface_km_s : float or None
        Surface velocity (km/s) of the elevation statics; None for none.
    statics : mapping or None
        Station statics ``{code: s}`` (positive: the element records late).
    """

    curved: bool = False
    model: str = "ak135"
    v_surface_km_s: float | None = None
    statics: Mapping[str, float] | None = None

    def phase_delays(self, geometry, event, phase: str, slowness_s_km: float, baz_deg: float):
        """Alignment delays (s) of each element for ``phase`` (see ``element_delays``)."""
        return element_delays(
            geometry,
            slowness_s_km,
            baz_deg,
            curved=self.curved,
            event=event,
            phase=phase,
            model=self.model,
            v_surface_km_s=self.v_surface_km_s,
            statics=dict(self.statics) if self.statics else None,
        )

    def slowness_delays(self, geometry, event, phase, slowness_s_km, slownesses_s_km, baz_deg):
        """Delays (s) of a slowness sweep at ``baz_deg``, shape ``(n_slowness, n_elements)``.

        Each row is a plane wave of that slowness with the elevation and station
        statics; with ``curved`` every row also carries the curvature of the
        wavefront of ``phase`` (its curved delays minus its plane-wave delays
        at ``slowness_s_km``), as the detection's vespagram does.
        """
        plane = replace(self, curved=False)
        residual = 0.0
        if self.curved:
            residual = self.phase_delays(
                geometry, event, phase, slowness_s_km, baz_deg
            ) - plane.phase_delays(geometry, event, phase, slowness_s_km, baz_deg)
        return np.array(
            [
                plane.phase_delays(geometry, event, phase, s, baz_deg) + residual
                for s in np.asarray(slownesses_s_km, float)
            ]
        )


def envelope_beams(aligned, weights, dt: float, beam_type: str, smooth_s: float) -> np.ndarray:
    """Smoothed envelope beams of the aligned traces, one per row of ``weights``.

    Parameters
    ----------
    aligned : numpy.ndarray, shape (n_elements, n_samples)
        Traces aligned on the beam (:func:`corephase.signal.alignment.align`).
    weights : numpy.ndarray, shape (n_beams, n_elements)
        Element weights of each beam (:attr:`corephase.analysis.coda.resampling.Draws.weights`).
    dt : float
        Sample interval, s.
    beam_type : str
        ``"beam"``: Hilbert envelope of the weighted linear beam (coherent);
        ``"stack"``: weighted mean of the element envelopes (incoherent).
    smooth_s : float
        Boxcar length (s) applied to each envelope beam.

    Returns
    -------
    numpy.ndarray, shape (n_beams, n_samples)
    """
    env = envelope(weights @ aligned) if beam_type == "beam" else weights @ envelope(aligned)
    return boxcar(env, dt, smooth_s, "envelope smoothing")


class SharedShifts:
    """Alignments of the bands of one record (same samples), each delay vector shifted once.

    One :class:`~corephase.signal.alignment.TraceShifter` of every band at once:
    the bands share the traces' spectra and each delay vector's phase ramp, and
    each band's aligned traces equal
    :func:`corephase.signal.alignment.align` of that band alone to the last bit.
    The alignments are kept (one per delay vector asked for), so the bands of a
    record aligned on the same phase pay for one shift.

    Parameters
    ----------
    datas : sequence of numpy.ndarray, shape (n_elements, n_samples)
        Each band's traces, all on the same samples.
    dt : float
        Sample interval, s.
    """

    def __init__(self, datas, dt: float):
        self._datas = list(datas)
        self._dt = dt
        self._shifter: TraceShifter | None = None
        self._aligned: dict[bytes, np.ndarray] = {}

    @property
    def shifter(self) -> TraceShifter:
        """The :class:`~corephase.signal.alignment.TraceShifter` of every band at once."""
        if self._shifter is None:
            data = np.stack([np.asarray(d, float) for d in self._datas])
            self._shifter = TraceShifter(data, self._dt)
        return self._shifter

    def holds(self, datas) -> bool:
        """Whether these are the bands' traces, the same arrays in the same order."""
        return len(datas) == len(self._datas) and all(
            a is b for a, b in zip(datas, self._datas, strict=True)
        )

    def aligned(self, band: int, delays_s) -> np.ndarray:
        """Band ``band``'s traces aligned on ``delays_s`` (s per element, as ``align``)."""
        delays = np.asarray(delays_s, float)
        key = delays.tobytes()
        if key not in self._aligned:
            self._aligned[key] = align(self._datas[band], delays, self._dt, shifter=self.shifter)
        return self._aligned[key][band]
