"""Seeded random generators: one seed per array-event pair, one independent stream per named
component."""

from __future__ import annotations

import zlib

import numpy as np


def component_rng(seed: int, *names) -> np.random.Generator:
    """Generator for one named component, independent of the order of evaluation.

    Parameters
    ----------
    seed : int
        Base seed (the config's ``seed``, or a pair seed).
    *names
        Component names (strings or numbers), e.g. ``("statics",)`` or
        ``("PKiKP", "ring-16")``. Each distinct tuple gets its own stream
        (``SeedSequence([seed, crc32(name), ...])``), so adding a component never
        changes the numbers drawn by another.

    Returns
    -------
    numpy.random.Generator
    """
    return np.random.default_rng(
        np.random.SeedSequence([int(seed)] + [zlib.crc32(str(n).encode()) for n in names])
    )


def pair_seed(base_seed: int, array_name: str, event_id: str) -> int:
    """A seed for one array-event pair, stable across runs, Python versions and platforms.

    CRC-32 (:func:`zlib.crc32`) of ``"{base_seed}|{array_name}|{event_id}"``
    (UTF-8), an integer in [0, 2**32).
    """
    key = f"{int(base_seed)}|{array_name}|{event_id}".encode()
    return zlib.crc32(key) & 0xFFFFFFFF
