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
- ``snr_lo``/``snr_hi``: 95 % SNR interval, never below 0 (jackknife: symmetric
  in ``log(snr)``; bootstrap: 2.5 and 97.5 percentiles, whose SNRs are biased
  low because duplicated elements add their noise coherently);
  ``slowness_err_s_deg`` and ``baz_err_deg``: robust (scaled MAD) standard
  errors of the resampled peaks (leave one element out by default,
  ``resampling="jackknife"``, or ``bootstrap`` draws); ``resample_agreement``:
  the fraction of resampled peaks within the tolerances of the full-array peak.
- ``snr_threshold`` and ``fa_prob``: the SNR that noise alone reaches with
  probability ``false_alarm_level`` (default 1 %) and the probability that it
  reaches the measured SNR, from two empirical nulls of the same record
  (:mod:`.null`): the shuffled null (random element polarities and time shifts,
  same stacks, windows and SNR) and the sliding null (the phase's windows slid
  over the record's noise before the first arrival, on the beams at the phase's
  own alignment); where the sliding threshold exceeds the shuffled one by more
  than ``sliding_margin`` (the record holds transients the shuffled draws
  destroy) the larger threshold and ``fa_prob`` of the two hold, otherwise the
  shuffled null's (``calibration="fixed"`` uses the configured ``snr_threshold``
  instead and leaves ``fa_prob`` NaN). Measured rates: ``docs/detection.md``.
- ``call``: ``detected``, ``not_detected``, ``unconstrained`` (the array cannot
  resolve the phase at this band, or its resamples disagree), ``no_clean_noise``
  (no noise window given), ``no_data`` (windows outside the record) or
  ``no_arrival`` (no TauP arrival); ``detected`` is ``call == "detected"``.

The record is aligned on each phase once; the full-array stacks of that
alignment are the beams the stack stage saves (:class:`PhaseDetection`). The
full array and all resamples are measured together: every stack is a weighted
mean over elements of a per-element quantity (aligned trace, unit analytic
signal, signed root, envelope) that does not depend on the resample, so these
are formed once per phase and each resample is one row of a matrix product
(``method="loop"`` keeps the per-resample reference).

The steps live in sub-modules: :mod:`.measure` (stacks, vespagram and FK of
every selection), :mod:`.decide` (uncertainties and the automatic call), :mod:`.null` (the
false-alarm calibration), :mod:`.calibration` (measured false-alarm rates),
:mod:`.curation` (manual overrides) and :mod:`.detect` (the entry points).
Settings: :class:`corephase.config.stack.StackSettings`; without them the
workflow's defaults apply.

A phase is ``detected`` when ``snr >= snr_threshold`` and the observed
slowness and back-azimuth are within their tolerances of theory; each tolerance
is the larger of the configured one and ``tolerance_sigma`` robust standard
errors, the widening bounded by the array's resolution ``1 / (f_centre *
aperture)`` (and 3 s/deg), see :mod:`.decide`. A curation table
(``event,array,phase,accept,reason``) overrides the automatic call;
``decided_by`` says which decided.
"""

from corephase.analysis.detection.curation import curate, read_curation
from corephase.analysis.detection.detect import (
    COLUMNS,
    PhaseDetection,
    detect_phase,
    detect_phases,
    no_arrival,
    no_arrival_table,
)

__all__ = [
    "COLUMNS",
    "PhaseDetection",
    "curate",
    "detect_phase",
    "detect_phases",
    "no_arrival",
    "no_arrival_table",
    "read_curation",
]
