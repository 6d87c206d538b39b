"""Packaging: the conda environment matches pyproject's dependencies."""

from __future__ import annotations

import os
import re
import subprocess
import sys
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


def test_every_rule_calls_the_script_and_stage_named_after_it():
    """rule X -> workflow/scripts/X.py -> corephase.stages.X (one stage function)."""
    for smk in (ROOT / "workflow" / "rules").glob("*.smk"):
        for block in re.split(r"\n(?=rule )", smk.read_text())[1:]:
            rule = block.split(":")[0].removeprefix("rule ").strip()
            scripts = re.findall(r'"\.\./scripts/([\w.]+)\.py"', block)
            assert scripts == [rule], f"{smk.name}: rule {rule} runs {scripts}"
            text = (ROOT / "workflow" / "scripts" / f"{rule}.py").read_text()
            stages = re.findall(r"^from corephase\.stages\.(\w+) import (\w+)$", text, re.M)
            assert stages == [(rule, stages[0][1])] if stages else False, (
                f"scripts/{rule}.py must import one function from corephase.stages.{rule}"
            )


def test_installed_wheel_checks_configs_without_the_source_tree(tmp_path):
    """``pip install .`` ships the schema: check-config works outside the checkout."""
    site = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(site),
         str(ROOT)],
        check=True, capture_output=True, cwd=tmp_path,
    )  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(site)}
    where = subprocess.run(
        [sys.executable, "-c", "import corephase; print(corephase.__file__)"],
        capture_output=True, text=True, env=env, cwd=tmp_path, check=True,
    )  # fmt: skip
    assert where.stdout.strip().startswith(str(site)), where.stdout
    cli = [str(site / "bin" / "corephase"), "check-config"]
    ok = subprocess.run([*cli, str(ROOT / "config.yaml")], capture_output=True, text=True,
                        env=env, cwd=tmp_path)  # fmt: skip
    assert ok.returncode == 0, ok.stderr
    assert "valid" in ok.stdout
    bad = tmp_path / "bad.yaml"
    cfg = yaml.safe_load((ROOT / "config.yaml").read_text())
    cfg["stack"] = {**cfg.get("stack", {}), "pws_nuu": 2.0}
    bad.write_text(yaml.safe_dump(cfg))
    res = subprocess.run([*cli, str(bad)], capture_output=True, text=True, env=env, cwd=tmp_path)
    assert res.returncode == 1
    assert "config key 'stack.pws_nuu': unknown key" in res.stderr


def _closure(requirement: str, extras=()) -> set[str]:
    """Installed distributions that ``requirement`` (with ``extras``) pulls in."""
    from importlib import metadata

    from packaging.requirements import Requirement

    seen: set[str] = set()
    todo = [(requirement, tuple(extras))]
    while todo:
        name, ex = todo.pop()
        key = _name(name)
        if (key, ex) in seen:
            continue
        seen.add((key, ex))
        for r in metadata.requires(name) or []:
            req = Requirement(r)
            env_ok = req.marker is None or any(
                req.marker.evaluate({"extra": e}) for e in (*ex, "")
            )
            if env_ok:
                todo.append((req.name, tuple(req.extras)))
    return {k for k, _ in seen}


def test_workflow_extra_holds_what_the_report_command_needs():
    """`snakemake --report` (a README command) needs pygments and jinja2 without the dev extra."""
    deps = _closure("corephase", ("workflow",))
    assert {"snakemake", "pygments", "jinja2"} <= deps, sorted(deps)


def test_use_rule_variants_keep_their_base_rules_script():
    """``use rule A as B`` makes B a variant of rule A (other inputs or params): it runs A's
    script and stage, so it may not name a script of its own, and A must be a rule."""
    texts = {smk.name: smk.read_text() for smk in (ROOT / "workflow" / "rules").glob("*.smk")}
    rules = {r for t in texts.values() for r in re.findall(r"^rule (\w+):", t, re.M)}
    variants = 0
    for name, text in texts.items():
        for block in re.split(r"\n(?=rule |use rule |checkpoint )", text):
            m = re.match(r"use rule (\w+) as (\w+)", block)
            if m:
                variants += 1
                assert m.group(1) in rules, f"{name}: {m.group(2)} uses unknown rule {m.group(1)}"
                assert "script:" not in block, f"{name}: {m.group(2)} must run {m.group(1)}.py"
    assert variants >= 1  # fetch_fdsn
