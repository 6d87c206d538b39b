"""Settings of the synthetic source (:func:`corephase.sources.synthetic.synthesize`).

The schema's ``$defs.synthetic`` declares no defaults: the global ``synthetic``
section and an array's ``synthetic`` entry are layered over the defaults here,
key by key (:meth:`SyntheticSettings.merged`). Values are checked when the
settings are made; a bad value raises :class:`~corephase.config.ConfigError`
naming its key. Per-pair settings: the global section's ``pairs``
(:meth:`SyntheticSettings.for_pair`).

Defaults (a world with what real short-period records contain) and why
-----------------------------------------------------------------------
* Amplitudes relative to P (vertical, 1-2 Hz): PcP 0.12, ScP 0.2, PKiKP 0.012,
  PKIIKP 0.006, PKJKP 0.0015 as before. PP 0.4: one free-surface reflection
  (|R| near 1) with more spreading and attenuation than P. S 0.05, SS 0.02,
  ScS 0.01: the source radiates (alpha/beta)^3, about 5 times more S than P
  for equal pattern coefficients (far-field amplitudes scale as 1/v^3; Aki &
  Richards 2002, chapter 4), but at
  1-2 Hz t*_S of about 4 t*_P removes most of it and the steep S incidence
  leaves little SV on the vertical; ScS equals PKiKP, the interference case of
  issue 12. PKPab/PKPbc 0.3, PKIKP 0.2 (only beyond about 110-145 degrees).
  These are order-of-magnitude choices, not fits to data.
* Depth phases: free-surface coefficients (signed) at the phase's slowness
  with the model's top-layer velocities, times radiation 1 (no preferred
  mechanism; pX of a steep phase is then about -1 times X, as in records of
  intermediate-depth events) for every event deeper than 0 km.
* Long P coda: 0.2 of the P peak at onset (the slow part of the teleseismic P
  coda, after P and its depth phases), decaying with coda Q 500, an amplitude
  decay time of 106 s at 1.5 Hz: above the noise for several hundred seconds
  after an mb 6 P, as the issue describes real records. Coda Q of a few
  hundred at 1-2 Hz is the usual order for lithospheric scattering (Aki &
  Chouet 1975); the value is a choice within that range.
* Scattering coda: none by default (``coda.ratio`` 0); the demo puts one after
  PKiKP where the seed study reports one (ratio 1, decay 60 s, half coherent:
  inner-core scattering codas at arrays are as strong as PKiKP or stronger and
  last 100 s and more, Vidale & Earle 2000).

References: Aki, K. & Chouet, B. (1975), J. Geophys. Res. 80, 3322-3342.
Aki, K. & Richards, P. G. (2002), Quantitative Seismology. Vidale, J. E. &
Earle, P. S. (2000), Nature 404, 273-275.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from corephase.config.base import Settings, section
from corephase.config.validation import ConfigError

#: Wavelet shapes :func:`~corephase.sources.synthetic.synthesize` can make.
WAVELETS = ("ricker", "gabor")


def _number(value, key: str, lo=None, hi=None, lo_open: bool = False) -> float:
    """``value`` as a finite float within bounds, or ConfigError naming ``key``."""
    if isinstance(value, bool):
        raise ConfigError(f"synthetic setting '{key}' must be a number, got {value!r}")
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"synthetic setting '{key}' must be a number, got {value!r}") from None
    if not math.isfinite(v):
        raise ConfigError(f"synthetic setting '{key}' must be finite, got {v}")
    if lo is not None and (v < lo or (lo_open and v == lo)):
        rel = ">" if lo_open else ">="
        raise ConfigError(f"synthetic setting '{key}' must be {rel} {lo}, got {v}")
    if hi is not None and v > hi:
        raise ConfigError(f"synthetic setting '{key}' must be <= {hi}, got {v}")
    return v


def _set(obj, name: str, value) -> None:
    object.__setattr__(obj, name, value)


def _phase_names(value, key: str) -> tuple[str, ...]:
    """``value`` as a tuple of phase names, or ConfigError naming ``key``."""
    if isinstance(value, str) or not isinstance(value, list | tuple):
        raise ConfigError(f"synthetic setting '{key}' must be a list of phase names")
    if not all(isinstance(v, str) and v for v in value):
        raise ConfigError(f"synthetic setting '{key}' must be a list of phase names")
    return tuple(value)


@section("$defs.synthetic.coda", schema_fills_defaults=False)
@dataclass(frozen=True)
class SyntheticCodaSettings(Settings):
    """Scattering coda after synthetic phases (for example inner-core scattering).

    ``ratio``: RMS envelope at the onset relative to the phase peak (0 = none,
    the default: a scattering coda is put only where configured);
    ``decay_s``: amplitude decay time, s; ``coherence``: fraction of the coda
    power coherent across the array (0-1); ``phases``: the phases that get it
    (null = every synthesised phase).
    """

    ratio: float = 0.0
    decay_s: float = 20.0
    coherence: float = 0.0
    phases: tuple[str, ...] | None = None

    def __post_init__(self):
        _set(self, "ratio", _number(self.ratio, "coda.ratio", lo=0.0))
        _set(self, "decay_s", _number(self.decay_s, "coda.decay_s", lo=0.0, lo_open=True))
        _set(self, "coherence", _number(self.coherence, "coda.coherence", lo=0.0, hi=1.0))
        if self.phases is not None:
            _set(self, "phases", _phase_names(self.phases, "coda.phases"))

    def applies_to(self, phase: str) -> bool:
        """True if ``phase`` gets this coda (ratio above 0 and listed, or all listed)."""
        return self.ratio > 0 and (self.phases is None or phase in self.phases)


@section("$defs.synthetic.p_coda", schema_fills_defaults=False)
@dataclass(frozen=True)
class SyntheticPCodaSettings(Settings):
    """The long teleseismic P coda (lithospheric scattering near source and receiver).

    Incoherent band-limited noise after each phase of ``phases`` whose RMS
    envelope starts at ``ratio`` times the phase peak and decays as
    ``exp(-pi f (t - t_phase) / q)`` at the wavelet frequency ``f`` (coda Q;
    amplitude decay time ``q / (pi f)``: 106 s for q = 500 at 1.5 Hz);
    ``coherence`` as for :class:`SyntheticCodaSettings`.
    """

    ratio: float = 0.2
    q: float = 500.0
    coherence: float = 0.0
    phases: tuple[str, ...] = ("P",)

    def __post_init__(self):
        _set(self, "ratio", _number(self.ratio, "p_coda.ratio", lo=0.0))
        _set(self, "q", _number(self.q, "p_coda.q", lo=0.0, lo_open=True))
        _set(self, "coherence", _number(self.coherence, "p_coda.coherence", lo=0.0, hi=1.0))
        _set(self, "phases", _phase_names(self.phases, "p_coda.phases"))

    def decay_s(self, freq_hz: float) -> float:
        """Amplitude decay time (s) at ``freq_hz``: ``q / (pi f)``."""
        return self.q / (math.pi * freq_hz)


def _default_amplitudes() -> Mapping[str, float]:
    from corephase.model.arrivals import TYPICAL_AMPLITUDES

    return dict(TYPICAL_AMPLITUDES)


@section("$defs.synthetic", schema_fills_defaults=False)
@dataclass(frozen=True)
class SyntheticSettings(Settings):
    """Physics and sampling of synthetic records (see :mod:`corephase.sources.synthetic`).

    ``amplitudes`` (peak vertical amplitude relative to P) selects the primary
    phases (default :data:`corephase.model.arrivals.TYPICAL_AMPLITUDES`);
    ``omit_phases`` leaves some out of the record (with their depth phases).
    ``predicted_core_amplitudes`` replaces the PcP and PKiKP amplitudes by the
    ak135/iasp91/PREM prediction at the pair's distance and depth and at
    ``wavelet_hz`` (:func:`corephase.theory.ratios.amplitudes_relative_to_p`),
    where the prediction exists, so synthetic studies see the distance
    dependence of real data.
    Every primary ``X`` gets its depth phases ``pX`` and ``sX`` at the amplitude
    ``amplitude(X) * free-surface coefficient * radiation`` (see
    :mod:`corephase.model.arrivals`), with ``depth_phase_radiation_p`` and
    ``depth_phase_radiation_s`` the source's upgoing-P and upgoing-SV amplitude
    relative to its downgoing first leg (signed; 0 = none), for events deeper
    than ``depth_phase_min_km``. A depth phase named in ``amplitudes`` is made
    at that amplitude instead. ``polarities`` (+1/-1, default +1) and ``tstar``
    (s; one value or phase -> value) are per phase. The P amplitude follows
    from the magnitude (capped at ``mb_max``) unless ``p_amplitude_nm_s`` is
    set. ``statics_std_s`` (s) and ``amplitude_jitter`` (std of the natural log)
    are per-element site terms; ``elevation_correction`` (on by default, as in
    real records: the detection's elevation statics remove it) delays elements by
    ``elev * sqrt(1/v^2 - p^2)`` with ``v = surface_velocity_km_s``. Codas:
    ``p_coda`` (the long P coda) and ``coda`` (a scattering coda, none by
    default). Noise: Peterson model at ``noise_level`` (0 = NLNM, 1 = NHNM), a
    fraction ``noise_coherence`` of its power in plane waves with slowness in
    ``noise_slowness_s_km`` (s/km). ``pairs`` (global section only):
    ``"ARRAY/EVENT_ID"`` -> settings of that pair (:meth:`for_pair`).
    """

    sampling_rate_hz: float = 20.0
    noise: bool = True
    noise_level: float = 0.5
    noise_coherence: float = 0.0
    noise_slowness_s_km: tuple[float, float] = (0.1, 0.3)
    wavelet: str = "ricker"
    wavelet_hz: float = 1.5
    amplitudes: Mapping[str, float] = field(default_factory=_default_amplitudes)
    omit_phases: tuple[str, ...] = ()
    predicted_core_amplitudes: bool = False
    polarities: Mapping[str, int] = field(default_factory=dict)
    tstar: float | Mapping[str, float] | None = None
    mb_max: float = 6.5
    p_amplitude_nm_s: float | None = None
    statics_std_s: float = 0.03
    amplitude_jitter: float = 0.1
    elevation_correction: bool = True
    surface_velocity_km_s: float = 5.8
    depth_phase_min_km: float = 0.0
    depth_phase_radiation_p: float = 1.0
    depth_phase_radiation_s: float = 1.0
    p_coda: SyntheticPCodaSettings = field(default_factory=SyntheticPCodaSettings)
    coda: SyntheticCodaSettings = field(default_factory=SyntheticCodaSettings)
    pairs: Mapping[str, Mapping] = field(default_factory=dict)

    #: Sections merged key by key when settings are layered (:meth:`merged`).
    NESTED = ("coda", "p_coda", "polarities")

    @classmethod
    def merged(cls, *layers: Mapping | None, where: str = "synthetic") -> SyntheticSettings:
        """Settings from config sections layered over the defaults.

        Each later layer overrides the earlier ones key by key; ``coda``,
        ``p_coda`` and ``polarities`` are merged key by key too, while
        ``amplitudes`` replaces the set entirely (it selects the phases).
        Typical use: the global ``synthetic`` section, then an array's
        ``synthetic`` entry, then the pair's (:func:`pair_overrides`).

        Raises
        ------
        ConfigError
            For an unknown key or a bad value, naming it.
        """
        out: dict = {}
        for layer in layers:
            for key, val in (layer or {}).items():
                if key in cls.NESTED and isinstance(val, Mapping):
                    out[key] = {**out.get(key, {}), **val}
                else:
                    out[key] = val
        return cls.from_dict(out, where=where)

    @classmethod
    def for_pair(
        cls,
        global_section: Mapping | None,
        array_section: Mapping | None,
        array: str,
        event_id: str,
    ) -> SyntheticSettings:
        """The settings of one pair: global section, array's section, then the pair's entry
        of the global ``pairs`` (each layered key by key, see :meth:`merged`).

        Raises
        ------
        ConfigError
            For a bad key or value, naming it; ``pairs`` inside an array's section.
        """
        glob = dict(global_section or {})
        pairs = glob.pop("pairs", None) or {}
        if "pairs" in (array_section or {}):
            raise ConfigError(
                f"config key 'arrays.{array}.synthetic.pairs': per-pair settings belong in "
                "the global synthetic section (synthetic.pairs)"
            )
        return cls.merged(glob, array_section, pairs.get(f"{array}/{event_id}"))

    def __post_init__(self):
        if self.wavelet not in WAVELETS:
            raise ConfigError(
                f"synthetic setting 'wavelet' {self.wavelet!r} is not one of {', '.join(WAVELETS)}"
            )
        self._check_phase_tables()
        for key in ("depth_phase_min_km", "mb_max", "depth_phase_radiation_p"):
            _set(self, key, _number(getattr(self, key), key))
        _set(
            self,
            "depth_phase_radiation_s",
            _number(self.depth_phase_radiation_s, "depth_phase_radiation_s"),
        )
        for key in ("statics_std_s", "amplitude_jitter"):
            _set(self, key, _number(getattr(self, key), key, lo=0.0))
        positive = ("sampling_rate_hz", "wavelet_hz", "surface_velocity_km_s")
        for key in positive:
            _set(self, key, _number(getattr(self, key), key, lo=0.0, lo_open=True))
        for key in ("noise_level", "noise_coherence"):
            _set(self, key, _number(getattr(self, key), key, lo=0.0, hi=1.0))
        if self.wavelet_hz >= self.sampling_rate_hz / 2.0:
            raise ConfigError(
                f"synthetic setting 'wavelet_hz' = {self.wavelet_hz} must be below the Nyquist "
                f"frequency {self.sampling_rate_hz / 2.0} Hz"
            )
        if self.p_amplitude_nm_s is not None:
            _set(self, "p_amplitude_nm_s", _number(self.p_amplitude_nm_s, "p_amplitude_nm_s", 0.0))
        for key in ("noise", "elevation_correction"):
            if not isinstance(getattr(self, key), bool):
                raise ConfigError(f"synthetic setting '{key}' must be true or false")
        sr = self.noise_slowness_s_km
        if (
            not isinstance(sr, list | tuple)
            or len(sr) != 2
            or not all(isinstance(v, int | float) for v in sr)
            or not 0 <= sr[0] <= sr[1]
        ):
            raise ConfigError(
                "synthetic setting 'noise_slowness_s_km' must be [min, max] s/km with "
                f"0 <= min <= max, got {sr!r}"
            )
        _set(self, "noise_slowness_s_km", tuple(sr))
        if isinstance(self.coda, Mapping):
            _set(self, "coda", SyntheticCodaSettings.from_dict(self.coda, where="synthetic.coda"))
        if isinstance(self.p_coda, Mapping):
            p_coda = SyntheticPCodaSettings.from_dict(self.p_coda, where="synthetic.p_coda")
            _set(self, "p_coda", p_coda)
        _set(self, "omit_phases", _phase_names(self.omit_phases, "omit_phases"))
        self._check_pairs()

    def _check_pairs(self) -> None:
        if not isinstance(self.pairs, Mapping):
            raise ConfigError("synthetic setting 'pairs' must map 'ARRAY/EVENT_ID' to settings")
        checked = {}
        for key, layer in self.pairs.items():
            where = f"synthetic.pairs.{key}"
            if not isinstance(key, str) or key.count("/") != 1 or "" in key.split("/"):
                raise ConfigError(f"config key '{where}': a pair is named 'ARRAY/EVENT_ID'")
            if not isinstance(layer, Mapping) or "pairs" in layer:
                raise ConfigError(
                    f"config key '{where}': must be synthetic settings (without 'pairs')"
                )
            type(self).merged(layer, where=where)
            checked[key] = MappingProxyType(dict(layer))
        _set(self, "pairs", MappingProxyType(checked))

    def _check_phase_tables(self) -> None:
        amps = self.amplitudes
        if not isinstance(amps, Mapping) or not amps:
            raise ConfigError(
                "synthetic setting 'amplitudes' must be a non-empty mapping phase -> amplitude"
            )
        amps = {ph: _number(v, f"amplitudes.{ph}", lo=0.0) for ph, v in amps.items()}
        _set(self, "amplitudes", MappingProxyType(amps))
        for ph, pol in self.polarities.items():
            if pol not in (-1, 1):
                raise ConfigError(f"synthetic setting 'polarities.{ph}' must be +1 or -1")
        _set(self, "polarities", MappingProxyType(dict(self.polarities)))
        ts = self.tstar
        if isinstance(ts, Mapping):
            ts = MappingProxyType({ph: _number(v, f"tstar.{ph}", lo=0.0) for ph, v in ts.items()})
        elif ts is not None:
            ts = _number(ts, "tstar", lo=0.0)
        _set(self, "tstar", ts)

    def tstar_of(self, phase: str) -> float:
        """t* (s) of ``phase``: 0 unless set for it or for all phases."""
        if self.tstar is None:
            return 0.0
        if isinstance(self.tstar, Mapping):
            return float(self.tstar.get(phase, 0.0))
        return float(self.tstar)

    def polarity_of(self, phase: str) -> int:
        """Polarity (+1 or -1) of ``phase``."""
        return int(self.polarities.get(phase, 1))
