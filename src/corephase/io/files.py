"""Input/output: element tables, StationXML <-> geometry, local archives, atomic writes.

Every writer here writes to a temporary file in the target folder and renames
it into place, so an interrupted job never leaves a partial output. ObsPy is
imported by the functions that read or write ObsPy objects only, so that jobs
that never touch a Stream do not pay for importing it.
"""

from __future__ import annotations

import csv
import json
import os
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from obspy import Inventory, Stream

# --------------------------------------------------------------------------- atomic writes


@contextmanager
def atomic_path(path):
    """Yield a temporary path beside ``path``; rename it to ``path`` on success.

    On an exception the temporary file is removed and ``path`` is untouched.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    umask = os.umask(0)
    os.umask(umask)
    try:
        yield Path(tmp)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def jsonable(o):
    """``o`` made JSON-ready: string keys, lists, Python scalars, non-finite floats as None."""
    if isinstance(o, dict):
        return {str(k): jsonable(v) for k, v in o.items()}
    if isinstance(o, list | tuple):
        return [jsonable(v) for v in o]
    if isinstance(o, np.generic):
        o = o.item()
    if isinstance(o, float) and not np.isfinite(o):
        return None
    obspy = sys.modules.get("obspy")  # a UTCDateTime exists only once ObsPy is imported
    if obspy is not None and isinstance(o, obspy.UTCDateTime):
        return str(o)
    return o


def write_json(obj, path) -> None:
    """Write JSON atomically (sorted keys, NaN as null)."""
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(jsonable(obj), indent=2, sort_keys=True) + "\n")


def read_json(path) -> dict:
    """Read a JSON file."""
    return json.loads(Path(path).read_text())


def write_stream(stream: Stream, path, dtype=None) -> None:
    """Write a Stream as miniSEED atomically; an empty Stream gives an empty file.

    ``dtype`` (e.g. ``numpy.float32``) converts the samples first; otherwise
    integer data stay integer and anything else is written as float64. The
    encoding is chosen from the data type.
    """
    with atomic_path(path) as tmp:
        if len(stream):
            stream = stream.copy()
            for tr in stream:
                if dtype is not None:
                    tr.data = np.ascontiguousarray(tr.data, dtype=dtype)
                elif tr.data.dtype not in (np.float32, np.float64, np.int32):
                    tr.data = tr.data.astype(np.float64)
                tr.stats.pop("mseed", None)
            stream.write(str(tmp), format="MSEED")
        else:
            tmp.write_bytes(b"")


def read_stream(path) -> Stream:
    """Read miniSEED; an empty file gives an empty Stream."""
    from obspy import Stream, read

    if Path(path).stat().st_size == 0:
        return Stream()
    return read(str(path), format="MSEED")


def write_inventory(inv: Inventory, path) -> None:
    """Write StationXML atomically."""
    with atomic_path(path) as tmp:
        inv.write(str(tmp), format="STATIONXML")


def write_table(df, path) -> None:
    """Write a pandas DataFrame as CSV atomically (no index)."""
    with atomic_path(path) as tmp:
        df.to_csv(tmp, index=False)


def row_columns(rows) -> list[str]:
    """The keys of dicts ``rows`` in order of first appearance (as ``pandas.DataFrame(rows)``
    and ``pandas.concat`` of one-row frames order their columns)."""
    return list(dict.fromkeys(k for r in rows for k in r))


def write_rows(rows, columns, path) -> None:
    """Write dicts as a CSV table atomically, without pandas: the text of :func:`write_table`.

    ``rows`` are dicts; ``columns`` (e.g. :func:`row_columns`) names the columns in order,
    and a key a row lacks is a missing value. Each column is written as
    :meth:`pandas.DataFrame.to_csv` writes the column ``pandas.DataFrame(rows)`` would
    hold (:func:`csv_column`): missing values (None, NaN) as empty fields, numbers as
    float64 (NumPy's shortest round-trip text) when any is a float or missing, fields
    quoted only where needed, one newline-terminated line per row.
    """
    cells = [csv_column([r.get(c) for r in rows]) for c in columns]
    with atomic_path(path) as tmp, open(tmp, "w", newline="") as fh:
        out = csv.writer(fh, lineterminator="\n")
        out.writerow(columns)
        out.writerows(zip(*cells, strict=True) if cells else [])


def _missing(v) -> bool:
    return v is None or (isinstance(v, float | np.floating) and np.isnan(v))


def csv_column(values: list) -> list:
    """The CSV fields of one column as :meth:`pandas.DataFrame.to_csv` writes them.

    pandas infers the column's type from its values: all booleans (none missing) give a
    bool column (``True``/``False``); numbers only (no booleans), with a float or a
    missing value among them, a float64 column, written with NumPy's ``astype(str)``
    (shortest text that reads back to the same float64); numbers only, all integers, an
    int64 column; anything else an object column written with ``str`` of each value.
    Missing values (None, NaN) are empty fields in every case.
    """
    present = [v for v in values if not _missing(v)]
    numeric = all(
        isinstance(v, int | float | np.number) and not isinstance(v, bool | np.bool_)
        for v in present
    )
    floats = len(present) < len(values) or any(isinstance(v, float | np.floating) for v in present)
    if numeric and floats:
        text = np.array([np.nan if _missing(v) else v for v in values], float).astype(str)
        return ["" if _missing(v) else t for v, t in zip(values, text, strict=True)]
    return ["" if _missing(v) else str(v) for v in values]
