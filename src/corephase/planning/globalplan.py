"""Offline generation of a realistic global study configuration (18 IMS arrays x a decade).

The seed study's full data set pairs the 18 IMS arrays of the packaged element table with
every M>=5 event of about a decade at 10-70 deg: about 10^5 event x array pairs. This
module builds such a configuration without any catalogue service, for planning and
scale tests of the workflow (``bench/bench_planning.py``) and as the template of a real
global run (replace the synthetic catalogue by a real one and the ``synthetic`` source by
``fdsn``).

The synthetic catalogue
-----------------------
* **Rate**: the number of M>=``min_magnitude`` events per year is Poisson distributed
  with mean ``rate_per_year`` (default 1500, the global rate of M>=5 of the ISC/USGS
  bulletins, about 1300-1700 per year); origin times are uniform within each year.
* **Magnitudes**: Gutenberg-Richter with ``b_value`` (default 1.0) between
  ``min_magnitude`` and ``max_magnitude`` (9.0), rounded to 0.1.
* **Epicentres**: 98 % of the events lie on the world's seismic belts, each a polyline
  of waypoints (trenches, continental collision zones, mid-ocean ridges, rifts; see
  :data:`BELTS`) with a share of the global M>=5 rate taken from the bulletins (e.g. the
  circum-Pacific belts together about 75 %, the Alpide belt about 8 %, the ridges about
  7 %). An event picks a belt by share, a segment by its length, a uniform point along
  it, and is scattered across the belt by a normal offset of standard deviation
  ``width_deg`` of that belt. The remaining 2 % are intraplate events uniform on the
  sphere.
* **Depths**: by belt kind. Subduction zones: 72 % shallow (log-normal around 25 km,
  5-70 km), the rest intermediate (70-300 km, exponential decay of 80 km) and, where
  the slab is deep (Tonga-Fiji, Kuril-Japan, Izu-Bonin-Mariana, Sunda, Andes), 8 % deep
  (300-690 km). Ridges, transforms and rifts: 10 +- 3 km. Continental belts: 90 % at
  5-40 km, 10 % intermediate (Hindu Kush, Aegean, Burma). Globally this gives about
  78 % shallow, 17 % intermediate and 5 % deep events, as in the bulletins.

Everything is drawn from one ``numpy.random.default_rng(seed)``: the same seed gives the
same catalogue and configuration on every machine.

Command line::

    python -m corephase.planning.globalplan --out global.yaml              # 2010-2019, seed 1
    python -m corephase.planning.globalplan --out g.yaml --max-pairs 10000 # first pairs in time
    python -m corephase.planning.globalplan --out g.yaml --arrays YKA ILAR --years 2012 2013
"""

from __future__ import annotations

import argparse
import csv
import sys
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
import yaml

from corephase.model.events import event_from_dict
from corephase.planning.pairs import plan_pairs

#: Network code label of each IMS array in the synthetic configuration (the ``synthetic``
#: source uses it only to name the elements; real runs take codes from StationXML).
ARRAY_NETWORKS = {"YKA": "CN", "ASAR": "AU", "WRA": "AU", "KKAR": "KZ", "ABKAR": "KZ"}

#: Arrays with fewer element rows than this in the packaged table get an idealised
#: layout (10 elements on two rings of 4 km aperture) at their reference point.
MIN_TABLE_ELEMENTS = 3
FALLBACK_LAYOUT = {"kind": "rings", "n": 10, "aperture_km": 4.0}


@dataclass(frozen=True)
class Belt:
    """A seismic belt: a polyline of (lat, lon) waypoints in degrees.

    ``share`` is its fraction of the global M>=5 rate (normalised over all belts),
    ``width_deg`` the standard deviation of the epicentres across the belt (deg),
    ``kind`` one of ``subduction``, ``ridge`` (also rifts, transforms) or ``continental``,
    ``deep`` whether the slab reaches below 300 km.
    """

    name: str
    share: float
    kind: str
    width_deg: float
    waypoints: tuple[tuple[float, float], ...]
    deep: bool = False


