"""Settings of the synthetic source (:func:`corephase.sources.synthetic.synthesize`).

The schema's ``$defs.synthetic`` declares no defaults: the global ``synthetic``
section and an array's ``synthetic`` entry are layered over the defaults here,
key by key (:meth:`SyntheticSettings.merged`). Values are checked when the
settings are made; a bad value raises :class:`~corephase.config.ConfigError`
naming its key.
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


@section("$defs.synthetic.coda", schema_fills_defaults=False)
@dataclass(frozen=True)
class SyntheticCodaSettings(Settings):
    """Scattered coda after each synthetic phase.

    ``ratio``: RMS envelope at the onset relative to the phase peak;
    ``decay_s``: amplitude decay time, s; ``coherence``: fraction of the coda
    power coherent across the array (0-1).
    """

    ratio: float = 0.3
    decay_s: float = 20.0
    coherence: float = 0.0

    def __post_init__(self):
        _set(self, "ratio", _number(self.ratio, "coda.ratio", lo=0.0))
        _set(self, "decay_s", _number(self.decay_s, "coda.decay_s", lo=0.0, lo_open=True))
        _set(self, "coherence", _number(self.coherence, "coda.coherence", lo=0.0, hi=1.0))


def _default_amplitudes() -> Mapping[str, float]:
    return {
        "P": 1.0,
        "pP": 0.4,
        "sP": 0.3,
        "PcP": 0.12,
        "ScP": 0.2,
        "PKiKP": 0.012,
        "PKIIKP": 0.006,
        "PKJKP": 0.0015,
    }


@section("$defs.synthetic", schema_fills_defaults=False)
@dataclass(frozen=True)
class SyntheticSettings(Settings):
    """Physics and sampling of synthetic records (see :mod:`corephase.sources.synthetic`).

    ``amplitudes`` (peak relative to P) selects the phases; ``polarities``
    (+1/-1, default +1) and ``tstar`` (s; one value or phase -> value) are per
    phase. Depth phases (names starting with lower-case p or s) are made only
    for events deeper than ``depth_phase_min_km``. The P amplitude follows from
    the magnitude (capped at ``mb_max``, period ``magnitude_period_s`` in the mb
    relation) unless ``p_amplitude_nm_s`` is set. ``statics_std_s`` (s) and
    ``amplitude_jitter`` (std of the natural log) are per-element site terms;
    ``elevation_correction`` delays elements by ``elev * sqrt(1/v^2 - p^2)``
    with ``v = surface_velocity_km_s``. Noise: Peterson model at
    ``noise_level`` (0 = NLNM, 1 = NHNM), a fraction ``noise_coherence`` of its
    power in plane waves with slowness in ``noise_slowness_s_km`` (s/km).
    """

    sampling_rate_hz: float = 20.0
    noise: bool = True
    noise_level: float = 0.5
    noise_coherence: float = 0.0
    noise_slowness_s_km: tuple[float, float] = (0.1, 0.3)
    wavelet: str = "ricker"
    wavelet_hz: float = 1.5
    amplitudes: Mapping[str, float] = field(default_factory=_default_amplitudes)
    polarities: Mapping[str, int] = field(default_factory=lambda: {"pP": -1, "sP": -1})
    tstar: float | Mapping[str, float] | None = None
    magnitude_period_s: float = 1.0
    mb_max: float = 6.5
    p_amplitude_nm_s: float | None = None
    statics_std_s: float = 0.03
    amplitude_jitter: float = 0.1
    elevation_correction: bool = False
    surface_velocity_km_s: float = 5.8
    depth_phase_min_km: float = 40.0
    coda: SyntheticCodaSettings = field(default_factory=SyntheticCodaSettings)

    #: Sections merged key by key when settings are layered (:meth:`merged`).
    NESTED = ("coda", "polarities")

    @classmethod
    def merged(cls, *layers: Mapping | None, where: str = "synthetic") -> SyntheticSettings:
        """Settings from config sections layered over the defaults.

        Each later layer overrides the earlier ones key by key; ``coda`` and
        ``polarities`` are merged key by key too, while ``amplitudes`` replaces
        the set entirely (it selects the phases). Typical use: the global
        ``synthetic`` section, then an array's ``synthetic`` entry.

        Raises
        ------
        ConfigError
            For an unknown key or a bad value, naming it.
        """
        out: dict = {"polarities": dict(cls().polarities)}
        for layer in layers:
            for key, val in (layer or {}).items():
                if key in cls.NESTED and isinstance(val, Mapping):
                    out[key] = {**out.get(key, {}), **val}
                else:
                    out[key] = val
        return cls.from_dict(out, where=where)

    def __post_init__(self):
        if self.wavelet not in WAVELETS:
            raise ConfigError(
                f"synthetic setting 'wavelet' {self.wavelet!r} is not one of {', '.join(WAVELETS)}"
            )
        self._check_phase_tables()
        for key in ("depth_phase_min_km", "mb_max"):
            _set(self, key, _number(getattr(self, key), key))
        for key in ("statics_std_s", "amplitude_jitter"):
            _set(self, key, _number(getattr(self, key), key, lo=0.0))
        positive = ("sampling_rate_hz", "wavelet_hz", "magnitude_period_s")
        positive += ("surface_velocity_km_s",)
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
