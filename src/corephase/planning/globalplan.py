"""Offline generation of a realistic global study configuration (18 IMS arrays x a decade).

The seed study's full data set pairs the 18 IMS arrays of the packaged element table with
every M>=5 event of about a decade at 10-70 deg: about 10^5 event x array pairs. This
module builds such a configuration without any catalogue service, for planning and
scale tests of the workflow (``bench/bench_planning.py``) and as the template of a real
global run (replace the synthetic catalogue by a real one and the ``synthetic`` source by
``fdsn``).

The synthetic catalogue is made by :mod:`corephase.planning.seismicity`.

Command line::

    python -m corephase.planning.globalplan --out global.yaml              # 2010-2019, seed 1
    python -m corephase.planning.globalplan --out g.yaml --max-pairs 10000 # first pairs in time
    python -m corephase.planning.globalplan --out g.yaml --arrays YKA ILAR --years 2012 2013
    python -m corephase.planning.globalplan --out g.yaml --batches batches.yaml --batch-pairs 2500
"""

from __future__ import annotations

import argparse
import copy
import csv
import sys
from collections import Counter
from importlib import resources
from pathlib import Path

import numpy as np
import yaml

from corephase.config.validation import validate_config
from corephase.model.events import event_from_dict
from corephase.planning.pairs import configured_events, plan_pairs, resolve_references
from corephase.planning.seismicity import synthetic_catalogue
from corephase.planning.stations import unit_vectors

#: Default largest batch of :func:`plan_batches` (pairs; five jobs each). On the 2-core
#: bench machine (``bench/bench_planning.py``, batch-plan mode) a batch of 3,938 pairs of a
#: 10^5-pair study planned in 77 s and 773 MB (3.9 ms per job); 2,000 pairs stay well under
#: a minute (the default of ``corephase run-study --max-pairs`` too).
DEFAULT_BATCH_PAIRS = 2000

#: Network code label of each IMS array in the synthetic configuration (the ``synthetic``
#: source uses it only to name the elements; real runs take codes from StationXML).
ARRAY_NETWORKS = {"YKA": "CN", "ASAR": "AU", "WRA": "AU", "KKAR": "KZ", "ABKAR": "KZ"}

#: Arrays with fewer element rows than this in the packaged table get an idealised
#: layout (10 elements on two rings of 4 km aperture) at their reference point.
MIN_TABLE_ELEMENTS = 3
FALLBACK_LAYOUT = {"kind": "rings", "n": 10, "aperture_km": 4.0}


def ims_arrays(table: str = "ims_array_elements.csv", source: str = "synthetic") -> dict:
    """Config entries of the IMS arrays of the packaged element table.

    The reference point is the table's reference row (station equal to the array name,
    or ``statype`` ``ar``), else the mean position of the elements. Arrays with fewer
    than :data:`MIN_TABLE_ELEMENTS` element rows get :data:`FALLBACK_LAYOUT`.

    Parameters
    ----------
    table : str
        Element table (package data name or path), columns ``array, station, lat, lon``.
    source : {"synthetic", "fdsn"}
        Source written into each array entry.

    Returns
    -------
    dict
        ``{array: config entry}`` in alphabetical order.
    """
    if source not in ("synthetic", "fdsn"):
        raise ValueError(f"source must be 'synthetic' or 'fdsn', got {source!r}")
    path = Path(table)
    packaged = not path.exists()
    if packaged:
        path = Path(str(resources.files("corephase") / "data" / table))
    rows: dict[str, list[dict]] = {}
    with open(path, newline="") as fh:
        for row in csv.DictReader(fh):
            rows.setdefault(row["array"], []).append(row)
    out = {}
    for name in sorted(rows):
        refs = [r for r in rows[name] if r["station"] == name or r.get("statype") == "ar"]
        elems = [r for r in rows[name] if r not in refs]
        use = refs[:1] or elems
        ref_lat = float(np.mean([float(r["lat"]) for r in use]))
        ref_lon = float(np.mean([float(r["lon"]) for r in use]))
        entry = {
            "source": source,
            "network": ARRAY_NETWORKS.get(name, "IM"),
            "station": f"{name[:2]}*",
            "channels": ["SHZ", "BHZ"],
            "ref_lat": round(ref_lat, 5),
            "ref_lon": round(ref_lon, 5),
        }
        if source == "synthetic":
            if len(elems) >= MIN_TABLE_ELEMENTS:
                entry["elements"] = {"csv": table if packaged else str(path)}
            else:
                entry["elements"] = {"layout": dict(FALLBACK_LAYOUT)}
        out[name] = entry
    return out


