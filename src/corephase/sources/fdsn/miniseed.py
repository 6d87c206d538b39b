"""miniSEED as downloaded: whole-record check, reading (empty files too), checksums."""

from __future__ import annotations

import hashlib
import io
import warnings
from pathlib import Path

from obspy import Stream, read

from corephase.sources.fdsn.client import TruncatedMiniSEED


def check_miniseed(data: bytes) -> int:
    """Check that ``data`` is a whole number of miniSEED 2 records.

    ObsPy silently drops a truncated last record, so a cut-off download would
    otherwise pass unnoticed.

    Returns
    -------
    int
        Number of records.

    Raises
    ------
    TruncatedMiniSEED
    """
    from obspy.io.mseed.util import get_record_information

    n = len(data)
    off = 0
    nrec = 0
    buf = io.BytesIO(data)
    while off < n:
        if n - off < 48:
            raise TruncatedMiniSEED(f"miniSEED ends inside a record header at byte {off} of {n}")
        hdr = data[off : off + 8]
        if not (hdr[:6].strip(b" 0123456789") == b"" and hdr[6:7] in b"DRQM "):
            raise TruncatedMiniSEED(f"no miniSEED record header at byte {off} of {n}")
        try:
            info = get_record_information(buf, offset=off)
        except Exception as exc:
            raise TruncatedMiniSEED(f"unreadable miniSEED record at byte {off}: {exc}") from exc
        reclen = int(info.get("record_length") or 0)
        if reclen < 128:
            raise TruncatedMiniSEED(f"miniSEED record at byte {off} has no valid length")
        if off + reclen > n:
            raise TruncatedMiniSEED(
                f"miniSEED truncated: record at byte {off} needs {reclen} bytes, "
                f"only {n - off} left"
            )
        off += reclen
        nrec += 1
    return nrec


def read_fetched(path) -> Stream:
    """Read a fetched miniSEED file; an empty (zero-byte) file gives an empty Stream."""
    if Path(path).stat().st_size == 0:
        return Stream()
    return read(str(path), format="MSEED")


def sha256_file(path) -> str:
    """Hex SHA-256 of a file."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _is_fdsn_client(client) -> bool:
    from obspy.clients.fdsn import Client

    return isinstance(client, Client)


def download_waveforms(client, bulk: list[tuple]) -> Stream:
    """One bulk dataselect request; the raw miniSEED is checked record by record.

    ``bulk`` holds ``(network, station, location, channel, start, end)`` lines.
    """
    if _is_fdsn_client(client):
        raw = io.BytesIO()
        client.get_waveforms_bulk(bulk, filename=raw)
        data = raw.getvalue()
        if not data:
            from obspy.clients.fdsn.header import FDSNNoDataException

            raise FDSNNoDataException("empty response body")
        check_miniseed(data)
        with warnings.catch_warnings():
            warnings.simplefilter("error", UserWarning)
            return read(io.BytesIO(data), format="MSEED")
    return client.get_waveforms_bulk(bulk)
