"""Shared figure conventions: the one figure saver and the project's resolution."""

from __future__ import annotations

from pathlib import Path

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from corephase.io.files import atomic_path

#: Resolution (dots per inch) of every raster figure the project writes.
DPI = 100


def save_figure(fig: Figure, path, *, tight: bool = False) -> Path:
    """Write ``fig`` to ``path`` atomically, format from the suffix (.png, .pdf, .svg, ...).

    Raster formats use :data:`DPI`. ``tight=True`` crops the canvas to the drawn
    artists (``bbox_inches="tight"``). A file that cannot be written (e.g. an
    unknown format) leaves ``path`` untouched.

    Raises
    ------
    ValueError
        For a suffix matplotlib cannot write.
    """
    path = Path(path)
    if not isinstance(fig.canvas, FigureCanvasAgg):
        FigureCanvasAgg(fig)
    with atomic_path(path) as tmp:
        fig.savefig(
            tmp,
            dpi=DPI,
            format=path.suffix.lstrip(".") or "png",
            bbox_inches="tight" if tight else None,
        )
    return path
