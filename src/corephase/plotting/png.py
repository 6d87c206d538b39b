"""PNG files of the figures, written without PNG row filters.

matplotlib writes a PNG through Pillow, whose encoder chooses a row filter for
every row of an RGB(A) image by trying four of them (PNG's adaptive filtering,
no option turns it off). For these figures (flat colours, thin lines, text)
the filters hardly help zlib: each row written unfiltered (PNG filter type 0)
and compressed at zlib level :data:`PNG_COMPRESS_LEVEL` gives about 2 % smaller
files than Pillow at level 1, in about 40 % of the CPU time (the demo's PNGs:
19.0 MB in 1.1 s against 19.5 MB in 2.8 s). The pixels are the same: PNG is
lossless, the file holds the canvas' RGBA bytes.

The file has the chunks Pillow writes for matplotlib: IHDR (8-bit RGBA, no
interlace), pHYs (the figure's dpi, as Pillow rounds it to pixels per metre),
tEXt ``Software`` (matplotlib's version), IDAT and IEND (PNG specification,
ISO/IEC 15948). :class:`PngCanvas` writes the figures this way;
:func:`corephase.plotting.style.save_figure` gives every figure one.
"""

from __future__ import annotations

import struct
import zlib

import matplotlib as mpl
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg

from corephase.plotting.agg_text import AggCanvas

#: zlib level of the PNG data: 2 writes the figures about as fast as level 1 and 4 %
#: smaller (the demo's PNGs: level 1 19.9 MB, 2 19.1 MB, 3 18.5 MB in 1.2 times the time).
PNG_COMPRESS_LEVEL = 2

#: Keywords of savefig's print methods that matplotlib's own ``print_png`` does not take.
SAVEFIG_KEYWORDS = frozenset(
    {"dpi", "facecolor", "edgecolor", "orientation", "bbox_inches_restore"}
)

_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _chunk(kind: bytes, data: bytes) -> bytes:
    """One PNG chunk: length, type, data and the CRC-32 of type and data."""
    crc = zlib.crc32(data, zlib.crc32(kind))
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def png_bytes(rgba, dpi: float, text: dict | None = None) -> bytes:
    """A PNG file of the 8-bit RGBA image ``rgba`` (rows from the top, shape
    ``(height, width, 4)``), rows unfiltered and compressed at zlib level
    :data:`PNG_COMPRESS_LEVEL`.

    ``dpi`` (dots per inch) is stored in the pHYs chunk as pixels per metre,
    rounded as Pillow rounds it; ``text`` (Latin-1 keys and values) goes to tEXt
    chunks.

    Raises
    ------
    ValueError
        For an image that is not 8-bit RGBA, or text that is not Latin-1.
    """
    rgba = np.asarray(rgba)
    if rgba.dtype != np.uint8 or rgba.ndim != 3 or rgba.shape[2] != 4:
        raise ValueError(f"PNG: need an 8-bit RGBA image, got {rgba.dtype} {rgba.shape}")
    height, width = rgba.shape[:2]
    rows = np.empty((height, 1 + 4 * width), np.uint8)
    rows[:, 0] = 0  # filter type 0 (None) for every row
    rows[:, 1:] = rgba.reshape(height, -1)
    per_metre = int(dpi / 0.0254 + 0.5)
    parts = [
        _SIGNATURE,
        _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)),
        _chunk(b"pHYs", struct.pack(">IIB", per_metre, per_metre, 1)),
    ]
    for key, value in (text or {}).items():
        parts.append(_chunk(b"tEXt", key.encode("latin-1") + b"\0" + value.encode("latin-1")))
    parts.append(_chunk(b"IDAT", zlib.compress(rows, PNG_COMPRESS_LEVEL)))
    parts.append(_chunk(b"IEND", b""))
    return b"".join(parts)


class PngCanvas(AggCanvas):
    """The figures' Agg canvas (:data:`~corephase.plotting.agg_text.AggCanvas`) writing
    PNG with :func:`png_bytes`: the pixels and chunks matplotlib writes through
    Pillow, without row filters. With ``metadata`` or ``pil_kwargs`` it writes
    through Pillow, as matplotlib does."""

    def print_png(self, filename_or_obj, *, metadata=None, pil_kwargs=None, **savefig_kw):
        """Draw the figure and write it as PNG to a path or a binary file object.

        ``savefig_kw`` are the keywords :meth:`~matplotlib.figure.Figure.savefig` passes
        to a print method that is not matplotlib's own (:data:`SAVEFIG_KEYWORDS`); savefig
        has already applied them to the figure, so they are ignored here, as
        matplotlib's ``print_png`` drops them."""
        unknown = set(savefig_kw) - SAVEFIG_KEYWORDS
        if unknown:
            raise TypeError(f"print_png: unexpected keyword arguments {sorted(unknown)}")
        if metadata is not None or pil_kwargs is not None:
            return super().print_png(filename_or_obj, metadata=metadata, pil_kwargs=pil_kwargs)
        FigureCanvasAgg.draw(self)
        software = f"Matplotlib version{mpl.__version__}, https://matplotlib.org/"
        data = png_bytes(self.buffer_rgba(), self.figure.dpi, {"Software": software})
        if hasattr(filename_or_obj, "write"):
            filename_or_obj.write(data)
        else:
            with open(filename_or_obj, "wb") as f:
                f.write(data)