#: The seismic belts (approximate traces; shares of the global M>=5 rate).
BELTS: tuple[Belt, ...] = (
    Belt(
        "Kuril-Kamchatka-Japan",
        0.10,
        "subduction",
        1.0,
        ((56, 163), (52, 159), (47, 153), (43, 146), (40, 143), (36, 141), (34, 139)),
        True,
    ),
    Belt(
        "Izu-Bonin-Mariana",
        0.05,
        "subduction",
        0.8,
        ((34, 139), (30, 140), (25, 142), (19, 146), (14, 146), (11, 142)),
        True,
    ),
    Belt(
        "Ryukyu-Taiwan-Philippines",
        0.07,
        "subduction",
        1.0,
        ((31, 131), (27, 128), (24, 122), (19, 121), (14, 121), (10, 126), (6, 127), (2, 127)),
    ),
    Belt(
        "Aleutians-Alaska",
        0.06,
        "subduction",
        0.8,
        ((61, -147), (57, -155), (54, -162), (52, -170), (51, -178), (51, 175), (53, 165)),
    ),
    Belt(
        "Cascadia-California-Gulf of California",
        0.02,
        "ridge",
        0.7,
        ((49, -128), (44, -126), (40, -124), (36, -121), (33, -116), (28, -112), (23, -108)),
    ),
    Belt(
        "Mexico-Central America",
        0.05,
        "subduction",
        0.8,
        ((20, -106), (17, -100), (15, -94), (13, -90), (11, -86), (8, -83)),
    ),
    Belt(
        "Caribbean",
        0.015,
        "subduction",
        0.8,
        ((19, -80), (19, -72), (18, -65), (16, -61), (12, -61), (11, -64)),
    ),
    Belt(
        "Andes",
        0.10,
        "subduction",
        1.5,
        (
            (8, -77),
            (4, -78),
            (0, -80),
            (-5, -81),
            (-12, -77),
            (-18, -71),
            (-24, -69),
            (-30, -71),
            (-36, -73),
            (-42, -74),
            (-46, -76),
        ),
        True,
    ),
    Belt(
        "Tonga-Kermadec-New Zealand",
        0.11,
        "subduction",
        1.2,
        (
            (-15, -173),
            (-20, -175),
            (-25, -176),
            (-30, -177.5),
            (-35, -179),
            (-38, 178),
            (-42, 174),
            (-46, 167),
        ),
        True,
    ),
    Belt(
        "Vanuatu-Solomon-New Britain-New Guinea",
        0.12,
        "subduction",
        1.0,
        (
            (-22, 170),
            (-17, 168),
            (-12, 166),
            (-10, 161),
            (-7, 156),
            (-5, 152),
            (-6, 148),
            (-4, 143),
            (-3, 139),
        ),
    ),
    Belt(
        "Sunda-Banda-Molucca",
        0.12,
        "subduction",
        1.2,
        (
            (12, 93),
            (7, 93),
            (2, 96),
            (-3, 100),
            (-7, 106),
            (-9, 112),
            (-10, 118),
            (-8, 124),
            (-6, 130),
            (-3, 129),
            (0, 126),
        ),
        True,
    ),
    Belt(
        "Alpide",
        0.08,
        "continental",
        1.5,
        (
            (36, -9),
            (37, 5),
            (38, 15),
            (38, 22),
            (39, 28),
            (37, 36),
            (34, 48),
            (29, 57),
            (32, 62),
            (36, 70),
            (35, 75),
            (30, 81),
            (28, 88),
            (26, 94),
            (22, 95),
            (17, 96),
        ),
    ),
    Belt(
        "Central Asia-Tibet",
        0.02,
        "continental",
        1.5,
        ((42, 75), (40, 80), (36, 90), (33, 100), (28, 103)),
    ),
    Belt(
        "Mid-Atlantic Ridge",
        0.03,
        "ridge",
        0.5,
        (
            (70, -15),
            (64, -20),
            (52, -30),
            (40, -29),
            (30, -42),
            (15, -46),
            (5, -33),
            (0, -20),
            (-10, -13),
            (-25, -13),
            (-40, -16),
            (-53, 0),
        ),
    ),
    Belt(
        "East Pacific Rise-Pacific-Antarctic Ridge",
        0.025,
        "ridge",
        0.5,
        (
            (20, -109),
            (10, -104),
            (0, -102),
            (-15, -113),
            (-30, -112),
            (-40, -92),
            (-55, -125),
            (-62, -160),
            (-60, 160),
        ),
    ),
    Belt(
        "Carlsberg-Central and Southeast Indian Ridge",
        0.02,
        "ridge",
        0.5,
        (
            (14, 52),
            (10, 58),
            (2, 67),
            (-10, 66),
            (-20, 68),
            (-30, 76),
            (-40, 80),
            (-47, 96),
            (-50, 115),
            (-50, 130),
            (-55, 150),
        ),
    ),
    Belt(
        "Southwest Indian Ridge", 0.01, "ridge", 0.5, ((-26, 70), (-35, 55), (-45, 30), (-54, 0))
    ),
    Belt(
        "Scotia-South Sandwich",
        0.015,
        "subduction",
        0.8,
        ((-54, -38), (-56, -30), (-58, -26), (-60, -28), (-61, -40)),
    ),
    Belt(
        "East African Rift-Red Sea-Gulf of Aden",
        0.01,
        "ridge",
        0.8,
        ((30, 33), (20, 39), (13, 43), (12, 48), (12, 44), (8, 39), (0, 36), (-8, 31), (-15, 35)),
    ),
)

