"""Coda analysis of core phases: is there energy after PKiKP beyond the background?

For one array, one event and one frequency band this module forms envelope
beams along the theoretical slowness of each configured phase (PcP, ScP,
PKiKP, ...), measures the pre-event noise power, fits the background trend
*before* each phase, extrapolates it over the coda window (with predicted
arrivals such as depth phases masked) and measures

- the **coda excess**: observed coda energy over the larger of the
  extrapolated trend and the noise, with a bootstrap interval, a p-value
  against coda-free windows of the same record and a significance flag;
- the **coda shape**: duration, decay rate (and coda Qc at the band centre),
  delay and size of the coda maximum (rise-then-decay shapes), and ratios of
  these between the main phase (PKiKP) and the reference phases (PcP, ScP);
- the **coda slowness**: a vespagram of the main-phase coda window and the
  fraction of coda energy arriving with PKiKP-like (steep, deep-origin)
  slowness.

Conventions
-----------
- Times in the input are seconds after the event origin; the output time axes
  and all windows (``prephase_window_s``, ``coda_window_s``, ``peak_search_s``)
  are seconds relative to the *theoretical* arrival time of each phase at the
  array reference point (the observed peak offset is reported separately as
  ``peak_offset_s``).
- Slowness in s/deg; back-azimuth in degrees clockwise from north, from the
  array to the source (computed from the event and the array reference point).
- Envelope amplitudes are normalised at the main-phase peak of *that* beam;
  logarithms are base 10 in tables and plots (``log10_*``), natural in the
  decay model.

Settings are :class:`corephase.config.coda.CodaSettings` (config section
``coda``); the alignment is a :class:`BeamAlignment`.

Modules: :mod:`.beams` (alignment and envelope beams), :mod:`.trend`
(pre-phase trend), :mod:`.measure` (one beam -> numbers), :mod:`.resampling`
(draws, block resampling, intervals), :mod:`.vespagram` (coda slowness),
:mod:`.analyse` (:func:`analyse_coda`), :mod:`.bands` (:func:`coda_band_rows`: the
bands of one record, their vespagrams in one slowness sweep), :mod:`.arrays_io`
(tables and plot arrays on disk).

Processing of one beam
----------------------
1. Align the traces on the phase exactly as its detection does
   (:func:`corephase.signal.alignment.element_delays` and
   :func:`~corephase.signal.alignment.align` through :class:`BeamAlignment`):
   a plane wave along the phase slowness and back-azimuth, or per-element
   TauP times (curved wavefront), plus elevation and station statics.
2. Envelope beam: ``beam_type="beam"`` (default) is the Hilbert envelope of the
   linear beam (coherent: sees only energy near the beam slowness, noise power
   reduced ~1/N); ``"stack"`` is the mean of the element envelopes
   (:func:`corephase.signal.stacking.envelope_stack`, incoherent: sees all energy).
   Both are smoothed by a boxcar of ``envelope_smooth_s``.
3. Noise level: ``N0`` is the mean beam power of the same beam in the noise
   window, clipped to samples no taper of the record touches (``taper_s``
   from ``preprocess.taper_fraction``; the default record window starts at
   P - 600 s so the 5 % taper lies before it).
4. Normalisation (plots only) by the beam power at its maximum within
   ``+-peak_search_s`` of the theoretical time; the excess is a ratio of raw
   powers and does not depend on it. No floor is applied anywhere.
5. Masks: every other predicted arrival (the pair's arrivals plus
   ``contaminant_phases`` from TauP: depth phases pPKiKP, sPKiKP, pPcP, ...,
   and PP, S, SS, ScS, PKP, ...) is masked over ``arrival_mask_s``. The
   primary numbers use the masked windows; ``coda_excess_unmasked``,
   ``duration_s_unmasked`` and ``coda_p_value_unmasked`` are the same
   measurement without masks. A window masked beyond ``min_window_fraction``
   gives NaN with ``excess_reason``.
6. Background: the pre-phase trend ``T`` of the raw beam power (smoothed
   inside the window over ``coda_smooth_s``) with ``trend_model``
   (``powerlaw`` in lapse time by default; ``exponential``, ``loglinear``),
   never rising (slope clipped at 0), its level reset to the mean pre-phase
   power. The reference is ``R(t) = max(T(t), N0)``: noise after a trend
   that decays below it is not counted as coda.
7. Coda excess ``X = sum_coda E^2 / sum_coda R`` (about 1 for a coda that
   only continues the background or the noise).
8. Shape on the power smoothed inside each window: the coda maximum
   (``coda_peak_delay_s``, ``coda_rise_db`` over the start of the window)
   counts as coda (``coda_detected``) when above ``detect_factor`` x R; the
   coda ends at the first unmasked sample after it at or below
   ``duration_factor`` x R. Without a detected coda the duration is that of
   the main pulse. ``duration_s`` is that time after the theoretical phase
   time, never negative; ``duration_censored`` when the window ends first.
9. Decay: ``ln A + gamma ln(T + t) = c - b t`` on the noise-corrected
   amplitude ``A = sqrt(E^2 - N0)`` of unmasked samples from half a
   ``coda_smooth_s`` after the coda maximum to the last sample still
   ``detect_factor`` above R, less ``envelope_smooth_s + 1/bandwidth``;
   ``decay_rate_per_s = b`` and ``coda_qc = pi f_c / b``. Missing values
   carry ``decay_reason`` / ``coda_qc_reason``.

Uncertainties and significance
------------------------------
All numbers are recomputed for ``bootstrap`` replicates
(``corephase.utils.random.component_rng(seed)``; the same draws for all phases
and the vespagram, so ratios are paired). Each replicate resamples the array
elements with replacement and rebuilds the beams, refits the trend to the
trend plus moving-block resampled residuals (blocks of ``trend_block_s``) and
block-resamples the coda samples. Intervals (``*_lo``, ``*_hi``) are
percentile intervals at ``confidence`` (percentiles of a positive quantity
are those of its logarithm); an interval with fewer than half of the
replicates measurable is NaN and ``interval_reason`` says why. Because R is
at least N0 and T never rises, excess replicates are bounded.

Significance is calibrated on the pair's own record
(:mod:`.nulls`): the same masked excess at pseudo-phase times whose
peak-search and coda windows are clear of every predicted arrival gives the
null distribution; ``coda_p_value`` is ``(1 + #{null >= X}) / (1 + n)`` and
``coda_threshold`` the excess needed at ``false_positive_rate`` (alpha,
default 0.05). ``coda_significant`` needs ``p <= alpha`` and, with a
bootstrap, ``coda_excess_lo > 1`` (the null windows, mostly pre-P noise, do
not see the trend-extrapolation uncertainty that the bootstrap does).
Measured: on 20 synthetic worlds with depth phases, a long P coda and no
scattering, 0 calls (2 of 6 checked would pass the null test alone); the
real YKA PKiKP coda is not significant at 1-2 and 2-3 Hz.

Filter ringing: a strong impulsive phase rings through a narrow band-pass
(4-corner zero-phase 1-2 Hz: about 1.5 % of the peak amplitude at +3 s, 0.3 %
at +5 s); for phases much stronger than their background start the coda
window later.

Coda slowness
-------------
For the main phase a slowness vespagram along the event back-azimuth
(slownesses ``vespa_slowness_s_deg = [start, stop, step]`` s/deg, same beam type,
noise-corrected per slowness; every slowness carries the statics, and with a
curved wavefront the curvature of the main phase's wavefront) is formed over
the coda window. For each time
sample the slowness of largest beam power is taken; ``coda_slowness_fraction``
is the energy-weighted fraction of coda samples whose best slowness is at most
``pkikp_like_max_s_deg`` (default 2 s/deg: PKiKP-like, deep origin), and
``coda_best_slowness_s_deg`` the slowness of largest coda energy. The slowness
resolution of an array is roughly ``1/(f * aperture)``: for a 20 km array at
1.5 Hz about 3.7 s/deg, so this separates steep from crustal/mantle energy
only on large arrays or at high frequency. Off-azimuth scattering is not
captured (fixed back-azimuth).
"""

from importlib import import_module

#: Public names and the sub-module that defines each; imported on first use so that a
#: job that only reads coda arrays (the figures) does not import the analysis (SciPy).
_EXPORTS = {
    "BeamAlignment": "beams",
    "CodaBand": "bands",
    "aggregate_coda_tables": "arrays_io",
    "analyse_coda": "analyse",
    "coda_band_rows": "bands",
    "coda_rows": "analyse",
    "load_coda_arrays": "arrays_io",
    "save_coda_arrays": "arrays_io",
    "write_coda_table": "arrays_io",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(import_module(f"{__name__}.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
