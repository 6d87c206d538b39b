"""Settings of the stack stage: stacks, windows, SNR thresholds and the detection.

One set of defaults: these are the workflow's defaults (the ``stack`` section
of ``schema.yaml``; ``tests/config/test_settings.py`` checks they agree), and
:func:`corephase.analysis.detection.detect_phases` called from Python without
settings uses them too.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from corephase.config.base import Settings, section
from corephase.config.validation import ConfigError
from corephase.signal.stacking import STACK_TYPES, StackParams

#: SNR thresholds per stack type at about 1 % false alarms on noise alone:
#: the 99th percentile of the detection SNR measured at 144 noise-only windows
#: (8 random slownesses 0.3-4 s/deg x 3 seeds x 2 bands 1-2 and 2-3 Hz x the
#: 10-, 18- and 20-element BCAR, YKA and ILAR demo geometries; Peterson noise
#: at level 0.5; ``bench/calibrate_thresholds.py``) was 2.8 (linear),
#: 4.0 (envelope), 10.1 (PWS, nu 2) and 19.7 (nth-root, n 4).
NOISE_CALIBRATED_THRESHOLDS = {"linear": 3.0, "envelope": 4.0, "pws": 10.0, "nthroot": 20.0}

RESAMPLINGS = ("jackknife", "bootstrap", "none")
CALIBRATIONS = ("empirical", "fixed")
#: Calls a detection row can have (``detected`` is the only accepted one).
CALLS = ("detected", "not_detected", "unconstrained", "no_clean_noise", "no_data", "no_arrival")


def _check_window(where: str, w) -> None:
    if w is not None and (len(w) != 2 or not w[0] < w[1]):
        raise ConfigError(
            f"config key '{where}': must be [start, end] with start < end (s), got {w}"
        )


@section("stack.detection")
@dataclass(frozen=True)
class DetectionSettings(Settings):
    """How a phase is measured and decided (see :mod:`corephase.analysis.detection`).

    Attributes
    ----------
    resampling : {"jackknife", "bootstrap", "none"}
        Element resampling for the uncertainties.
    bootstrap : int
        Resamples with ``resampling="bootstrap"``.
    slowness_tolerance_s_deg, baz_tolerance_deg : float
        Largest accepted distance of the observed slowness (s/deg) and FK
        back-azimuth (deg) from theory...
    tolerance_sigma : float
        ...or this many robust standard errors of the resampled peaks, whichever is
        larger; the widening never exceeds the array's resolution
        ``1 / (f_centre * aperture)`` (nor ``max_slowness_tolerance_s_deg``).
    max_slowness_tolerance_s_deg : float
        Upper bound of the widened slowness tolerance, s/deg.
    resolution_limit_s_deg : float
        A band at which the array's slowness resolution ``1/(f_centre*aperture)``
        (FK main-lobe half-width) is coarser than this (s/deg) gives the call
        ``unconstrained``: such a lobe covers most of the 0-10 s/deg scan.
    min_resample_agreement : float
        Fraction (0..1) of resampled peaks that must lie within the tolerances of
        the full-array peak; fewer give ``unconstrained``.
    calibration : {"empirical", "fixed"}
        SNR threshold from the pair's own empirical null at ``false_alarm_level``
        (see :mod:`corephase.analysis.detection.null`), or the fixed ``snr_threshold``.
    false_alarm_level : float
        False-alarm probability per stack that a detection may have.
    null_draws : int
        Null stacks (random polarities and time shifts) per phase and band.
    min_snr : float
        Floor of the empirical threshold: no call is ``detected`` below this SNR
        (2: below the peak-to-RMS of a short window of stationary noise), whatever
        the null says when the noise window is louder than the signal's surroundings.
    null_shift_s : float
        Largest random time shift of an element in a null draw, s.
    sliding_null : bool
        Also calibrate on the phase's windows slid over the record's noise-only
        stretch (before the first arrival) at the phase's alignment, and use the
        larger threshold and ``fa_prob`` of the two nulls
        (:mod:`corephase.analysis.detection.null`): keeps real transients that
        reach every element at once, which the shuffled draws destroy.
    sliding_margin : float
        The sliding null joins a stack's calibration only where its threshold
        exceeds the shuffled null's by more than this fraction (0.3: beyond the
        scatter of the ratio of the two estimated thresholds on stationary noise,
        whose 90th percentile is 1.07-1.22); otherwise the shuffled null alone
        decides.
    avoid_arrivals : bool
        Use the pair's arrival list (:mod:`corephase.analysis.detection.interference`):
        noise windows off the onsets of comparable or stronger arrivals, and the
        call ``interfered`` for a detection whose signal window holds such an
        arrival at a slowness within ``max_slowness_tolerance_s_deg``.
    arrival_guard_s : (float, float)
        Time before and after an arrival's onset that a noise window avoids, s.
    arrival_coda_s : float
        Length of the early coda after every arrival at least as strong as the
        phase that a noise window also avoids, s (0: the onset guard only). 30 s:
        a moved window never lands in the loud early coda of a stronger phase
        (it goes before that phase instead, or the call is ``no_clean_noise``).
    min_noise_window_s : float
        Shortest noise window accepted after moving it, s.
    noise_search_s : (float, float)
        Where a moved noise window may lie, s relative to the phase.
    interference_amplitude_ratio : float
        An arrival interferes when its expected amplitude is at least this
        fraction of the phase's (unknown amplitudes always interfere).
    vespagram_slowness_s_deg : (float, float, float)
        Vespagram grid ``(min, max, step)`` in s/deg.
    fk_slowness_max_s_km, fk_step_s_km : float
        FK grid ``-max..max`` with this step, s/km.
    curved_wavefront : bool
        Align on TauP times per element instead of a plane wave.
    v_surface_km_s : float or None
        Near-surface P velocity (km/s) of the elevation statics; None for none.
        Default 5.0: the top kilometre of the crystalline crust most arrays stand
        on (slower than ak135's 5.8 km/s upper crust, faster than sediments);
        elements with a missing elevation get no static.
    statics : dict
        ``{code: s}`` station statics (positive: the element records late).
    """

    resampling: str = "jackknife"
    bootstrap: int = 20
    slowness_tolerance_s_deg: float = 1.0
    baz_tolerance_deg: float = 10.0
    tolerance_sigma: float = 2.0
    max_slowness_tolerance_s_deg: float = 3.0
    resolution_limit_s_deg: float = 8.0
    min_resample_agreement: float = 0.8
    calibration: str = "empirical"
    false_alarm_level: float = 0.01
    min_snr: float = 2.0
    null_draws: int = 300
    null_shift_s: float = 60.0
    sliding_null: bool = True
    sliding_margin: float = 0.3
    avoid_arrivals: bool = True
    arrival_guard_s: tuple = (2.0, 10.0)
    arrival_coda_s: float = 30.0
    min_noise_window_s: float = 15.0
    noise_search_s: tuple = (-300.0, -5.0)
    interference_amplitude_ratio: float = 0.5
    vespagram_slowness_s_deg: tuple = (0.0, 10.0, 0.1)
    fk_slowness_max_s_km: float = 0.12
    fk_step_s_km: float = 0.002
    curved_wavefront: bool = False
    v_surface_km_s: float | None = 5.0
    statics: dict = field(default_factory=dict)

    def __post_init__(self):
        where = self.schema_path
        if self.resampling not in RESAMPLINGS:
            raise ConfigError(
                f"config key '{where}.resampling': expected one of {list(RESAMPLINGS)}, "
                f"got {self.resampling!r}"
            )
        if int(self.bootstrap) < 0:
            raise ConfigError(
                f"config key '{where}.bootstrap': must be >= 0, got {self.bootstrap}"
            )
        if self.calibration not in CALIBRATIONS:
            raise ConfigError(
                f"config key '{where}.calibration': expected one of {list(CALIBRATIONS)}, "
                f"got {self.calibration!r}"
            )
        if not 0.0 < float(self.false_alarm_level) < 0.5:
            raise ConfigError(
                f"config key '{where}.false_alarm_level': must be in (0, 0.5), "
                f"got {self.false_alarm_level}"
            )
        if int(self.null_draws) < 50:
            raise ConfigError(
                f"config key '{where}.null_draws': must be >= 50, got {self.null_draws}"
            )
        if not float(self.sliding_margin) >= 0.0:
            raise ConfigError(
                f"config key '{where}.sliding_margin': must be >= 0, got {self.sliding_margin}"
            )
        v = self.vespagram_slowness_s_deg
        if len(v) != 3 or v[2] <= 0 or v[1] <= v[0]:
            raise ConfigError(
                f"config key '{where}.vespagram_slowness_s_deg': "
                f"must be [min, max, step>0] (s/deg), got {v}"
            )


@section("stack.phase_windows.*", schema_fills_defaults=False)
@dataclass(frozen=True)
class PhaseWindows(Settings):
    """Per-phase windows (s relative to the phase's theoretical time); None: the stack's."""

    signal_window_s: tuple | None = None
    noise_window_s: tuple | None = None


@section("stack")
@dataclass(frozen=True)
class StackSettings(Settings):
    """Stacks, windows and SNR thresholds of the beams and detections.

    Attributes
    ----------
    types : tuple of str
        Stack types (:data:`corephase.signal.stacking.STACK_TYPES`).
    pws_nu, pws_gate_s, nthroot_n, envelope_smooth_s : float
        ``nu``, ``gate_s`` (s), ``n`` and ``smooth_s`` (s) of the
        :class:`~corephase.signal.stacking.StackParams` that :meth:`stack_params` makes.
    signal_window_s, noise_window_s : (float, float)
        Windows in s relative to the phase's theoretical time.
    snr_threshold : float or dict
        One SNR threshold, or one per stack type (default
        :data:`NOISE_CALIBRATED_THRESHOLDS`); used with
        ``detection.calibration = "fixed"`` only.
    detection : DetectionSettings
    phase_windows : dict
        ``{phase: PhaseWindows}`` overriding the windows of some phases (plain
        dicts are converted).
    """

    types: tuple = STACK_TYPES
    pws_nu: float = 2.0
    pws_gate_s: float = 0.0
    nthroot_n: float = 4.0
    envelope_smooth_s: float = 0.5
    signal_window_s: tuple = (-2.0, 8.0)
    noise_window_s: tuple = (-40.0, -5.0)
    snr_threshold: float | dict = field(default_factory=lambda: dict(NOISE_CALIBRATED_THRESHOLDS))
    detection: DetectionSettings = field(default_factory=DetectionSettings)
    phase_windows: dict = field(default_factory=dict)

    def __post_init__(self):
        where = self.schema_path
        bad = [s for s in self.types if s not in STACK_TYPES]
        if bad or not self.types:
            raise ConfigError(
                f"config key '{where}.types': {bad or list(self.types)} not in "
                f"{', '.join(STACK_TYPES)}"
            )
        if float(self.pws_nu) < 0:
            raise ConfigError(f"config key '{where}.pws_nu': PWS power nu must be >= 0")
        if float(self.nthroot_n) < 1:
            raise ConfigError(f"config key '{where}.nthroot_n': nth-root order must be >= 1")
        if isinstance(self.snr_threshold, dict):
            missing = [k for k in self.types if k not in self.snr_threshold]
            if missing:
                raise ConfigError(
                    f"config key '{where}.snr_threshold': no value for stack {missing[0]!r}"
                )
        windows = {
            p: w
            if isinstance(w, PhaseWindows)
            else PhaseWindows.from_dict(w, where=f"{where}.{p}")
            for p, w in self.phase_windows.items()
        }
        object.__setattr__(self, "phase_windows", windows)
        for phase in (None, *windows):
            sig, noi = self.windows(phase)
            _check_window(f"{where}.signal_window_s", sig)
            _check_window(f"{where}.noise_window_s", noi)

    def threshold(self, kind: str) -> float:
        """The SNR threshold of stack ``kind``."""
        t = self.snr_threshold
        return float(t[kind] if isinstance(t, dict) else t)

    def windows(self, phase: str | None) -> tuple[tuple, tuple]:
        """Signal and noise windows (s relative to the theoretical time) of ``phase``."""
        over = self.phase_windows.get(phase) or PhaseWindows()
        return (
            tuple(over.signal_window_s or self.signal_window_s),
            tuple(over.noise_window_s or self.noise_window_s),
        )

    def stack_params(self) -> StackParams:
        """The parameters of the stacking kernels."""
        return StackParams(
            nu=float(self.pws_nu),
            gate_s=float(self.pws_gate_s),
            n=float(self.nthroot_n),
            smooth_s=float(self.envelope_smooth_s),
        )