#: Share of intraplate events, uniform on the sphere.
BACKGROUND_SHARE = 0.02


# ----------------------------------------------------------------------------- geometry
def _unit(lat, lon):
    la, lo = np.radians(lat), np.radians(lon)
    return np.stack([np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)], axis=-1)


def _latlon(v):
    v = v / np.linalg.norm(v, axis=-1, keepdims=True)
    return np.degrees(np.arcsin(np.clip(v[..., 2], -1, 1))), np.degrees(
        np.arctan2(v[..., 1], v[..., 0])
    )


def _slerp(a, b, f):
    """Points at fraction ``f`` along the great circle from unit vectors a to b."""
    omega = np.arccos(np.clip(np.sum(a * b, axis=-1), -1, 1))[..., None]
    so = np.sin(omega)
    safe = np.where(so < 1e-12, 1.0, so)
    out = (np.sin((1 - f[..., None]) * omega) * a + np.sin(f[..., None] * omega) * b) / safe
    return np.where(so < 1e-12, a, out)


def _destination(lat, lon, bearing_deg, dist_deg):
    """Point reached from (lat, lon) along ``bearing_deg`` (clockwise from north)."""
    p1, l1 = np.radians(lat), np.radians(lon)
    th, d = np.radians(bearing_deg), np.radians(dist_deg)
    p2 = np.arcsin(np.sin(p1) * np.cos(d) + np.cos(p1) * np.sin(d) * np.cos(th))
    l2 = l1 + np.arctan2(np.sin(th) * np.sin(d) * np.cos(p1), np.cos(d) - np.sin(p1) * np.sin(p2))
    return np.degrees(p2), (np.degrees(l2) + 540.0) % 360.0 - 180.0


def _bearing(lat1, lon1, lat2, lon2):
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dl = np.radians(lon2 - lon1)
    y = np.sin(dl) * np.cos(p2)
    x = np.cos(p1) * np.sin(p2) - np.sin(p1) * np.cos(p2) * np.cos(dl)
    return np.degrees(np.arctan2(y, x))


