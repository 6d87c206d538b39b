"""Config sections handed to workflow scripts as one Snakemake param each."""

from __future__ import annotations

PREFIX = "config_"


def config_from_params(params) -> dict:
    """Merge the params named ``config_<section>`` into one config dict.

    Parameters
    ----------
    params : mapping or Snakemake ``Params``
        Each ``config_<section>`` param holds ``{section: value}`` (or ``{}`` for
        a section the pair does not use); other params are ignored.

    Returns
    -------
    dict
        ``{section: value}`` for every section given, as the stage functions take it.
    """
    out: dict = {}
    for name, value in params.items():
        if name.startswith(PREFIX):
            out.update(value)
    return out
