"""The figures' PNG writer: matplotlib's pixels and chunks, rows unfiltered."""

from __future__ import annotations

import io

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from PIL import Image

from corephase.plotting.png import PngCanvas, png_bytes
from corephase.plotting.style import DPI, new_figure, save_figure


def _figure():
    fig = new_figure(3.0, 2.0)
    ax = fig.add_axes((0.15, 0.2, 0.6, 0.7))
    ax.plot(np.linspace(0, 1, 50), np.sin(np.linspace(0, 9, 50)), label="PKiKP")
    im = ax.imshow(np.arange(12.0).reshape(3, 4), extent=(0, 1, -1, 1), aspect="auto")
    fig.colorbar(im, cax=fig.add_axes((0.8, 0.2, 0.03, 0.7)), label="power")
    ax.set_title("band 1-2 Hz")
    ax.legend()
    return fig


def _matplotlibs_png(tight: bool) -> bytes:
    """The figure written by matplotlib's own Agg canvas (through Pillow)."""
    fig = _figure()
    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, bbox_inches="tight" if tight else None)
    return buf.getvalue()


@pytest.mark.parametrize("tight", [False, True])
def test_saved_png_has_matplotlibs_pixels_and_chunks(tmp_path, tight):
    path = save_figure(_figure(), tmp_path / "f.png", tight=tight)
    got = Image.open(path)
    want = Image.open(io.BytesIO(_matplotlibs_png(tight)))
    assert got.mode == want.mode == "RGBA"
    assert np.array_equal(np.asarray(got), np.asarray(want))
    assert got.info == want.info  # dpi (pHYs) and matplotlib's Software text
    Image.open(path).verify()  # chunk CRCs


def test_png_bytes_rows_are_unfiltered_and_round_trip():
    rgba = np.random.default_rng(1).integers(0, 256, (7, 5, 4), dtype=np.uint8)
    data = png_bytes(rgba, 72.0, {"Title": "café"})
    im = Image.open(io.BytesIO(data))
    assert np.array_equal(np.asarray(im), rgba)
    assert im.info["Title"] == "café" and im.info["dpi"] == pytest.approx((72.0, 72.0), 1e-3)


@pytest.mark.parametrize(
    "rgba", [np.zeros((4, 4, 3), np.uint8), np.zeros((4, 4, 4)), np.zeros((4, 4), np.uint8)]
)
def test_png_bytes_rejects_other_images(rgba):
    with pytest.raises(ValueError, match="8-bit RGBA"):
        png_bytes(rgba, 100.0)


def test_pillow_writes_when_asked_for_its_options():
    fig = _figure()
    PngCanvas(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", metadata={"Title": "x"}, pil_kwargs={"compress_level": 9})
    im = Image.open(io.BytesIO(buf.getvalue()))
    assert im.info["Title"] == "x"
    assert np.array_equal(
        np.asarray(im), np.asarray(Image.open(io.BytesIO(_matplotlibs_png(False))))
    )


def test_unknown_keywords_are_an_error():
    with pytest.raises(TypeError, match="colour"):
        PngCanvas(_figure()).print_png(io.BytesIO(), colour="red")
