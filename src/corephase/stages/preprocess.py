"""Stage ``preprocess``: QC, common grid and band-pass of one pair's records."""

from __future__ import annotations

from obspy import Stream, read_inventory

from corephase.config.preprocess import PreprocessSettings
from corephase.io.bands import BandRecord, write_band
from corephase.io.files import read_json, read_stream, write_json, write_rows
from corephase.io.stations import geometry_from_inventory, listed_elements, open_channels
from corephase.model.events import events_from_quakeml
from corephase.signal.preprocess import bandpass, common_grid, qc_and_merge
from corephase.stages.common import arrivals_dict, geometry_info_from_status, pair_geometry_info


def _drop(stream: Stream, qc: list[dict], ids, reason: str) -> list[dict]:
    """Remove the channels ``ids`` from ``stream`` (in place); their QC rows get ``reason``."""
    ids = set(ids) & {tr.id for tr in stream}
    stream.traces = [tr for tr in stream if tr.id not in ids]
    return [q for q in qc if q["id"] not in ids] + [
        {"id": sid, "kept": False, "reason": reason} for sid in sorted(ids)
    ]


def _with_coordinates(stream: Stream, inv, qc: list[dict]) -> list[dict]:
    """Drop the channels without coordinates in the StationXML (QC rows say so)."""
    missing = []
    for tr in stream:
        try:
            inv.get_coordinates(tr.id, tr.stats.starttime)
        except Exception:  # obspy raises plain Exception when a channel is absent
            missing.append(tr.id)
    return _drop(stream, qc, missing, "no coordinates in StationXML")


def _metadata_duplicates(channels: list[dict]) -> dict[str, int]:
    """SEED ids that the StationXML lists at more than one position: id -> positions."""
    positions: dict[str, set] = {}
    for r in channels:
        positions.setdefault(r["id"], set()).add((r["latitude"], r["longitude"], r["elevation"]))
    return {sid: len(p) for sid, p in positions.items() if len(p) > 1}


def _missing_records(qc: list[dict], arr: dict, channels: list[dict]) -> list[dict]:
    """QC rows of the elements that the StationXML lists but the records lack."""
    patterns = {}
    if arr.get("source") != "synthetic":  # synthetic codes need not match the patterns
        patterns = {k: arr.get(k) or "*" for k in ("network", "station", "location")}
    listed = listed_elements(channels, arr["channels"], **patterns)
    seen = {q["id"].rsplit(".", 1)[0] for q in qc}
    return [
        {"id": sid, "kept": False, "reason": "missing record (no trace for this element)"}
        for sid in listed
        if sid.rsplit(".", 1)[0] not in seen
    ]


def quality_control(
    stream: Stream, inv, arr: dict, t0, t1, pcfg: PreprocessSettings
) -> tuple[Stream, list[dict]]:
    """The usable channels of one pair and a QC row for every element.

    Every element that the StationXML lists (for the array's channels and
    patterns) and every channel in the records gets one row ``{"id", "kept",
    "reason"}``: kept (reason empty, or the seconds of gap interpolated) or
    dropped for non-finite samples, a wrong sampling rate, a duplicate SEED
    id, gaps, short coverage, a dead or clipped trace, no coordinates or a
    missing record (see :func:`corephase.signal.preprocess.qc_and_merge`).
    """
    channels = open_channels(inv, t0, t1)
    stream, qc = qc_and_merge(
        stream,
        t0,
        t1,
        pcfg.max_gap_fraction,
        clip_level=pcfg.clip_level,
        clip_run_samples=pcfg.clip_run_samples,
        expected_rates={r["id"]: r["sample_rate"] for r in channels},
    )
    for sid, n in _metadata_duplicates(channels).items():
        qc = _drop(stream, qc, [sid], f"duplicate SEED id: {n} positions in the StationXML")
    qc = _with_coordinates(stream, inv, qc)
    qc += _missing_records(qc, arr, channels)
    return stream, sorted(qc, key=lambda q: q["id"])


def _pair_status(status: str, reason: str, qc: list[dict]) -> tuple[str, str]:
    """``partial`` (with the count) when some elements have no usable record."""
    bad = sum(not q["kept"] for q in qc)
    if bad and status in ("ok", "partial"):
        count = f"{bad} of {len(qc)} elements without usable records"
        return "partial", f"{count}; {reason}" if reason else count
    return status, reason


