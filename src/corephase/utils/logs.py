"""Logging set-up for workflow jobs: one log file per job, with progress lines."""

from __future__ import annotations

import logging
import sys


def setup_job_logging(path, name: str = "corephase") -> logging.Logger:
    """Send the package's log records (INFO and up) to ``path`` and stderr.

    Warnings from Python (e.g. ObsPy) are captured too.
    """
    logger = logging.getLogger(name)
    logger.setLevel(logging.INFO)
    for h in list(logger.handlers):
        logger.removeHandler(h)
    fmt = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    fh = logging.FileHandler(path, mode="w")
    fh.setFormatter(fmt)
    logger.addHandler(fh)
    sh = logging.StreamHandler(sys.stderr)
    sh.setFormatter(fmt)
    logger.addHandler(sh)
    logging.captureWarnings(True)
    logging.getLogger("py.warnings").addHandler(fh)
    return logger