# ----------------------------------------------------------------------------- config
def global_config(
    years=range(2010, 2020),
    arrays=None,
    rate_per_year: float = 1500.0,
    min_magnitude: float = 5.0,
    seed: int = 1,
    source: str = "synthetic",
    distance_deg=(10.0, 70.0),
    max_pairs: int | None = None,
) -> dict:
    """A workflow configuration of the IMS arrays x a synthetic global catalogue.

    Only events that make at least one pair (an array within ``distance_deg``) are kept.
    With ``max_pairs`` the catalogue is cut after the event, in time order, at which the
    number of pairs reaches ``max_pairs`` (the last event may take it a little beyond).

    Parameters
    ----------
    years : iterable of int
        Years of the catalogue.
    arrays : list of str, optional
        Array names to keep (default: all of the packaged table, 18).
    rate_per_year, min_magnitude, seed
        See :func:`synthetic_catalogue`.
    source : {"synthetic", "fdsn"}
        Source of every array.
    distance_deg : (float, float)
        Epicentral distance range of the pairs (deg).
    max_pairs : int, optional
        Stop adding events once this many pairs are planned.

    Returns
    -------
    dict
        Configuration with keys ``seed``, ``distance_deg``, ``arrays`` and
        ``events.list``; the workflow fills the remaining keys from its schema.
    """
    arr = ims_arrays(source=source)
    if arrays is not None:
        unknown = sorted(set(arrays) - set(arr))
        if unknown:
            raise ValueError(f"unknown arrays {unknown}; known: {sorted(arr)}")
        arr = {k: v for k, v in arr.items() if k in set(arrays)}
    events = synthetic_catalogue(years, rate_per_year, min_magnitude, seed=seed)
    lo, hi = (float(distance_deg[0]), float(distance_deg[1]))
    if not 0 <= lo < hi <= 180:
        raise ValueError(f"distance_deg must satisfy 0 <= min < max <= 180, got {distance_deg}")
    names = list(arr)
    ref = unit_vectors(
        np.array([arr[n]["ref_lat"] for n in names]), np.array([arr[n]["ref_lon"] for n in names])
    )
    ev = unit_vectors(
        np.array([e["latitude"] for e in events]), np.array([e["longitude"] for e in events])
    )
    dist = np.degrees(np.arccos(np.clip(ev @ ref.T, -1.0, 1.0)))
    # half a millidegree of margin: the workflow's own planner decides on the boundary
    npairs = ((dist >= lo - 5e-4) & (dist <= hi + 5e-4)).sum(axis=1)
    keep, total = [], 0
    for e, k in zip(events, npairs, strict=False):
        if k == 0:
            continue
        keep.append(e)
        total += int(k)
        if max_pairs is not None and total >= max_pairs:
            break
    return {
        "seed": int(seed),
        "distance_deg": [lo, hi],
        "arrays": arr,
        "events": {"list": keep},
    }


def count_pairs(config: dict) -> int:
    """Number of event x array pairs the workflow plans for ``config`` (its own planner)."""
    return len(plan_pairs(config, [event_from_dict(e) for e in config["events"]["list"]]))


def select_batch(config: dict, arrays=None, years=None) -> dict:
    """A copy of ``config`` restricted to some arrays and/or origin years.

    The same selection as the workflow's ``batch`` config key (see the README): pairs of
    the selected arrays and of events whose origin year is listed.
    """
    out = dict(config)
    if arrays is not None:
        unknown = sorted(set(arrays) - set(config["arrays"]))
        if unknown:
            raise ValueError(f"batch arrays {unknown} are not configured")
        out["arrays"] = {k: v for k, v in config["arrays"].items() if k in set(arrays)}
    if years is not None:
        ys = {str(int(y)) for y in years}
        out["events"] = {
            **config["events"],
            "list": [e for e in config["events"]["list"] if str(e["time"])[:4] in ys],
        }
    return out


