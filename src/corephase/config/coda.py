"""Settings of the coda analysis (config section ``coda``).

Windows are in s relative to each phase's theoretical arrival, except
``noise_window_s`` (relative to ``noise_reference``: the first arrival or the
origin). Slownesses in s/deg. See :mod:`corephase.analysis.coda` for what each
setting does.
"""

from __future__ import annotations

from dataclasses import dataclass

from corephase.config.base import Settings, section
from corephase.config.validation import ConfigError

TREND_MODELS = ("exponential", "powerlaw", "loglinear")
BEAM_TYPES = ("beam", "stack")
NOISE_REFERENCES = ("first_arrival", "origin")
CI_METHODS = ("percentile", "centred")
#: Arrivals masked in every coda window (TauP names): depth phases of the
#: studied phases and the other body waves of a teleseismic record.
CONTAMINANT_PHASES = (
    "P",
    "pP",
    "sP",
    "PP",
    "PcP",
    "pPcP",
    "sPcP",
    "ScP",
    "pScP",
    "sScP",
    "PKiKP",
    "pPKiKP",
    "sPKiKP",
    "PKIKP",
    "pPKIKP",
    "sPKIKP",
    "PKP",
    "S",
    "SS",
    "ScS",
    "SKS",
)

_NON_NEGATIVE = (
    "peak_search_s",
    "envelope_smooth_s",
    "coda_smooth_s",
    "noise_floor",
    "duration_factor",
    "detect_factor",
    "min_noise_s",
    "min_decay_fit_s",
    "coda_gamma",
    "pkikp_like_max_s_deg",
    "cluster_distance_deg",
    "cluster_depth_km",
    "null_step_s",
)


