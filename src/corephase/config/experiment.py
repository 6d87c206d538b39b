"""Typed settings of one sub-array experiment (``experiments.<name>`` of config.yaml).

The classes mirror ``$defs.experiment`` of the packaged schema key by key
(``tests/config/test_settings.py``); their defaults are the schema's. The
science code (:mod:`corephase.experiment`) takes an :class:`ExperimentSettings`;
the stage :func:`corephase.stages.experiment.experiment` builds it from the
config entry with :meth:`ExperimentSettings.from_dict` and checks it with
:meth:`ExperimentSettings.check`.

Sections whose keys are required or mutually exclusive and therefore have no
schema defaults (``geometry``, ``event``, ``real``) are registered with
``schema_fills_defaults=False``: the settings hold the fallbacks the code uses.
"""

from __future__ import annotations

from dataclasses import MISSING, dataclass, field, fields

from corephase.config.base import Settings, section
from corephase.config.validation import ConfigError
from corephase.signal.stacking import StackParams


@section("$defs.experiment.geometry", schema_fills_defaults=False)
@dataclass(frozen=True)
class GeometrySettings(Settings):
    """Where sub-arrays are taken from (see :func:`corephase.experiment.subarray.dense_geometry`).

    Positions in degrees, distances in km; ``source`` is one of
    :data:`corephase.experiment.subarray.GEOMETRY_SOURCES`.
    """

    source: str | None = None
    ref_lat: float | None = None
    ref_lon: float | None = None
    extent_km: float | None = None
    spacing_km: float | None = None
    jitter_km: float = 0.0
    seed: int = 0
    path: str | None = None
    array: str | None = None
    date: str | None = None
    networks: tuple[str, ...] | None = None
    center_lat: float | None = None
    center_lon: float | None = None
    radius_km: float | None = None
    data_centre: str | None = None
    query: dict | None = None  # fdsnws-station query (network, station, channel, ...)
    timeout_s: float = 60.0


@section("$defs.experiment.event", schema_fills_defaults=False)
@dataclass(frozen=True)
class EventSettings(Settings):
    """The source: ``quakeml``, else ``latitude``/``longitude``, else ``distance_deg``/``baz_deg``.

    ``distance_deg`` (degrees) and ``baz_deg`` (back-azimuth, degrees clockwise
    from north) place the event as seen from the layout centre; depth in km.
    """

    latitude: float | None = None
    longitude: float | None = None
    distance_deg: float = 40.0
    baz_deg: float = 300.0
    depth_km: float = 100.0
    quakeml: str | None = None


@dataclass(frozen=True)
class TargetSettings(Settings):
    """One target phase and its single-trace peak SNR (peak over band-passed noise RMS)."""

    phase: str
    snr: float


@dataclass(frozen=True)
class InterfererSettings(Settings):
    """An interfering arrival with an exponentially decaying coda.

    TauP time and slowness of ``phase`` relative to the target unless
    ``time_s`` (s relative to the target) and ``slowness_s_deg`` are given;
    back-azimuth that of the target plus ``baz_offset_deg``. ``snr_ratio``
    (a depth phase of the target) sets the peak relative to the target's ``snr``.
    """

    phase: str | None = None
    snr: float = 0.0
    snr_ratio: float | None = None
    coda_ratio: float = 0.0
    coda_decay_s: float = 1.0
    coda_coherence: float = 0.0
    time_s: float | None = None
    slowness_s_deg: float | None = None
    baz_offset_deg: float = 0.0


@section("$defs.experiment.layouts")
@dataclass(frozen=True)
class LayoutSettings(Settings):
    """The sweep of sub-array layouts (see :func:`corephase.experiment.subarray.make_subarray`).

    ``center_lat``/``center_lon`` (degrees) default to the dense geometry's
    reference point; sizes in km.
    """

    kinds: tuple[str, ...] = ("ring", "cross", "line_along", "random")
    n_stations: tuple[int, ...] = (5, 10, 20)
    apertures_km: tuple[float, ...] = (20.0, 100.0)
    spacings_km: tuple[float, ...] = ()
    modes: tuple[str, ...] = ("extracted", "theoretical")
    center_lat: float | None = None
    center_lon: float | None = None
    seed: int = 0
    max_shift_frac: float = 0.5
    aperture_tol: float = 0.25
    method: str = "optimal"
    rings: int = 2
    n_clusters: int | None = None
    cluster_radius: float = 0.15


