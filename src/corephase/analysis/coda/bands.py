"""The coda analysis of several bands of one record: :func:`coda_band_rows`."""

from __future__ import annotations

from dataclasses import dataclass, replace

from corephase.analysis.coda.analyse import coda_job, measure_phases
from corephase.analysis.coda.beams import BeamAlignment, SharedShifts
from corephase.analysis.coda.vespagram import add_vespagrams
from corephase.config.coda import CodaSettings


@dataclass(frozen=True)
class CodaBand:
    """One band of a record for :func:`coda_band_rows`.

    Attributes
    ----------
    label : str
        Band name used in the table (e.g. ``"1-2Hz"``).
    band_hz : (float, float)
        Band corners, Hz.
    record : corephase.io.bands.BandRecord or obspy.Stream
        The record preprocessed for this band (see
        :func:`corephase.analysis.coda.analyse_coda`).
    taper_s : float
        Length (s) of the preprocessing taper at each end of the record.
    """

    label: str
    band_hz: tuple[float, float]
    record: object
    taper_s: float = 0.0


def coda_band_rows(
    bands,
    geometry,
    event,
    arrivals,
    settings: CodaSettings | None = None,
    seed: int = 0,
    alignment: BeamAlignment | None = None,
    arrival_list=None,
) -> list:
    """:func:`~corephase.analysis.coda.coda_rows` of every band of one record.

    The bands' coda vespagrams share one slowness sweep
    (:func:`corephase.analysis.coda.vespagram.add_vespagrams`); every number is
    the one :func:`~corephase.analysis.coda.coda_rows` of that band alone gives.

    Parameters
    ----------
    bands : sequence of CodaBand
        The record's bands (same elements and samples for a shared sweep).
    geometry, event, arrivals, settings, seed, alignment, arrival_list
        As for :func:`corephase.analysis.coda.analyse_coda` (``seed``: the pair's;
        each band uses the same draws).

    Returns
    -------
    list
        Per band, in order: ``(rows, arrays)`` as
        :func:`~corephase.analysis.coda.coda_rows` returns them, or the
        :class:`ValueError` it would raise for that band (e.g. no pre-P noise in
        the record window).
    """
    out: list = []
    jobs = []
    for band in bands:
        try:
            job = coda_job(
                band.record,
                geometry,
                event,
                arrivals,
                band.label,
                band.band_hz,
                settings,
                seed,
                alignment,
                band.taper_s,
                arrival_list,
            )
        except ValueError as err:
            out.append(err)
            continue
        jobs.append((len(out), job))
        out.append(None)
    measured = []
    for i, job in _share_shifts(jobs):
        try:
            rows, arrays = measure_phases(job)
        except ValueError as err:
            out[i] = err
            continue
        measured.append((i, (job, rows, arrays)))
        out[i] = (rows, arrays)
    try:
        add_vespagrams([m for _, m in measured])
    except ValueError:  # nothing was changed: one band at a time, as coda_rows does
        for i, m in measured:
            try:
                add_vespagrams([m])
            except ValueError as err:
                out[i] = err
    return out


def _share_shifts(jobs: list) -> list:
    """``(index, job)`` pairs with one :class:`SharedShifts` for the bands on the same samples.

    Each band's alignments are those of the band alone to the last bit; the
    bands share each phase's shift.
    """
    groups: dict = {}
    for i, job in jobs:
        groups.setdefault((job.data.shape, job.rec.dt), []).append((i, job))
    out = []
    for group in groups.values():
        shifts = SharedShifts([job.data for _, job in group], group[0][1].rec.dt)
        for k, (i, job) in enumerate(group):
            out.append((i, replace(job, shifts=shifts, shift_index=k)))
    return sorted(out, key=lambda ij: ij[0])
