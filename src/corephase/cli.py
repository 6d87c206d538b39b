"""The ``corephase`` command line (no Snakemake needed).

``corephase check-config FILE [FILE ...]`` validates configuration files against
the packaged schema and checks the files they name (local array folders, the
curation table; relative paths are relative to the current folder), as every
workflow run does: exit status 0 when all are valid, 1 with a message naming
the first bad key of each invalid file, 2 for a file that cannot be read.

``corephase run-study CONFIG [--max-pairs N] [--state DIR] [-- SNAKEMAKE OPTIONS]``
runs a study of any size as batches of pairs, one Snakemake run after the other, and
makes the summaries at the end (see docs/run_study.md and :mod:`corephase.study.runner`).
Exit status 0 when done, 1 when a batch or the summaries failed (a rerun retries it),
2 for bad input, 130 when interrupted (a rerun continues).
"""

from __future__ import annotations

import argparse
import sys

import yaml

from corephase import __version__


def _check_config(paths: list[str]) -> int:
    from corephase.config import ConfigError, check_inputs, load_config

    status = 0
    for path in paths:
        try:
            for warning in check_inputs(load_config(path)):
                print(f"{path}: warning: {warning}", file=sys.stderr)
        except ConfigError as err:
            print(f"{path}: invalid: {err}", file=sys.stderr)
            status = max(status, 1)
        except (OSError, yaml.YAMLError) as err:
            print(f"{path}: cannot read: {err}", file=sys.stderr)
            status = 2
        else:
            print(f"{path}: valid")
    return status


def _run_study(args) -> int:
    import logging

    from corephase.config import ConfigError
    from corephase.study.runner import StudyError, StudyRunner

    logger = logging.getLogger("corephase.study")
    logger.setLevel(logging.INFO)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%Y-%m-%d %H:%M:%S"))
    logger.addHandler(handler)
    try:
        runner = StudyRunner(args.config, args.snakemake_options, args.max_pairs, args.state)
    except (ConfigError, StudyError, ValueError) as err:
        print(f"{args.config}: {err}", file=sys.stderr)
        return 2
    except (OSError, yaml.YAMLError) as err:
        print(f"{args.config}: cannot read: {err}", file=sys.stderr)
        return 2
    runner.state.folder.mkdir(parents=True, exist_ok=True)
    study_log = logging.FileHandler(runner.state.folder / "study.log")
    study_log.setFormatter(handler.formatter)
    logger.addHandler(study_log)
    try:
        if args.plan_only:
            runner.describe()
            return 0
        return runner.run(args.max_batches, args.keep_going)
    finally:
        for h in (handler, study_log):
            logger.removeHandler(h)
            h.close()


def _add_run_study(sub) -> None:
    from corephase.planning.globalplan import DEFAULT_BATCH_PAIRS

    p = sub.add_parser(
        "run-study",
        help="run a study of any size as batches of pairs, then make its summaries",
        description="Run the workflow on CONFIG in batches of arrays and origin years, "
        "one after the other, resuming where an earlier run stopped; then make the "
        "summaries. Snakemake options go after --, e.g. -- --cores 4 or -- "
        "--workflow-profile profiles/slurm.",
    )
    p.add_argument("config", metavar="CONFIG", help="the study's configuration file")
    p.add_argument(
        "--max-pairs",
        type=int,
        default=DEFAULT_BATCH_PAIRS,
        help=f"largest batch, in pairs (default {DEFAULT_BATCH_PAIRS})",
    )
    p.add_argument("--state", metavar="DIR", help="state folder (default results/study)")
    p.add_argument(
        "--max-batches", type=int, help="stop after running this many batches (resume later)"
    )
    p.add_argument(
        "--keep-going", action="store_true", help="run the other batches after a failed one"
    )
    p.add_argument("--plan-only", action="store_true", help="list the batches and stop")


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``corephase`` console script; returns the exit status."""
    parser = argparse.ArgumentParser(prog="corephase", description=__doc__.split("\n")[0])
    parser.add_argument("--version", action="version", version=f"corephase {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    check = sub.add_parser(
        "check-config",
        help="validate workflow configuration files against the packaged schema",
    )
    check.add_argument("files", nargs="+", metavar="FILE")
    _add_run_study(sub)
    argv = sys.argv[1:] if argv is None else list(argv)
    # everything after the first "--" is passed on to Snakemake unchanged
    cut = argv.index("--") if "--" in argv and "run-study" in argv else len(argv)
    args = parser.parse_args(argv[:cut])
    args.snakemake_options = argv[cut + 1 :]
    if args.command == "check-config":
        return _check_config(args.files)
    if args.command == "run-study":
        return _run_study(args)
    parser.error(f"unknown command {args.command}")  # pragma: no cover (argparse exits)
    return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