@section("$defs.experiment.simulation")
@dataclass(frozen=True)
class SimulationSettings(Settings):
    """Synthesis of the trial records (see :class:`corephase.experiment.simulate.Simulator`)."""

    sampling_rate_hz: float = 20.0
    window_s: float = 60.0
    wavelet: str = "ricker"
    wavelet_hz: float = 1.5
    band_hz: tuple[float, float] = (0.8, 2.5)
    filter_corners: int = 4
    noise_level: float = 0.5
    noise_coherence: float = 0.0
    noise_slowness_s_km: tuple[float, float] = (0.1, 0.3)
    noise_waves: int = 8
    amplitude_jitter: float = 0.1
    statics_std_s: float = 0.05
    statics_correlation_km: float = 0.0
    curved_wavefront: bool = True
    alignment: str = "plane"


@section("$defs.experiment.metrics")
@dataclass(frozen=True)
class MetricsSettings(Settings):
    """Stacks and metrics (see :mod:`corephase.experiment.metrics`); times in s from the target."""

    stacks: tuple[str, ...] = ("linear", "pws", "nthroot", "envelope")
    pfa: float = 0.05
    target_pd: float = 0.9
    confidence: float = 0.95
    search_s: float = 1.5
    noise_window_s: tuple[float, float] = (-25.0, -5.0)
    pws_nu: float = 2.0
    nthroot_n: float = 4.0
    envelope_smooth_s: float = 0.5
    fk: bool = True
    fk_window_s: tuple[float, float] = (-2.0, 3.0)
    fk_half_range_s_deg: float | None = None
    fk_step_s_deg: float = 0.1
    arf_freqs_hz: tuple[float, ...] | None = None
    arf_smax_s_deg: float = 12.0

    def stack_params(self) -> StackParams:
        """The parameters of the stacking kernels (no PWS gate)."""
        return StackParams(
            nu=float(self.pws_nu), n=float(self.nthroot_n), smooth_s=float(self.envelope_smooth_s)
        )


@section("$defs.experiment.real", schema_fills_defaults=False)
@dataclass(frozen=True)
class RealSettings(Settings):
    """Real counterpart: a record (``mseed``) whose pre-event noise replaces the synthetic noise.

    The origin comes from ``quakeml`` or ``origin_time``; ``noise_window_s``
    is in s relative to the origin; ``max_trials`` defaults to ``trials``.
    """

    mseed: str | None = None
    quakeml: str | None = None
    origin_time: str | None = None
    noise_window_s: tuple[float, float] | None = None
    max_trials: int | None = None


_DEFAULT_INTERFERERS = (
    InterfererSettings("P", 20.0, coda_ratio=0.5, coda_decay_s=250.0, coda_coherence=0.2),
    InterfererSettings("PcP", 2.0, coda_ratio=0.5, coda_decay_s=30.0, coda_coherence=0.2),
    InterfererSettings("ScP", 3.0, coda_ratio=0.5, coda_decay_s=30.0, coda_coherence=0.2),
    InterfererSettings("S", 4.0, coda_ratio=0.5, coda_decay_s=100.0, coda_coherence=0.2),
    InterfererSettings("SS", 2.0, coda_ratio=0.5, coda_decay_s=60.0, coda_coherence=0.2),
    InterfererSettings("ScS", 2.0, coda_ratio=0.3, coda_decay_s=30.0, coda_coherence=0.2),
    InterfererSettings("pPKiKP", snr_ratio=0.7),
    InterfererSettings("sPKiKP", snr_ratio=0.5),
)


def _items(cls: type[Settings], values, where: str) -> tuple:
    """Entries of a list section as settings objects (dicts are converted, naming bad keys)."""
    out = []
    required = [
        f.name for f in fields(cls) if f.default is MISSING and f.default_factory is MISSING
    ]
    for i, v in enumerate(values or ()):
        if isinstance(v, cls):
            out.append(v)
            continue
        missing = [k for k in required if k not in v]
        if missing:
            raise ConfigError(f"config key '{where}.{i}.{missing[0]}': required key is missing")
        out.append(cls.from_dict(v, where=f"{where}.{i}"))
    return tuple(out)