def plan_batches(
    config: dict, max_pairs: int = DEFAULT_BATCH_PAIRS, events=None, base_dir="."
) -> list[dict]:
    """Split a study into batches of arrays and origin years of at most ``max_pairs`` pairs.

    The pairs are those the workflow plans (:func:`corephase.planning.pairs.plan_pairs` on a
    validated copy of ``config``; its ``batch`` key is ignored). An array whose pairs all fit
    is a whole-array batch, and whole arrays (in alphabetical order) share a batch while
    their pairs fit (:func:`split_pairs`). A larger array is cut into runs of consecutive
    origin years that fit. An array-year is the smallest selection the workflow's ``batch``
    key makes: one with more than ``max_pairs`` pairs is a batch of its own (its ``pairs``
    then exceeds ``max_pairs``).
    Arrays without pairs are in no batch. The dense-network pairs (second stage) are in no
    batch either: they need the full catalogue, i.e. the final run without a batch.

    Parameters
    ----------
    config : dict
        Workflow configuration (as loaded from YAML; defaults are filled on a copy).
    max_pairs : int
        Largest number of event x array pairs per batch (each pair is five jobs).
    events : list of Event, optional
        The study's events (default: those of ``events.list`` and ``events.quakeml``;
        pass the catalogue's events for an ``events.catalog`` study).
    base_dir : path
        Folder that relative paths of the config are relative to.

    Returns
    -------
    list of dict
        One dict per batch, in a deterministic order: ``arrays`` (list of names) and
        ``years`` (list of int; absent for whole-array batches), exactly the workflow's
        ``batch`` config key, plus ``pairs`` (int), the batch's number of pairs.

    Raises
    ------
    ValueError
        ``max_pairs`` below 1.
    ConfigError
        The configuration is invalid.
    """
    if max_pairs < 1:
        raise ValueError(f"max_pairs must be at least 1, got {max_pairs}")
    cfg = copy.deepcopy({k: v for k, v in config.items() if k != "batch"})
    validate_config(cfg)
    resolve_references(cfg, base_dir)
    if events is None:
        events = configured_events(cfg, base_dir)
    year = {e.id: int(e.time[:4]) for e in events}
    pairs = plan_pairs(cfg, events)
    cells = Counter((name, year[event_id]) for name, event_id in pairs)
    per_array = {}
    for name, y in cells:
        per_array.setdefault(name, []).append(y)
    batches = []
    for arrays, years in split_pairs(pairs, year, max_pairs):
        n = sum(cells[a, y] for a in arrays for y in (years or per_array[a]))
        batch = {"arrays": list(arrays)}
        if years is not None:
            batch["years"] = list(years)
        batches.append({**batch, "pairs": n})
    return batches


def split_pairs(
    pairs: list[tuple[str, str]], years: dict[str, int], max_pairs: int
) -> list[tuple[tuple[str, ...], tuple[int, ...] | None]]:
    """Cut pairs into (arrays, years) selections of at most ``max_pairs`` pairs each.

    Parameters
    ----------
    pairs : list of (array, event id)
        The study's pairs.
    years : dict
        Origin year of each event id.
    max_pairs : int
        Largest batch (pairs); a single array-year above it is a batch of its own.

    Returns
    -------
    list of (arrays, years)
        ``years`` is None for whole arrays. Whole arrays come first, then the cut ones,
        both in alphabetical order of array and increasing year.
    """
    if max_pairs < 1:
        raise ValueError(f"max_pairs must be at least 1, got {max_pairs}")
    cells: dict[str, dict[int, int]] = {}
    for a, e in pairs:
        per_year = cells.setdefault(a, {})
        per_year[years[e]] = per_year.get(years[e], 0) + 1
    whole: list[tuple[tuple[str, ...], None]] = []
    cut: list[tuple[tuple[str, ...], tuple[int, ...]]] = []
    group: list[str] = []
    size = 0
    for a in sorted(cells):
        n = sum(cells[a].values())
        if n > max_pairs:
            cut += [((a,), run) for run in _year_runs(cells[a], max_pairs)]
            continue
        if group and size + n > max_pairs:
            whole.append((tuple(group), None))
            group, size = [], 0
        group.append(a)
        size += n
    if group:
        whole.append((tuple(group), None))
    return [*whole, *cut]


