"""Coda analysis of core phases: is there energy after PKiKP beyond the background?

For one array, one event and one frequency band this module forms envelope
beams along the theoretical slowness of each configured phase (PcP, ScP,
PKiKP, ...), removes the pre-event noise power, normalises them at the phase
peak, fits the background trend *before* each phase, extrapolates it over the
coda window and measures

- the **coda excess**: observed coda energy over the extrapolated trend energy,
  with a station-bootstrap confidence interval and a significance flag;
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
:mod:`.analyse` (:func:`analyse_coda`), :mod:`.arrays_io` (tables and plot
arrays on disk).

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
3. Noise correction: ``P_c(t) = max(E(t)^2 - N0, floor * N0)`` where ``N0`` is
   the mean envelope power of the same beam in the noise window and ``floor``
   is ``noise_floor`` (default 0.01). Amplitude ``A(t) = sqrt(P_c(t))``.
4. Normalisation by the maximum of ``A`` within ``+-peak_search_s`` of the
   theoretical time.
5. Pre-phase trend: the shape of the background is fitted in the pre-phase
   window with ``trend_model``:

   - ``"loglinear"``: ``ln A = c + b t`` by least squares on ``ln A``;
   - ``"exponential"``: ``A^2 = exp(2c + 2bt)`` by least squares on the power
     (emphasises the stronger samples; started from the log-linear fit);
   - ``"powerlaw"``: ``ln A = c + p ln(T + t)`` with ``T + t`` the lapse time
     after origin (P-coda style decay).

   The level ``c`` is then reset so that the trend has the same mean energy as
   the data in the pre-phase window. This removes the bias of log-domain fits
   to fluctuating envelopes (the mean of ``ln A^2`` of a random signal lies
   below ``ln`` of its mean power), so that a coda that just continues the
   background gives an excess of 1 on average.
6. Coda excess ``X = sum_coda A^2 / sum_coda A_trend^2`` over the coda window.
7. Shape on the envelope additionally smoothed over ``coda_smooth_s`` (power
   average): the coda maximum is searched in the coda window
   (``coda_peak_delay_s``, ``coda_rise_db`` = its level over the level at the
   start of the coda window). The coda *ends* at the first time after the
   coda maximum when the envelope is at or below the trend or the noise
   threshold, both with the power factor ``duration_factor``
   (default 2: corrected power ``<= 2 * trend power`` or raw beam power
   ``<= 2 * N0``, i.e. coda power down to the background power). The coda
   maximum counts as coda (``coda_detected``) when it exceeds trend and noise
   by ``detect_factor`` (default 4, 6 dB). ``duration_s`` is
   that time after the theoretical phase time. When the coda is not detected
   the duration is that of the main pulse, searched from the main peak on the
   less smoothed envelope. The duration depends on the extrapolated trend;
   its interval includes that uncertainty (see below). If the envelope never
   returns within the window the duration is the window end and
   ``duration_censored`` is True.
8. Decay: ``ln A + gamma ln(T + t) = c - b t`` fitted by least squares from
   half a ``coda_smooth_s`` after the coda maximum (starting exactly at a
   maximum biases the slope high) to the last sample still ``detect_factor``
   above trend and noise, less ``envelope_smooth_s + 1/bandwidth`` (the blur
   of the band-pass and smoothing),
   with ``gamma = coda_gamma`` fixed (default 0: pure exponential; 1 for
   body-wave geometrical spreading in the Aki-Chouet model
   ``A(t) ~ t^-gamma exp(-pi f t / Qc)``). ``decay_rate_per_s = b`` (amplitude
   decay rate, 1/s) and ``coda_qc = Qc = pi f_c / b`` with ``f_c`` the arithmetic centre
   of the band. Needs ``min_decay_fit_s`` seconds of coda, else NaN.

Uncertainties and significance
------------------------------
All numbers are recomputed for ``bootstrap`` replicates
(``corephase.utils.random.component_rng(seed)``; the same draws for all phases
and the vespagram, so ratios are paired). Each replicate

- resamples the array elements with replacement and rebuilds the envelope
  beams (across-array scatter), and
- refits the pre-phase trend to the trend plus moving-block resampled
  residuals (blocks of ``trend_block_s``, default ``envelope_smooth_s +
  coda_smooth_s + 2/bandwidth``): the extrapolation of a trend fitted to a
  fluctuating envelope is the dominant uncertainty of the excess and the
  station bootstrap alone does not see it; and
- resamples the coda-window energy in moving blocks of the same length (the
  time fluctuation of the coda window itself; conservative for strongly
  decaying codas, whose significance is not in doubt).

Intervals (columns ``*_lo``, ``*_hi``) are percentile intervals at
``confidence`` (default 0.95: 2.5 and 97.5 percentiles). Resampled
*coherent* beams are biased: an element drawn twice adds its incoherent noise
coherently, so replicates carry about twice the incoherent power and a
coherent coda looks weaker; the percentile interval of ``coda_excess`` then
lies low and can exclude a large point estimate. This is conservative for
the significance test. ``ci_method="centred"`` moves the interval of
``coda_excess`` and ``coda_slowness_fraction`` so that the replicate median
falls on the estimate; it is *not* the default because in records without
scattering it turns chance high estimates into false detections. The
coda is **significant** when the lower bound of the coda-excess interval is
above 1 (``coda_excess_lo > 1``), i.e. a one-sided test at level
``(1 - confidence) / 2`` (2.5 % by default); in synthetic records without
scattering 0 of 36 phases came out significant (seeded test records).

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

from corephase.analysis.coda.analyse import analyse_coda
from corephase.analysis.coda.arrays_io import (
    aggregate_coda_tables,
    load_coda_arrays,
    save_coda_arrays,
    write_coda_table,
)
from corephase.analysis.coda.beams import BeamAlignment

__all__ = [
    "BeamAlignment",
    "aggregate_coda_tables",
    "analyse_coda",
    "load_coda_arrays",
    "save_coda_arrays",
    "write_coda_table",
]
