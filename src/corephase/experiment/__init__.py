"""Sub-array and synthetic-array experiment: which layout gives a usable stack?

Modules: :mod:`~corephase.experiment.subarray` (layouts and dense geometries),
:mod:`~corephase.experiment.scenario` (TauP arrivals), :mod:`~corephase.experiment.simulate`
(trial records), :mod:`~corephase.experiment.metrics` (stacks, statistics, ROC),
:mod:`~corephase.experiment.response` (array response), :mod:`~corephase.experiment.layouts`
(the sweep and one layout's Monte Carlo), :mod:`~corephase.experiment.real` (real-noise
counterpart) and :mod:`~corephase.experiment.run` (the driver, :func:`run_experiment
<corephase.experiment.run.run_experiment>`); settings in :mod:`corephase.config.experiment`.

For each target phase (pre-critical PKiKP, PKIIKP, PKJKP, ...) and each
sub-array layout (:mod:`corephase.experiment.subarray`) a Monte Carlo simulation
measures how well linear, phase-weighted, nth-root and envelope stacks bring
the phase out of noise and interfering arrivals.

Simulation (per layout, all trials at once)
-------------------------------------------
Records are synthesised directly as spectra on a periodic grid of
``S = window_s / dt`` samples, *in the frame aligned on the target phase*:
trace *i* is ``u_i(t + a_i)`` with ``a_i`` the alignment delay (plane wave at
the TauP slowness and back-azimuth at the reference point, or the TauP
curved wavefront with ``alignment: curved``), and time ``t = 0`` (sample
``S // 2``) is the TauP time of the target at the reference point. This is
exactly what :func:`corephase.signal.alignment.shift_traces` would return for records
synthesised in the original frame (a shift is a phase ramp), without the
detour. Each record is the sum of

* the **target**: a zero-phase wavelet (Ricker, ``wavelet_hz``) band-passed
  like the data (zero-phase Butterworth, ``band_hz``, ``filter_corners``),
  with peak ``snr`` (times a log-normal per-station amplitude factor of
  log-std ``amplitude_jitter``) arriving at
  ``tau_true_i - a_i + static_i``: the TauP curved-wavefront time at the
  station (:func:`corephase.model.traveltimes.first_arrivals` on a 0.05 degree
  distance grid, as :func:`corephase.model.traveltimes.element_times`) minus the
  alignment delay, plus a Gaussian per-station static (``statics_std_s``,
  correlated over ``statics_correlation_km``);
* **interfering arrivals** (``interferers``): other phases (P, PcP, ScP, ...)
  at their TauP time relative to the target and their own plane-wave
  slowness, with peak ``snr`` and an exponentially decaying coda
  (``coda_ratio`` of the peak at onset, amplitude decay time
  ``coda_decay_s``), a fraction ``coda_coherence`` of whose power is coherent
  and moves out with the phase's slowness (a P coda lasting hundreds of
  seconds reaches a core phase arriving minutes later);
* **noise** with the Peterson spectrum of ``noise_level``
  (:func:`corephase.sources.noise.peterson_psd`), band-passed and scaled to unit RMS,
  a fraction ``noise_coherence`` of its power in ``noise_waves`` plane waves
  with slowness in ``noise_slowness_s_km`` (batched form of
  :func:`corephase.sources.noise.coherent_noise`).

Amplitudes are therefore in units of the band-passed noise RMS of one trace:
``snr`` is the single-trace peak signal-to-RMS-noise ratio.

Metrics (per layout and stack)
------------------------------
The stacks of :mod:`corephase.signal.stacking` are evaluated for all trials at once
from the analytic signals of the aligned traces (one inverse FFT), with the
same definitions (PWS ``nu``, nth-root ``nthroot_n``, envelope smoothing). The
characteristic function (CF) is the envelope of the beam (linear, PWS,
nth-root) or the envelope stack itself.

* ``snr_single``, ``snr_beam``: output SNR as a deflection
  (:func:`~corephase.experiment.metrics.deflection_snr`): mean over trials of
  the stack at ``t = 0`` with the target, minus the mean, over the standard
  deviation, of the same quantity without the target (same trials, search
  window); for single traces the mean peak amplitude of the target over the
  noise standard deviation. For linear stacks this is peak amplitude over noise
  RMS, unbiased at any SNR; ``snr_gain`` is their ratio and
  ``gain_over_sqrt_n`` ``snr_gain / sqrt(N)`` (1 for an ideal linear stack in
  incoherent noise).
* ``pd``: detection probability at the false-alarm rate ``pfa``, with its
  Wilson interval ``pd_low``-``pd_high`` (``confidence``) over ``trials``. The
  detection statistic is the CF maximum within ``+-search_s`` of ``t = 0``
  over its noise-window RMS; the threshold is the Weibull-position ``1 - pfa``
  quantile of the statistic on the same trials without the target (noise and
  interferers only), at the nominal rate for any trial count
  (:mod:`~corephase.experiment.uncertainty`); ``pfa_achieved`` is the fraction
  of those trials above it. ROC curves come from the same two samples. The
  recommendation (:mod:`~corephase.experiment.recommend`) lists the layouts
  tied with it; with ``max_trials`` the tied layouts get more trials until the
  recommendation is separated or the budget is spent.
* ``amp_bias``: median of the stack at ``t = 0`` over the true mean
  amplitude of the target (1 for an unbiased stack).
* ``slow_bias_s_deg``, ``baz_bias_deg`` (and robust scatters): peak of the
  Bartlett FK power (signal-plus-noise trials, window ``fk_window_s``, band
  ``band_hz``) on a slowness grid around the truth, minus the truth.
* ``slow_res_s_deg``, ``baz_res_deg``, ``sidelobe``: half-power full width of
  the main lobe of the array response
  (:func:`~corephase.signal.response.arf_slowness`) along and across the
  back-azimuth (slowness s/deg; back-azimuth degrees at the target
  slowness) and the highest sidelobe within ``arf_smax_s_deg``.
"""

from __future__ import annotations