def _year_runs(per_year: dict[int, int], max_pairs: int) -> list[tuple[int, ...]]:
    runs: list[list[int]] = []
    size = 0
    for y in sorted(per_year):
        if runs and size + per_year[y] <= max_pairs:
            runs[-1].append(y)
            size += per_year[y]
        else:
            runs.append([y])
            size = per_year[y]
    return [tuple(r) for r in runs]


def write_batches(batches: list[dict], path) -> None:
    """Write a batch list of :func:`plan_batches` as YAML (one flow-style line each)."""
    path = Path(path)
    lines = [
        f"# {len(batches)} batches, {sum(b['pairs'] for b in batches)} pairs "
        "(corephase.planning.globalplan.plan_batches)"
    ]
    lines += [
        "- " + yaml.safe_dump(b, default_flow_style=True, sort_keys=False, width=10**6).strip()
        for b in batches
    ]
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text("\n".join(lines) + "\n")
    tmp.replace(path)


def write_config(config: dict, path) -> None:
    """Write ``config`` as YAML (one flow-style line per event), atomically."""
    path = Path(path)
    head = {k: v for k, v in config.items() if k != "events"}
    lines = [
        "# Global study configuration generated by corephase.planning.globalplan (synthetic",
        "# catalogue: see the module's documentation). Other keys take schema defaults.",
        yaml.safe_dump(head, sort_keys=False, default_flow_style=None).rstrip(),
        "events:",
        "  list:",
    ]
    for e in config["events"]["list"]:
        lines.append(
            "    - "
            + yaml.safe_dump(e, default_flow_style=True, sort_keys=False, width=10**6).strip()
        )
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text("\n".join(lines) + "\n")
    tmp.replace(path)


def _year_range(values):
    return range(int(values[0]), int(values[-1]) + 1) if values else range(2010, 2020)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m corephase.planning.globalplan",
        description="Write a global configuration: IMS arrays x synthetic M>=5 catalogue.",
    )
    p.add_argument("--out", required=True, help="YAML file to write")
    p.add_argument(
        "--years",
        nargs="+",
        type=int,
        default=[2010, 2019],
        help="first and last year (inclusive), default 2010 2019",
    )
    p.add_argument("--arrays", nargs="+", help="array names (default: all 18)")
    p.add_argument("--rate", type=float, default=1500.0, help="events per year")
    p.add_argument("--min-magnitude", type=float, default=5.0)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--source", choices=["synthetic", "fdsn"], default="synthetic")
    p.add_argument("--max-pairs", type=int, help="cut the catalogue at this many pairs")
    p.add_argument("--batches", help="also write the study's batch list (YAML) here")
    p.add_argument(
        "--batch-pairs",
        type=int,
        default=DEFAULT_BATCH_PAIRS,
        help=f"largest batch in pairs (default {DEFAULT_BATCH_PAIRS})",
    )
    a = p.parse_args(argv)
    cfg = global_config(
        _year_range(a.years),
        a.arrays,
        a.rate,
        a.min_magnitude,
        a.seed,
        a.source,
        max_pairs=a.max_pairs,
    )
    write_config(cfg, a.out)
    if a.batches:
        batches = plan_batches(cfg, a.batch_pairs)
        write_batches(batches, a.batches)
        n = sum(b["pairs"] for b in batches)
        print(f"{a.batches}: {len(batches)} batches", file=sys.stderr)
    else:
        n = count_pairs(cfg)
    print(
        f"{a.out}: {len(cfg['arrays'])} arrays, {len(cfg['events']['list'])} events, {n} pairs",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
