"""Packaging: the conda environment matches pyproject's dependencies."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def _name(req: str) -> str:
    return re.split(r"[<>=!~ ;\[]", req, maxsplit=1)[0].strip().lower().replace("_", "-")


def test_conda_env_matches_pyproject():
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    env = yaml.safe_load((ROOT / "envs" / "corephase.yaml").read_text())
    conda = {_name(d) for d in env["dependencies"] if isinstance(d, str)}
    assert {_name(d) for d in deps} <= conda
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert any(p.startswith("-e") for p in pip), "the env must install the package itself"


def test_every_rule_has_log_benchmark_and_conda():
    for smk in (ROOT / "workflow" / "rules").glob("*.smk"):
        text = smk.read_text()
        for block in re.split(r"\n(?=rule |checkpoint )", text)[1:]:
            name = block.split(":")[0]
            for key in ("log:", "benchmark:", "conda:"):
                assert key in block, f"{smk.name}: {name} lacks {key}"
            assert "script:" in block, f"{smk.name}: {name} should call a script"


def test_every_rule_script_exists_and_is_thin():
    for smk in (ROOT / "workflow" / "rules").glob("*.smk"):
        for script in re.findall(r'"\.\./scripts/([\w.]+)"', smk.read_text()):
            path = ROOT / "workflow" / "scripts" / script
            assert path.exists(), script
            assert len(path.read_text().splitlines()) < 60, f"{script} is not thin"
