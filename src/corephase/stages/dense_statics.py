"""Empirical station statics in the stack stage (dense-network pairs; IMS arrays on request).

Not a rule of its own: :func:`corephase.stages.stack.stack_pair` calls
:meth:`PairStatics.apply` once per band, before any beam, and
:meth:`PairStatics.write` at the end. Per band the statics are measured on the
band's record (:func:`corephase.signal.statics.phase_statics`: the first of
``statics.phases`` in the pair's arrival list, aligned like the detection, i.e.
TauP per element plus elevation statics and the configured ``stack.detection.statics``),
gated by their quality (:func:`corephase.signal.statics.quality_gate`) and added to
the detection's ``statics`` table, which every beam, vespagram and resample of the
band then uses through :func:`corephase.signal.alignment.element_delays`.
The FK analysis steers plane waves on the unaligned record and does not use them.

The config section ``statics`` is the pair's array entry's ``statics``
(:class:`corephase.config.dense.StaticsSettings`; the stack rule passes it): dense
pairs always carry one (method ``empirical`` unless configured), IMS arrays only
when configured. Without one, nothing is measured and the table is empty.
"""

from __future__ import annotations

import logging

import numpy as np

from corephase.config.dense import StaticsSettings
from corephase.config.stack import StackSettings

log = logging.getLogger("corephase")

#: Columns of ``stack/statics.csv``: one row per band and station.
STATICS_COLUMNS = [
    "band",
    "phase",
    "station",
    "static_s",
    "sigma_s",
    "mean_cc",
    "applied",
    "reason",
    "rms_residual_s",
    "n_pairs",
]


class PairStatics:
    """The empirical statics of one pair, band by band, and their table.

    Parameters
    ----------
    config : dict
        The stack stage's config; ``config["statics"]`` (the pair's array entry's
        ``statics``, may be absent or None) and ``config["model"]`` are read.
    """

    def __init__(self, config: dict):
        cfg = config.get("statics")
        self.settings = None if cfg is None else StaticsSettings.from_dict(cfg, where="statics")
        self.model = config["model"]
        self.rows: list[dict] = []

    @property
    def enabled(self) -> bool:
        """Whether statics are measured (a ``statics`` entry with method ``empirical``)."""
        return self.settings is not None and self.settings.method == "empirical"

    def apply(
        self,
        settings: StackSettings,
        data,
        dt: float,
        t_start_s: float,
        geometry,
        event,
        arrival_list,
        band: str,
    ) -> StackSettings:
        """The stack settings of one band with its empirical statics added.

        Parameters
        ----------
        settings : StackSettings
            The pair's stack settings (their ``detection.statics`` are kept and added to).
        data : numpy.ndarray, shape (n_elements, n_samples)
            The band's record, rows in the order of ``geometry.codes``.
        dt, t_start_s : float
            Sample interval (s) and time of sample 0 (s after origin).
        geometry, event
            The pair's geometry and event.
        arrival_list : list of PhaseArrival
            The pair's arrival list (the strong phase is chosen from it).
        band : str
            Band name (the table's ``band``).

        Returns
        -------
        StackSettings
            ``settings`` unchanged when disabled, no phase is listed, the window
            leaves the record or too few stations pass (the reason is in the table);
            else with ``detection.statics`` = configured + measured (s, per code).
        """
        if not self.enabled:
            return settings
        s = self.settings
        listed = {}
        for a in arrival_list:
            listed.setdefault(a.phase, a)
        phase = next((p for p in s.phases if p in listed), None)
        if phase is None:
            self._band_failed(geometry, band, "", f"none of {list(s.phases)} listed")
            return settings
        base = dict(settings.detection.statics)
        try:
            res = self._measure(
                data, dt, t_start_s, geometry, event, listed[phase], settings.detection
            )
        except ValueError as err:
            self._band_failed(geometry, band, phase, str(err))
            return settings
        table, applied, reasons = _gate(res, s)
        self._rows(res, band, phase, table, applied, reasons)
        log.info(
            "statics %s: %d of %d stations from %s, rms residual %.3f s",
            band,
            int(applied.sum()),
            len(geometry),
            phase,
            res.rms_residual_s,
        )
        if not table:
            return settings
        total = {c: base.get(c, 0.0) + v for c, v in table.items()}
        total.update({c: v for c, v in base.items() if c not in total})
        return settings.replace(detection=settings.detection.replace(statics=total))

    def _measure(self, data, dt, t_start_s, geometry, event, arrival, det):
        """MCCC statics of ``arrival`` aligned as the detection ``det`` aligns."""
        from corephase.signal.statics import phase_statics

        s = self.settings
        return phase_statics(
            data,
            dt,
            t_start_s,
            geometry,
            event,
            arrival.phase,
            tuple(s.window_s),
            model=self.model,
            slowness_s_km=float(arrival.slowness_s_km),
            v_surface_km_s=det.v_surface_km_s,
            base_statics=dict(det.statics),
            max_lag_s=s.max_lag_s,
            min_cc=s.min_cc,
            min_pairs=s.min_pairs,
        )

    def _band_failed(self, geometry, band: str, phase: str, reason: str) -> None:
        log.warning("statics %s: none applied (%s)", band, reason)
        for code in geometry.codes:
            self.rows.append(
                dict(band=band, phase=phase, station=code, applied=False, reason=reason)
            )

    def _rows(self, res, band, phase, table, applied, reasons) -> None:
        for i, code in enumerate(res.codes):
            self.rows.append(
                dict(
                    band=band,
                    phase=phase,
                    station=code,
                    static_s=table.get(code, np.nan),
                    sigma_s=float(res.sigma_s[i]),
                    mean_cc=float(res.mean_cc[i]),
                    applied=bool(applied[i]),
                    reason=reasons[i],
                    rms_residual_s=res.rms_residual_s,
                    n_pairs=res.n_pairs,
                )
            )

    def write(self, path) -> None:
        """Write the table (:data:`STATICS_COLUMNS`, header only when nothing was measured)."""
        from corephase.io.files import write_rows

        write_rows(self.rows, STATICS_COLUMNS, path)


def _gate(res, s: StaticsSettings):
    from corephase.signal.statics import quality_gate

    return quality_gate(res, s.max_sigma_s, s.min_stations, s.min_cc, s.min_pairs)
