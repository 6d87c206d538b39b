"""Run the per-pair stage functions on one pair (stage and summary tests)."""

from __future__ import annotations


def run_pair_stages(workdir, config: dict, array: str, event) -> dict:
    """Run fetch, preprocess, stack and coda for one pair; return the paths they wrote."""
    from corephase.stages.coda import coda_pair
    from corephase.stages.fetch import fetch_pair
    from corephase.stages.preprocess import preprocess_pair
    from corephase.stages.stack import stack_pair

    workdir.mkdir(parents=True, exist_ok=True)
    arr = config["arrays"][array]
    names = [b["name"] for b in config["bands"]]
    raw = [workdir / f for f in ("raw.mseed", "stations.xml", "event.xml", "fetch.json")]
    fetch_pair(array, arr, event, config, *raw)
    bands = {b: workdir / f"{b}.npz" for b in names}
    p = {"pair": workdir / "pair.json", "bands": bands, "qc": workdir / "qc.csv"}
    preprocess_pair(array, arr, config, *raw, bands, p["qc"], p["pair"])
    p["detections"], p["beams"] = workdir / "detections.csv", workdir / "beams.npz"
    p["statics"] = workdir / "statics.csv"
    # as rule stack: the pair's array entry's statics (dense pairs always carry them)
    stack_cfg = {**config, "statics": arr.get("statics")}
    stack_pair(p["pair"], bands, stack_cfg, p["detections"], p["beams"], p["statics"])
    p["coda_table"] = workdir / "coda.csv"
    p["coda"] = {b: workdir / f"coda_{b}.npz" for b in names}
    coda_pair(p["pair"], bands, config, p["coda_table"], p["coda"])
    return p
