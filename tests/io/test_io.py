"""I/O: atomic writes, StationXML (the local source is tested in tests/sources/test_local.py)."""

from __future__ import annotations

import numpy as np
import pytest
from obspy import Stream, read_inventory

from corephase.io.files import atomic_path, read_stream, write_rows, write_stream, write_table
from corephase.io.stations import geometry_from_inventory, geometry_to_inventory
from corephase.model.geometry import ArrayGeometry


def test_atomic_path_leaves_nothing_on_failure(tmp_path):
    target = tmp_path / "out.csv"
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_text("half")
            raise RuntimeError("interrupted")
    assert not target.exists()
    assert list(tmp_path.iterdir()) == []


def test_write_rows_writes_the_text_of_write_table(tmp_path):
    """The pandas-free writer of the QC tables gives the same CSV text as pandas."""
    import pandas as pd

    cols = ["id", "kept", "reason", "n"]
    rows = [
        {"id": "IM.IL01..SHZ", "kept": True, "reason": "", "n": 3},
        {"id": "IM.IL02..SHZ", "kept": False, "reason": 'gaps of 1.5 s, "long"', "n": 0},
        {"id": "IM.IL03..SHZ", "kept": False, "reason": "line\nbreak", "n": -2},
    ]
    write_rows(rows, cols, tmp_path / "a.csv")
    write_table(pd.DataFrame(rows, columns=cols), tmp_path / "b.csv")
    assert (tmp_path / "a.csv").read_text() == (tmp_path / "b.csv").read_text()
    write_rows([], cols, tmp_path / "c.csv")
    write_table(pd.DataFrame([], columns=cols), tmp_path / "d.csv")
    assert (tmp_path / "c.csv").read_text() == (tmp_path / "d.csv").read_text()


def test_io_files_does_not_import_obspy():
    """Jobs that never touch a Stream do not pay for importing ObsPy through io.files."""
    import subprocess
    import sys

    code = "import sys, corephase.io.files; print('obspy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_empty_stream_roundtrip(tmp_path):
    write_stream(Stream(), tmp_path / "e.mseed")
    assert len(read_stream(tmp_path / "e.mseed")) == 0


def test_inventory_roundtrip(tmp_path):
    g = ArrayGeometry("T", ["XX.A..SHZ", "XX.B..SHZ"], [10.0, 10.1], [20.0, 20.2], [5.0, 7.0])
    inv = geometry_to_inventory(g, 20.0)
    inv.write(str(tmp_path / "s.xml"), format="STATIONXML")
    g2 = geometry_from_inventory("T", read_inventory(str(tmp_path / "s.xml")))
    assert g2.codes == g.codes
    np.testing.assert_allclose(g2.lat, g.lat)
    np.testing.assert_allclose(g2.elev_m, g.elev_m)


def test_write_rows_formats_every_column_as_pandas(tmp_path):
    """Floats (shortest round-trip text, NaN empty), ints, bools, text needing quotes and
    mixed columns: the same CSV text as ``pandas.DataFrame(rows).to_csv``."""
    import pandas as pd

    from corephase.io.files import row_columns

    rng = np.random.default_rng(5)
    special = [0.0, -0.0, 1e16, 1e15, 1e-5, 1e-4, 0.1 + 0.2, np.inf, -np.inf, 5e-324, 1e308]
    values = [*special, *(rng.normal(size=300) * 10.0 ** rng.integers(-30, 30, 300))]
    rows = []
    for i, v in enumerate(values):
        row = {"x": float(v), "n": i, "s": f'a,"{i}"\nb', "b": bool(i % 2), "m": None}
        if rng.random() < 0.2:
            row["x"] = np.nan
        if rng.random() < 0.3:
            row["y"] = np.float64(v)  # missing elsewhere: a float column with NaN
        if rng.random() < 0.3:
            row["z"] = True  # missing elsewhere: an object column
        if rng.random() < 0.3:
            row["o"] = "text" if rng.random() < 0.5 else v  # text and floats
        if i % 7:
            row["m"] = i  # ints with None: float64
        rows.append(row)
    write_rows(rows, row_columns(rows), tmp_path / "a.csv")
    write_table(pd.DataFrame(rows), tmp_path / "b.csv")
    assert (tmp_path / "a.csv").read_text() == (tmp_path / "b.csv").read_text()


@pytest.mark.parametrize("stage", ["stack", "coda"])
def test_stack_and_coda_jobs_do_not_import_pandas(stage):
    """The per-pair stack and coda jobs write their tables without importing pandas."""
    import subprocess
    import sys

    code = (
        f"import sys, corephase.stages.{stage} as s, corephase.analysis.detection, "
        "corephase.analysis.coda.analyse; print('pandas' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
