"""The ``corephase`` command line (no Snakemake needed).

``corephase check-config FILE [FILE ...]`` validates configuration files against
the packaged schema and checks the files they name (local array folders, the
curation table; relative paths are relative to the current folder), as every
workflow run does: exit status 0 when all are valid, 1 with a message naming
the first bad key of each invalid file, 2 for a file that cannot be read.
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
    args = parser.parse_args(argv)
    if args.command == "check-config":
        return _check_config(args.files)
    parser.error(f"unknown command {args.command}")  # pragma: no cover (argparse exits)
    return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