@section("$defs.experiment")
@dataclass(frozen=True)
class ExperimentSettings(Settings):
    """One sub-array experiment (the schema's ``$defs.experiment``).

    ``targets`` and ``interferers`` are tuples of :class:`TargetSettings` and
    :class:`InterfererSettings` (dicts given here are converted).
    """

    model: str = "ak135"
    geometry: GeometrySettings = field(default_factory=GeometrySettings)
    event: EventSettings = field(default_factory=EventSettings)
    targets: tuple[TargetSettings, ...] = (TargetSettings("PKiKP", 0.5),)
    interferers: tuple[InterfererSettings, ...] = _DEFAULT_INTERFERERS
    layouts: LayoutSettings = field(default_factory=LayoutSettings)
    trials: int = 100
    max_trials: int | None = None
    simulation: SimulationSettings = field(default_factory=SimulationSettings)
    metrics: MetricsSettings = field(default_factory=MetricsSettings)
    real: RealSettings | None = None

    def __post_init__(self):
        object.__setattr__(self, "targets", _items(TargetSettings, self.targets, "targets"))
        object.__setattr__(
            self, "interferers", _items(InterfererSettings, self.interferers, "interferers")
        )

    def check(self) -> ExperimentSettings:
        """Check what the schema cannot (ranges relative to other keys); return ``self``.

        Raises
        ------
        ConfigError
            Naming the first offending key.
        """
        if self.geometry.source is None:
            raise ConfigError(
                "config key 'geometry.source': the dense network or IMS array is required"
            )
        self._check_simulation()
        self._check_metrics()
        self._check_layouts()
        if not self.targets:
            raise ConfigError("config key 'targets': give at least one target phase")
        for i, t in enumerate(self.targets):
            if float(t.snr) < 0:
                raise ConfigError(f"config key 'targets.{i}.snr': must be non-negative")
        return self

    def _check_simulation(self) -> None:
        sim = self.simulation
        fs = float(sim.sampling_rate_hz)
        if fs <= 0:
            raise ConfigError(f"config key 'simulation.sampling_rate_hz': must be > 0, got {fs}")
        lo, hi = (float(v) for v in sim.band_hz)
        if not 0 < lo < hi < 0.5 * fs:
            raise ConfigError(
                "config key 'simulation.band_hz': need 0 < fmin < fmax < Nyquist "
                f"({0.5 * fs} Hz), got {[lo, hi]}"
            )
        if sim.wavelet not in ("ricker", "gabor"):
            raise ConfigError(f"config key 'simulation.wavelet': unknown {sim.wavelet!r}")
        if sim.alignment not in ("plane", "curved"):
            raise ConfigError(f"config key 'simulation.alignment': unknown {sim.alignment!r}")
        if not 0.0 <= float(sim.noise_coherence) <= 1.0:
            raise ConfigError("config key 'simulation.noise_coherence': must be within [0, 1]")

    def _check_metrics(self) -> None:
        from corephase.signal.stacking import STACK_TYPES

        met = self.metrics
        half = 0.5 * float(self.simulation.window_s)
        for key in ("noise_window_s", "fk_window_s"):
            a, b = (float(v) for v in getattr(met, key))
            if not -half <= a < b <= half:
                raise ConfigError(
                    f"config key 'metrics.{key}': {[a, b]} must lie inside the simulated "
                    f"window [-{half}, {half}] s"
                )
        if not 0 < float(met.search_s) < half:
            raise ConfigError(f"config key 'metrics.search_s': must be within (0, {half}) s")
        bad = [s for s in met.stacks if s not in STACK_TYPES]
        if bad or not met.stacks:
            raise ConfigError(
                f"config key 'metrics.stacks': unknown {bad}; expected some of {STACK_TYPES}"
            )
        trials = int(self.trials)
        if trials < 2:
            raise ConfigError(f"config key 'trials': must be >= 2, got {trials}")
        if self.max_trials is not None and int(self.max_trials) < trials:
            raise ConfigError(
                f"config key 'max_trials': {self.max_trials} is below trials ({trials})"
            )
        if not 0.5 <= float(met.confidence) < 1.0:
            raise ConfigError("config key 'metrics.confidence': must be within [0.5, 1)")
        if not 1.0 / trials <= float(met.pfa) < 1.0:
            raise ConfigError(
                f"config key 'metrics.pfa': {met.pfa} cannot be resolved with {trials} trials "
                "(need >= 1/trials)"
            )
        if not 0 < float(met.target_pd) <= 1:
            raise ConfigError("config key 'metrics.target_pd': must be within (0, 1]")

    def _check_layouts(self) -> None:
        from corephase.experiment.subarray import LAYOUT_KINDS

        lay = self.layouts
        bad = [k for k in lay.kinds if k not in LAYOUT_KINDS]
        if bad or not lay.kinds:
            raise ConfigError(
                f"config key 'layouts.kinds': unknown {bad}; expected some of {LAYOUT_KINDS}"
            )
        if not lay.apertures_km and not lay.spacings_km:
            raise ConfigError("config key 'layouts': give apertures_km or spacings_km (or both)")
        if not lay.n_stations or any(int(n) < 2 for n in lay.n_stations):
            raise ConfigError("config key 'layouts.n_stations': need integers >= 2")
        bad = [m for m in lay.modes if m not in ("extracted", "theoretical")]
        if bad or not lay.modes:
            raise ConfigError(
                f"config key 'layouts.modes': unknown {bad}; expected extracted and/or theoretical"
            )
