"""A synthetic global earthquake catalogue for planning and scale tests.

The synthetic catalogue
-----------------------
* **Rate**: the number of M>=``min_magnitude`` events per year is Poisson distributed
  with mean ``rate_per_year`` (default 1500, the global rate of M>=5 of the ISC/USGS
  bulletins, about 1300-1700 per year); origin times are uniform within each year.
* **Magnitudes**: Gutenberg-Richter with ``b_value`` (default 1.0) between
  ``min_magnitude`` and ``max_magnitude`` (9.0), rounded to 0.1.
* **Epicentres**: 98 % of the events lie on the world's seismic belts, each a polyline
  of waypoints (trenches, continental collision zones, mid-ocean ridges, rifts; see
  :data:`BELTS`, read from the packaged table ``corephase/data/seismic_belts.csv``) with
  a share of the global M>=5 rate taken from the bulletins (e.g. the circum-Pacific belts
  together about 75 %, the Alpide belt about 8 %, the ridges about 7 %). An event picks
  a belt by share, a segment by its length, a uniform point along it, and is scattered
  across the belt by a normal offset of standard deviation ``width_deg`` of that belt.
  The remaining 2 % are intraplate events uniform on the sphere.
* **Depths**: by belt kind. Subduction zones: 72 % shallow (log-normal around 25 km,
  5-70 km), the rest intermediate (70-300 km, exponential decay of 80 km) and, where
  the slab is deep (Tonga-Fiji, Kuril-Japan, Izu-Bonin-Mariana, Sunda, Andes), 8 % deep
  (300-690 km). Ridges, transforms and rifts: 10 +- 3 km. Continental belts: 90 % at
  5-40 km, 10 % intermediate (Hindu Kush, Aegean, Burma). Globally this gives about
  78 % shallow, 17 % intermediate and 5 % deep events, as in the bulletins.

Everything is drawn from one ``numpy.random.default_rng(seed)``: the same seed gives the
same catalogue and configuration on every machine.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from importlib import resources

import numpy as np

from corephase.planning.stations import unit_vectors


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


def load_belts(path=None) -> tuple[Belt, ...]:
    """The belts of a table: one row per belt, ``name, share, kind, width_deg, deep,
    waypoints`` with the waypoints as ``"lat lon; lat lon; ..."`` in degrees.

    Default: the packaged ``corephase/data/seismic_belts.csv``.
    """
    src = resources.files("corephase") / "data" / "seismic_belts.csv" if path is None else path
    with open(str(src), newline="") as fh:
        rows = list(csv.DictReader(fh))
    return tuple(
        Belt(
            r["name"],
            float(r["share"]),
            r["kind"],
            float(r["width_deg"]),
            tuple(tuple(float(v) for v in p.split()) for p in r["waypoints"].split(";")),
            r["deep"] == "true",
        )
        for r in rows
    )


#: The seismic belts (approximate traces; shares of the global M>=5 rate), in table order.
BELTS: tuple[Belt, ...] = load_belts()

#: Share of intraplate events, uniform on the sphere.
BACKGROUND_SHARE = 0.02


# ----------------------------------------------------------------------------- geometry
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
    a, b = unit_vectors(wp[:-1, 0], wp[:-1, 1]), unit_vectors(wp[1:, 0], wp[1:, 1])
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