@section("coda")
@dataclass(frozen=True)
class CodaSettings(Settings):
    """Coda analysis: phases, windows, envelope beams, trend, statistics, clusters.

    Attributes
    ----------
    phases, main_phase
        Phases measured (one table row each) and the one under study.
    noise_window_s
        Noise window, s relative to ``noise_reference`` (``"first_arrival"``:
        the earliest theoretical arrival given; ``"origin"``).
    prephase_window_s, coda_window_s
        Trend-fit and coda windows, s relative to each phase's theoretical time.
    peak_search_s
        Half width (s) of the main-peak search around the theoretical time.
    min_noise_s, noise_floor
        Least noise-window length (s); floor of the corrected power (fraction
        of the noise power).
    beam_type
        ``"beam"`` (envelope of the linear beam) or ``"stack"`` (mean envelope).
    envelope_smooth_s, coda_smooth_s
        Boxcar lengths (s) of the envelope and of the shape measurements.
    trend_model
        ``"exponential"``, ``"powerlaw"`` or ``"loglinear"``.
    duration_factor, detect_factor
        Power ratios over trend and noise: coda end, coda detection.
    coda_gamma, min_decay_fit_s
        Geometrical-spreading exponent of the decay fit; least fit length (s).
    confidence, bootstrap, ci_method, trend_block_s
        Interval level, resamples, interval method, block length (s) of the
        time-block resampling (None: ``envelope_smooth_s + coda_smooth_s +
        2 / bandwidth``).
    vespa_slowness_s_deg, pkikp_like_max_s_deg
        Coda vespagram slownesses ``(start, stop, step)`` and the largest
        PKiKP-like slowness, s/deg.
    cluster_distance_deg, cluster_depth_km
        Event-cluster thresholds of the coda comparisons (great-circle degrees, km).
    false_positive_rate, null_step_s
        Level (alpha) of the significance call against the null of pseudo-phase
        windows of the same record, placed every ``null_step_s`` s.
    arrival_mask_s, min_window_fraction, contaminant_phases
        Window (s relative to each predicted arrival) masked in every coda
        measurement; least unmasked fraction of a pre-phase or coda window;
        TauP phases predicted and masked besides the given arrivals.
    noise_floor
        Floor (fraction of the noise power) of the noise-corrected coda
        vespagram, for its logarithm only.
    """

    phases: tuple[str, ...] = ("PcP", "ScP", "PKiKP")
    main_phase: str = "PKiKP"
    noise_window_s: tuple[float, float] = (-100.0, -10.0)
    prephase_window_s: tuple[float, float] = (-60.0, -5.0)
    coda_window_s: tuple[float, float] = (3.0, 150.0)
    trend_model: str = "powerlaw"
    confidence: float = 0.95
    bootstrap: int = 30
    envelope_smooth_s: float = 1.0
    peak_search_s: float = 3.0
    noise_reference: str = "first_arrival"
    min_noise_s: float = 10.0
    noise_floor: float = 0.01
    beam_type: str = "beam"
    coda_smooth_s: float = 4.0
    duration_factor: float = 2.0
    detect_factor: float = 4.0
    coda_gamma: float = 0.0
    min_decay_fit_s: float = 5.0
    ci_method: str = "percentile"
    trend_block_s: float | None = None
    vespa_slowness_s_deg: tuple[float, float, float] = (0.0, 12.0, 0.25)
    pkikp_like_max_s_deg: float = 2.0
    cluster_distance_deg: float = 1.0
    cluster_depth_km: float = 20.0
    false_positive_rate: float = 0.05
    null_step_s: float = 10.0
    arrival_mask_s: tuple[float, float] = (-3.0, 10.0)
    min_window_fraction: float = 0.5
    contaminant_phases: tuple[str, ...] = CONTAMINANT_PHASES

    def __post_init__(self):
        self._set("phases", tuple(str(p) for p in self.phases))
        self._set("contaminant_phases", tuple(str(p) for p in self.contaminant_phases))
        for key in ("prephase_window_s", "coda_window_s", "noise_window_s", "arrival_mask_s"):
            self._set(key, tuple(float(x) for x in getattr(self, key)))
        self._set("vespa_slowness_s_deg", tuple(float(x) for x in self.vespa_slowness_s_deg))
        self._check_choices()
        self._check_windows()
        self._check_numbers()

    def _set(self, name, value):
        object.__setattr__(self, name, value)

    def _check_choices(self):
        if not self.phases:
            raise ConfigError("config key 'coda.phases': empty")
        if self.main_phase not in self.phases:
            raise ConfigError(
                f"config key 'coda.main_phase': {self.main_phase!r} is not in phases "
                f"{list(self.phases)}"
            )
        for key, allowed in (
            ("trend_model", TREND_MODELS),
            ("beam_type", BEAM_TYPES),
            ("noise_reference", NOISE_REFERENCES),
            ("ci_method", CI_METHODS),
        ):
            if getattr(self, key) not in allowed:
                raise ConfigError(
                    f"config key 'coda.{key}': {getattr(self, key)!r} is not one of "
                    f"{', '.join(allowed)}"
                )

    def _check_windows(self):
        for key in ("prephase_window_s", "coda_window_s", "noise_window_s", "arrival_mask_s"):
            w = getattr(self, key)
            if len(w) != 2 or not w[0] < w[1]:
                raise ConfigError(
                    f"config key 'coda.{key}': must be [start, end] with start < end, got {w}"
                )
        if self.prephase_window_s[1] > 0:
            raise ConfigError(
                "config key 'coda.prephase_window_s': must end before the phase (<= 0 s)"
            )
        if self.coda_window_s[0] < 0:
            raise ConfigError(
                "config key 'coda.coda_window_s': must start at or after the phase (>= 0 s)"
            )
        vs = self.vespa_slowness_s_deg
        if len(vs) != 3 or vs[2] <= 0 or vs[1] < vs[0]:
            raise ConfigError(
                "config key 'coda.vespa_slowness_s_deg': must be [start, stop, step] with step > 0"
            )

    def _check_numbers(self):
        for key in ("confidence", "false_positive_rate"):
            if not 0 < float(getattr(self, key)) < 1:
                raise ConfigError(f"config key 'coda.{key}': {getattr(self, key)} not in (0, 1)")
        if not 0 < float(self.min_window_fraction) <= 1:
            raise ConfigError("config key 'coda.min_window_fraction': must be in (0, 1]")
        if not float(self.null_step_s) > 0:
            raise ConfigError("config key 'coda.null_step_s': must be > 0")
        if self.trend_block_s is not None and not float(self.trend_block_s) > 0:
            raise ConfigError("config key 'coda.trend_block_s': must be > 0 or null")
        if int(self.bootstrap) < 0:
            raise ConfigError("config key 'coda.bootstrap': must be >= 0")
        for key in _NON_NEGATIVE:
            if float(getattr(self, key)) < 0:
                raise ConfigError(
                    f"config key 'coda.{key}': must be >= 0, got {getattr(self, key)}"
                )

    def trend_block_length(self, bandwidth_hz: float) -> float:
        """Block length (s) of the time-block resampling for a band ``bandwidth_hz`` wide."""
        if self.trend_block_s is not None:
            return float(self.trend_block_s)
        return self.envelope_smooth_s + self.coda_smooth_s + 2.0 / bandwidth_hz
