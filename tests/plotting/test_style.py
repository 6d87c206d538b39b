"""The one figure saver: atomic, format from the suffix, one resolution."""

from __future__ import annotations

import pytest
from matplotlib.figure import Figure
from matplotlib.image import imread

from corephase.plotting.style import DPI, save_figure


def test_save_figure_atomic(tmp_path):
    fig = Figure()
    fig.add_subplot(1, 1, 1).plot([0, 1], [0, 1])
    p = save_figure(fig, tmp_path / "ok.svg")
    assert p.read_text().lstrip().startswith("<?xml")
    with pytest.raises(ValueError):
        save_figure(fig, tmp_path / "bad.notaformat")
    assert sorted(x.name for x in tmp_path.iterdir()) == ["ok.svg"]


def test_save_figure_uses_the_project_dpi(tmp_path):
    fig = Figure(figsize=(2.0, 1.5))
    fig.add_subplot(1, 1, 1).plot([0, 1], [0, 1])
    img = imread(save_figure(fig, tmp_path / "a.png"))
    assert img.shape[:2] == (round(1.5 * DPI), round(2.0 * DPI))


def test_one_style_for_every_figure():
    """Every figure module uses the project style: fonts, colour cycle, colour-blind-safe maps."""
    import matplotlib as mpl

    from corephase.plotting import array, catalogue, coda, experiment, maps, pair  # noqa: F401
    from corephase.plotting.style import OKABE_ITO, PHASE_COLORS, RC, new_figure

    fig = new_figure(3.0, 2.0)
    assert tuple(fig.get_size_inches()) == (3.0, 2.0)
    for key in ("font.size", "image.cmap", "savefig.dpi"):
        assert mpl.rcParams[key] == RC[key]
    assert mpl.rcParams["image.cmap"] in ("cividis", "viridis")
    assert len(set(PHASE_COLORS.values())) == len(PHASE_COLORS)
    assert set(PHASE_COLORS.values()) <= set(OKABE_ITO)
