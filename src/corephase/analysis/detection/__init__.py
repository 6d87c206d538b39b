"""Phase detection on array beams: SNR, slowness, back-azimuth, coherence, uncertainties.

One row per event x array x phase x band x stack. For each theoretical
arrival the traces are aligned on the phase (plane wave at its ak135 slowness
and back-azimuth, or per-element TauP times for a curved wavefront, plus
elevation and station statics; see :func:`corephase.signal.alignment.element_delays`),
stacked, and measured:

- ``snr``: peak of the characteristic function in the signal window over its
  RMS in the noise window (both windows in s relative to the theoretical
  time). The characteristic function is the envelope of the beam for linear,
  PWS and nth-root stacks; for the envelope stack it is the stack minus its
  noise-window median (an incoherent envelope stack is never zero).
- ``slowness_obs_s_deg``: slowness of the vespagram maximum (at the
  theoretical back-azimuth) within the signal window, for that stack type.
- ``baz_obs_deg``: back-azimuth of the Bartlett FK maximum in the signal window.
- ``coherence``: mean PWS phase coherence (0..1) within 0.5 s of the peak.
- ``snr_lo``/``snr_hi`` (jackknife: SNR -/+ 1.96 standard errors; bootstrap:
  2.5 and 97.5 percentiles), ``slowness_err_s_deg``
  and ``baz_err_deg``: by default jackknife standard errors over the elements
  (leave one out, ``resampling="jackknife"``); with ``resampling="bootstrap"``
  standard deviations (circular for baz) over ``bootstrap`` resamples with
  replacement, whose SNRs are biased low because duplicated elements add
  their noise coherently.

The record is aligned on each phase once; the full-array stacks of that
alignment are the beams the stack stage saves (:class:`PhaseDetection`). The
full array and all resamples are measured together: every stack is a weighted
mean over elements of a per-element quantity (aligned trace, unit analytic
signal, signed root, envelope) that does not depend on the resample, so these
are formed once per phase and each resample is one row of a matrix product
(``method="loop"`` keeps the per-resample reference).

The steps live in sub-modules: :mod:`.measure` (stacks, vespagram and FK of
every selection), :mod:`.decide` (uncertainties and the automatic call),
:mod:`.curation` (manual overrides) and :mod:`.detect` (the entry points).
Settings: :class:`corephase.config.stack.StackSettings`; without them the
workflow's defaults apply.

A phase is ``detected`` when ``snr >= snr_threshold`` (one number, or one per
stack type: the nonlinear stacks' SNRs run far higher on pure noise, see
:data:`corephase.config.stack.NOISE_CALIBRATED_THRESHOLDS`) and the observed
slowness and back-azimuth are within their tolerances of theory; each
tolerance is the larger of the configured one and ``tolerance_sigma``
standard errors of the measurement (from the resampling), so that arrays
too small to pin down the slowness (a few km at 1-2 Hz) are not held to a
precision they cannot reach. The
back-azimuth is not tested (the reason says so) when the theoretical slowness
is below the FK resolution ``1 / (f_centre * aperture)``, where a near-vertical
arrival (e.g. PKiKP on a small array) has no measurable direction. A curation
table (``event,array,phase,accept,reason``) overrides the automatic call;
``decided_by`` says which decided.
"""

from corephase.analysis.detection.curation import curate, read_curation
from corephase.analysis.detection.detect import (
    COLUMNS,
    PhaseDetection,
    detect_phase,
    detect_phases,
    no_arrival_table,
)

__all__ = [
    "COLUMNS",
    "PhaseDetection",
    "curate",
    "detect_phase",
    "detect_phases",
    "no_arrival_table",
    "read_curation",
]