def _geometry_dict(geom) -> dict | None:
    """The pair geometry as plain JSON (degrees, metres, aperture km)."""
    if geom is None:
        return None
    return {
        "codes": geom.codes,
        "lat": geom.lat.tolist(),
        "lon": geom.lon.tolist(),
        "elev_m": geom.elev_m.tolist(),
        "aperture_km": geom.aperture_km(),
    }


def preprocess_pair(
    array_name: str,
    arr: dict,
    config: dict,
    raw_mseed,
    stationxml,
    quakeml,
    fetch_status,
    out_bands: dict,
    out_qc,
    out_pair,
) -> dict:
    """QC, resample and band-pass one pair's records for every configured band.

    Writes one band file per band (:func:`corephase.io.bands.write_band`: float32
    samples, rows in the order of the pair geometry, one common time grid; an
    empty record when the pair has no usable traces), a QC table (one row per
    channel, kept or dropped with a reason) and ``pair.json``: event, array,
    geometry, distance, back-azimuth, theoretical arrivals (s after origin,
    slowness s/deg) and status.
    """
    event = events_from_quakeml(quakeml)[0]
    fstat = read_json(fetch_status)
    if "ref_lat" not in arr and fstat.get("reference"):  # found by the fetch stage
        arr = {**arr, "ref_lat": fstat["reference"]["lat"], "ref_lon": fstat["reference"]["lon"]}
    pcfg = PreprocessSettings.from_dict(config.get("preprocess"), where="preprocess")
    info = geometry_info_from_status(fstat, config) or pair_geometry_info(arr, event, config)
    w0, w1 = fstat["window_s_after_origin"]
    t0, t1 = event.origin + w0, event.origin + w1
    status, reason = fstat.get("status", "error"), fstat.get("reason", "")
    problems = "; ".join(f"{q['file']}: {q['reason']}" for q in fstat.get("read_problems", []))
    if problems:  # files read in part (a truncated file): the pair's reason names them
        reason = f"{reason}; {problems}" if reason else problems
    qc: list[dict] = []
    geom = None
    bands_out = {b["name"]: None for b in config["bands"]}
    if status in ("ok", "partial"):
        stream = read_stream(raw_mseed)
        inv = read_inventory(str(stationxml), format="STATIONXML")
        stream, qc = quality_control(stream, inv, arr, t0, t1, pcfg)
        status, reason = _pair_status(status, reason, qc)
        if pcfg.remove_response and len(stream):
            stream.attach_response(inv)
            stream.remove_response(output="VEL", pre_filt=None, water_level=60)
        if len(stream) < pcfg.min_elements:
            status = "too_few_elements"
            reason = f"{len(stream)} usable elements, need {pcfg.min_elements}"
        else:
            stream.sort(keys=["network", "station", "location", "channel"])
            geom = geometry_from_inventory(
                array_name, inv, stream, ref=(arr["ref_lat"], arr["ref_lon"]), time=t0
            )
            grid = common_grid(stream, pcfg.sampling_rate_hz, t0, t1)
            for band in config["bands"]:
                bands_out[band["name"]] = bandpass(
                    grid,
                    band["fmin"],
                    band["fmax"],
                    pcfg.filter_corners,
                    pcfg.taper_fraction,
                )
    for name, path in out_bands.items():
        st = bands_out.get(name)
        write_band(BandRecord.from_stream(st) if st is not None else BandRecord.empty(), path)
    write_rows(qc, ["id", "kept", "reason"], out_qc)
    pair = {
        "array": array_name,
        "event": event.to_dict(),
        "status": status,
        "reason": reason,
        "synthetic": bool(fstat.get("synthetic", False)),
        "source": fstat.get("source"),
        "distance_deg": info["distance_deg"],
        "baz_deg": info["baz_deg"],
        "ref_lat": arr["ref_lat"],
        "ref_lon": arr["ref_lon"],
        "window_s_after_origin": [w0, w1],
        "arrivals": arrivals_dict(info["arrivals"]),
        "arrival_list": fstat.get("arrival_list"),
        "missing_phases": [p for p in config["phases"] if p not in info["arrivals"]],
        "curved_wavefront": bool(arr.get("curved_wavefront", False)),
        "geometry": _geometry_dict(geom),
        "n_elements": 0 if geom is None else len(geom),
    }
    write_json(pair, out_pair)
    return pair
