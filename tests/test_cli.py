"""The ``corephase`` command line."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from corephase.cli import main

ROOT = Path(__file__).resolve().parents[1]


def test_check_config_accepts_the_demo_and_example_configs(capsys):
    files = [ROOT / "config.yaml", ROOT / "config" / "real_data.yaml"]
    assert main(["check-config", *map(str, files)]) == 0
    assert capsys.readouterr().out.count(": valid") == len(files)


def test_check_config_names_the_bad_key(tmp_path, capsys):
    cfg = yaml.safe_load((ROOT / "config.yaml").read_text())
    cfg["coda"] = {"bootstrap": -3}
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(cfg))
    assert main(["check-config", str(bad)]) == 1
    assert "config key 'coda.bootstrap'" in capsys.readouterr().err


def test_check_config_unreadable_file(tmp_path, capsys):
    assert main(["check-config", str(tmp_path / "missing.yaml")]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_check_config_needs_a_file():
    with pytest.raises(SystemExit):
        main(["check-config"])
