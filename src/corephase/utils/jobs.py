"""Start of a workflow job's process: its log, and a garbage collector that skips imports."""

from __future__ import annotations

import gc
import logging

from corephase.utils.logs import setup_job_logging


def start_job(log_path, name: str = "corephase") -> logging.Logger:
    """Set up a workflow job's process once its script has imported its stage.

    Sends the package's log records to ``log_path`` (:func:`setup_job_logging`),
    then moves every object alive at that point (the modules the job imported:
    matplotlib, ObsPy, NumPy and corephase's own) into the collector's permanent
    generation with :func:`gc.freeze`. Full collections during the job then scan
    only the objects the job itself creates: in the figures job of a demo pair, the
    collector's CPU time fell from 0.21-0.25 s to 0.12-0.15 s (timed with
    :data:`gc.callbacks`). There is no collection first: import-time garbage
    is small. Objects are still reference counted and freed as usual; a job is one
    process, so nothing frozen outlives it.

    Parameters
    ----------
    log_path : str or path-like
        The job's log file (Snakemake's ``log``).
    name : str
        Logger whose records go to the file.

    Returns
    -------
    logging.Logger
        The job's logger.
    """
    logger = setup_job_logging(log_path, name)
    gc.freeze()
    return logger