def belt_points(belt: Belt, n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """``n`` epicentres (lat, lon in deg, lon in [-180, 180)) scattered about one belt."""
    wp = np.asarray(belt.waypoints, dtype=float)
    a, b = _unit(wp[:-1, 0], wp[:-1, 1]), _unit(wp[1:, 0], wp[1:, 1])
    seg_len = np.arccos(np.clip(np.sum(a * b, axis=1), -1, 1))
    seg = rng.choice(len(seg_len), size=n, p=seg_len / seg_len.sum())
    f = rng.uniform(0.0, 1.0, n)
    lat, lon = _latlon(_slerp(a[seg], b[seg], f))
    brg = _bearing(wp[seg, 0], wp[seg, 1], wp[seg + 1, 0], wp[seg + 1, 1])
    offset = rng.normal(0.0, belt.width_deg, n)
    return _destination(lat, lon, brg + 90.0, offset)


def _depths(kind: str, deep: bool, n: int, rng: np.random.Generator) -> np.ndarray:
    shallow = np.clip(rng.lognormal(np.log(25.0), 0.5, n), 5.0, 70.0)
    inter = np.clip(70.0 + rng.exponential(80.0, n), 70.0, 300.0)
    if kind == "ridge":
        return np.clip(rng.normal(10.0, 3.0, n), 2.0, 20.0)
    if kind == "continental":
        return np.where(rng.uniform(size=n) < 0.9, rng.uniform(5.0, 40.0, n), inter)
    u = rng.uniform(size=n)
    deep_depth = rng.uniform(300.0, 690.0, n)
    p_deep = 0.08 if deep else 0.0
    return np.where(u < 0.72, shallow, np.where(u < 1.0 - p_deep, inter, deep_depth))


# ----------------------------------------------------------------------------- catalogue
def synthetic_catalogue(
    years=range(2010, 2020),
    rate_per_year: float = 1500.0,
    min_magnitude: float = 5.0,
    max_magnitude: float = 9.0,
    b_value: float = 1.0,
    seed: int = 1,
) -> list[dict]:
    """A seeded synthetic global catalogue of M >= ``min_magnitude`` events.

    Parameters
    ----------
    years : iterable of int
        Calendar years to cover (UTC).
    rate_per_year : float
        Mean number of events per year (Poisson).
    min_magnitude, max_magnitude, b_value : float
        Truncated Gutenberg-Richter magnitude distribution.
    seed : int
        Seed of the ``numpy.random.default_rng`` that draws everything.

    Returns
    -------
    list of dict
        Events sorted by origin time, as config entries: ``id`` (``G<year>_<n>``,
        n counting from 1 within the year), ``time`` (ISO, UTC), ``latitude``,
        ``longitude`` (deg), ``depth_km``, ``magnitude``, ``magnitude_type`` ("Mw"),
        ``label`` (the belt's name or "intraplate").
    """
    if rate_per_year <= 0:
        raise ValueError(f"rate_per_year must be positive, got {rate_per_year}")
    if not min_magnitude < max_magnitude:
        raise ValueError(
            f"need min_magnitude < max_magnitude, got {min_magnitude}, {max_magnitude}"
        )
    from obspy import UTCDateTime

    rng = np.random.default_rng(seed)
    shares = np.array([b.share for b in BELTS] + [BACKGROUND_SHARE])
    shares = shares / shares.sum()
    out = []
    for year in sorted({int(y) for y in years}):
        n = int(rng.poisson(rate_per_year))
        t0 = UTCDateTime(year, 1, 1).timestamp
        span = UTCDateTime(year + 1, 1, 1).timestamp - t0
        times = np.sort(t0 + rng.uniform(0.0, span, n))
        which = rng.choice(len(shares), size=n, p=shares)
        lat, lon, dep = np.empty(n), np.empty(n), np.empty(n)
        label = np.empty(n, dtype=object)
        for k in range(len(shares)):
            idx = np.flatnonzero(which == k)
            if idx.size == 0:
                continue
            if k == len(BELTS):
                v = rng.normal(size=(idx.size, 3))
                lat[idx], lon[idx] = _latlon(v)
                dep[idx] = rng.uniform(5.0, 30.0, idx.size)
                label[idx] = "intraplate"
            else:
                belt = BELTS[k]
                lat[idx], lon[idx] = belt_points(belt, idx.size, rng)
                dep[idx] = _depths(belt.kind, belt.deep, idx.size, rng)
                label[idx] = belt.name
        c = 1.0 - 10.0 ** (-b_value * (max_magnitude - min_magnitude))
        mag = min_magnitude - np.log10(1.0 - rng.uniform(size=n) * c) / b_value
        mag = np.floor(mag * 10.0 + 1e-9) / 10.0
        for i in range(n):
            out.append(
                {
                    "id": f"G{year}_{i + 1:04d}",
                    "time": UTCDateTime(float(times[i])).strftime("%Y-%m-%dT%H:%M:%S.%f")[:22],
                    "latitude": round(float(lat[i]), 3),
                    "longitude": round(float(lon[i]), 3),
                    "depth_km": round(float(dep[i]), 1),
                    "magnitude": round(float(mag[i]), 1),
                    "magnitude_type": "Mw",
                    "label": str(label[i]),
                }
            )
    return out


# ----------------------------------------------------------------------------- arrays
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
    ref = _unit(
        np.array([arr[n]["ref_lat"] for n in names]), np.array([arr[n]["ref_lon"] for n in names])
    )
    ev = _unit(
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
    n = count_pairs(cfg)
    print(
        f"{a.out}: {len(cfg['arrays'])} arrays, {len(cfg['events']['list'])} events, {n} pairs",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
