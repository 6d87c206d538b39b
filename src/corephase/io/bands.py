"""The preprocessed band record: one band of one pair as a matrix, and its ``.npz`` file.

The preprocess stage writes each band as ``preprocessed/{band}.npz`` (:func:`write_band`);
the stack, coda and figures jobs read it back (:func:`read_band`) without ObsPy. The file
is an uncompressed NumPy ``.npz`` without pickled objects, with four arrays:

``data``
    ``(n_elements, n_samples)`` float32 samples (input units), rows in the order of the
    pair geometry (``pair.json``).
``ids``
    ``(n_elements,)`` SEED ids ``NET.STA.LOC.CHA`` of the rows.
``dt``
    Sample interval, s (0-d float64).
``t0_ns``
    Time of the first sample, ns since 1970-01-01 UTC (0-d int64), the integer an
    :class:`obspy.UTCDateTime` holds (``UTCDateTime(ns=t0_ns)``).

A band without usable traces (a pair that failed) is an empty record: no rows, no samples,
``dt`` NaN. :meth:`BandRecord.to_stream` gives the record as an :class:`obspy.Stream`
(one trace per row) for users who want one; :meth:`BandRecord.from_stream` makes a
record of a Stream on one time grid.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from corephase.io.files import atomic_path

if TYPE_CHECKING:
    from obspy import Stream

#: The arrays of a band file, in the order they are written.
KEYS = ("data", "ids", "dt", "t0_ns")


@dataclass(frozen=True, eq=False)
class BandRecord:
    """One band of a pair's record on one time grid.

    Attributes
    ----------
    data : numpy.ndarray
        ``(n_elements, n_samples)`` samples, one row per element (float32 as the
        preprocess stage writes them).
    ids : tuple of str
        SEED ids ``NET.STA.LOC.CHA`` of the rows, in order.
    dt : float
        Sample interval, s (NaN for an empty record).
    t0_ns : int
        Time of the first sample, ns since 1970-01-01 UTC (as
        :class:`obspy.UTCDateTime` stores it).
    """

    data: np.ndarray
    ids: tuple[str, ...]
    dt: float
    t0_ns: int

    @classmethod
    def empty(cls) -> BandRecord:
        """The record of a band without usable traces."""
        return cls(np.zeros((0, 0), np.float32), (), float("nan"), 0)

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def npts(self) -> int:
        """Samples per row."""
        return int(self.data.shape[1])

    def seconds_after(self, time_ns: int) -> float:
        """Time of the first sample in s after ``time_ns`` (ns since 1970, e.g. an event's
        :attr:`~corephase.model.events.Event.origin_ns`).

        The number ``UTCDateTime(ns=t0_ns) - UTCDateTime(ns=time_ns)`` gives in ObsPy at
        its default precision: the difference in s rounded to 6 decimals (1 us).
        """
        return round((self.t0_ns - int(time_ns)) / 1e9, 6)

    @classmethod
    def from_stream(cls, stream: Stream, dtype=np.float32) -> BandRecord:
        """The record of ``stream``: one row per trace, in the Stream's order.

        Parameters
        ----------
        stream : obspy.Stream
            Traces on one time grid (same sampling rate and length, start times within
            half a sample of the first trace's, which is the record's start).
        dtype : numpy dtype
            Type of ``data`` (float32 as the band files store it; ``float`` keeps float64).

        Raises
        ------
        ValueError
            If the traces differ in sampling rate, start time (by more than half a
            sample) or length.
        """
        if not len(stream):
            return cls.empty()
        rates = {float(tr.stats.sampling_rate) for tr in stream}
        if len(rates) != 1:
            raise ValueError(f"traces have different sampling rates {sorted(rates)} Hz")
        dt = 1.0 / rates.pop()
        t0 = stream[0].stats.starttime
        off = [abs(tr.stats.starttime - t0) for tr in stream]
        if max(off) > 0.5 * dt:
            raise ValueError(f"traces start at different times (spread {max(off):.3f} s)")
        npts = {tr.stats.npts for tr in stream}
        if len(npts) != 1:
            raise ValueError(f"traces have different lengths {sorted(npts)} samples")
        data = np.vstack([np.asarray(tr.data, dtype) for tr in stream])
        return cls(data, tuple(tr.id for tr in stream), dt, int(t0.ns))

    def to_stream(self) -> Stream:
        """The record as an :class:`obspy.Stream`: one trace per row, SEED codes from
        :attr:`ids`, start ``UTCDateTime(ns=t0_ns)``, sampling rate ``1 / dt``."""
        from obspy import Stream, Trace, UTCDateTime

        traces = []
        for sid, row in zip(self.ids, self.data, strict=True):
            net, sta, loc, cha = sid.split(".")
            header = {"network": net, "station": sta, "location": loc, "channel": cha}
            header.update(delta=self.dt, starttime=UTCDateTime(ns=self.t0_ns))
            traces.append(Trace(data=row.copy(), header=header))
        return Stream(traces)


def write_band(record: BandRecord, path) -> None:
    """Write ``record`` as an uncompressed ``.npz`` (the arrays of :data:`KEYS`),
    atomically (a failed write leaves no file)."""
    arrays = {
        "data": np.ascontiguousarray(record.data),
        "ids": np.array(record.ids, dtype=str).reshape(-1),
        "dt": np.float64(record.dt),
        "t0_ns": np.int64(record.t0_ns),
    }
    with atomic_path(path) as tmp, open(tmp, "wb") as fh:
        np.savez(fh, **arrays)


def read_band(path) -> BandRecord:
    """Read a band file written by :func:`write_band` (no ObsPy import).

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        Naming ``path``, if it is not such a file: not an ``.npz`` (or truncated),
        arrays missing or pickled, or of the wrong shape or type.
    """
    try:
        with np.load(path, allow_pickle=False) as npz:
            missing = [k for k in KEYS if k not in npz.files]
            if missing:
                raise ValueError(f"arrays {missing} missing (has {sorted(npz.files)})")
            arrays = {k: npz[k] for k in KEYS}
    except (zipfile.BadZipFile, EOFError, OSError, ValueError) as err:
        if isinstance(err, FileNotFoundError):
            raise
        raise ValueError(f"{path}: not a preprocessed band file: {err}") from err
    return _record(arrays, path)


def _record(arrays: dict, path) -> BandRecord:
    """The record of the arrays of a band file; ValueError naming ``path`` if they do not
    fit together."""
    data, ids, dt, t0 = (arrays[k] for k in KEYS)
    problem = None
    if data.ndim != 2 or data.dtype.kind != "f":
        problem = f"data must be a 2-D float array, got {data.dtype} of shape {data.shape}"
    elif ids.ndim != 1 or ids.dtype.kind != "U" or ids.size != data.shape[0]:
        problem = f"ids must be {data.shape[0]} strings, got {ids.dtype} of shape {ids.shape}"
    elif dt.shape or t0.shape or dt.dtype.kind != "f" or t0.dtype.kind not in "iu":
        problem = f"dt and t0_ns must be a float and an integer, got {dt!r} and {t0!r}"
    elif data.shape[0] and not (np.isfinite(dt) and dt > 0):
        problem = f"dt must be a positive number of s, got {dt}"
    if problem is not None:
        raise ValueError(f"{path}: not a preprocessed band file: {problem}")
    return BandRecord(data, tuple(ids.tolist()), float(dt), int(t0))
