"""Validation checks have stable codes: select, ignore, inline ignores, the catalogue."""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

import haproxy_model as hm
from haproxy_model.analysis.validation import registry
from haproxy_model.analysis.validation._context import Context

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus"
TEXT = """\
global
    maxconn 100
defaults
    mode http
frontend web
    bind :8080
    use_backend nowhere
    default_backend app
backend app
    server s1 127.0.0.1:8081 weight 999
"""


def test_codes_are_stable_and_unique() -> None:
    codes = [r.code for r in registry.RULES]
    names = [r.name for r in registry.RULES]
    assert len(set(codes)) == len(codes) and len(set(names)) == len(names)
    assert all(re.fullmatch(r"HM\d{3}", c) for c in codes) and codes == sorted(codes)
    assert registry.rule("unknown-keyword").code == "HM102" and registry.rule("HM402").name == (
        "rule-order"
    )
    with pytest.raises(hm.InvalidValue, match="no check 'HM999'"):
        registry.rule("HM999")


def test_every_name_the_validator_reports_has_a_rule() -> None:
    """Every code string the validation modules pass to ``report`` is registered."""
    literal = re.compile(r"[a-z]+(?:-[a-z]+)+")
    for path in (ROOT / "haproxy_model" / "validation").glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "report":
                first = node.args[0] if node.args else None
                if isinstance(first, ast.Constant):
                    assert registry.code_of(first.value), (path.name, first.value)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and (
                node.value.startswith(("missing-", "bad-", "unknown-", "duplicate-"))
                and literal.fullmatch(node.value)
            ):  # fmt: skip
                assert registry.code_of(node.value), (path.name, node.value)


def test_corpus_diagnostics_come_from_their_registered_check() -> None:
    """Every diagnostic has a code, and the check that reported it declared that code."""
    if not CORPUS.is_dir():
        pytest.skip("../shared/corpus is not here")
    seen: set[str] = set()
    for path in sorted(CORPUS.rglob("*.cfg")):
        try:
            cfg = hm.load(path)
        except hm.Error:
            continue
        for strict in (False, True):
            seen |= _codes_by_check(cfg, strict)
    assert len(seen) >= 20


def _codes_by_check(cfg: hm.Config, strict: bool) -> set[str]:
    ctx = Context(cfg, "2.6", strict)
    for check in registry.active_checks():
        before = len(ctx.found)
        check.function(ctx)
        for d in ctx.found[before:]:
            assert d.rule in check.codes, (check.name, d)
    return {d.rule for d in ctx.found}


def test_every_rule_has_a_registered_check() -> None:
    declared = set().union(*(c.codes for c in registry.CHECKS))
    assert {r.code for r in registry.RULES} - declared == {"HM001"}  # the parser's own
    assert len({c.name for c in registry.CHECKS}) == len(registry.CHECKS)


def test_select_runs_only_the_checks_that_can_report() -> None:
    (only,) = registry.active_checks(select=["HM215"])
    assert only.name == "inheritance.check"
    names = {c.name for c in registry.active_checks(ignore=["HM215"])}
    assert "inheritance.check" not in names and "references.check" in names
    assert registry.active_checks(select=["HM215"], ignore=["HM215"]) == []


def test_a_check_must_name_known_codes() -> None:
    with pytest.raises(hm.InvalidValue):
        registry.registered("HM999")
    with pytest.raises(hm.InvalidValue):
        registry.registered()


def test_bad_times_and_sizes_have_codes() -> None:
    cfg = hm.parse(
        "defaults\n    timeout client banana\nbackend b\n    server s 127.0.0.1:1 inter 2x\n"
    )
    found = [d for d in hm.validate(cfg, version="2.6") if d.code == "bad-time"]
    assert found and {d.rule for d in found} == {"HM311"}
    assert not [
        d for d in hm.validate(cfg, version="2.6", ignore=["HM311"]) if d.code == "bad-time"
    ]


def test_select_and_ignore() -> None:
    cfg = hm.parse(TEXT)
    every = {d.code for d in hm.validate(cfg)}
    assert {"missing-backend", "weight-range", "missing-timeout"} <= every
    assert {d.code for d in hm.validate(cfg, select=["HM205"])} == {"missing-backend"}
    assert {d.code for d in hm.validate(cfg, select=["missing-backend", "HM305"])} == {
        "missing-backend", "weight-range"}  # fmt: skip
    assert "missing-backend" not in {d.code for d in hm.validate(cfg, ignore=["HM205"])}
    with pytest.raises(hm.InvalidValue):
        hm.validate(cfg, ignore=["no-such-check"])


def test_inline_ignores() -> None:
    text = TEXT.replace(
        "use_backend nowhere", "use_backend nowhere  # haproxy-model: ignore[HM205]"
    )
    codes = {d.code for d in hm.validate(hm.parse(text))}
    assert "missing-backend" not in codes and "weight-range" in codes
    text = TEXT.replace("weight 999", "weight 999 # haproxy-model: ignore")
    assert "weight-range" not in {d.code for d in hm.validate(hm.parse(text))}
    text = TEXT.replace("weight 999", "weight 999 # haproxy-model: ignore[HM205,typo]")
    assert "weight-range" in {d.code for d in hm.validate(hm.parse(text))}  # not that line's


def test_catalogue_is_generated() -> None:
    assert (ROOT / "docs" / "checks.md").read_text() == registry.catalogue()
    for r in registry.RULES:
        assert f"| {r.code} | `{r.name}` |" in registry.catalogue()


def _check(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "haproxy_model", "check", *args],
                          capture_output=True, text=True, input=stdin, timeout=60)  # fmt: skip


def test_cli_select_ignore_json_and_list(tmp_path: Path) -> None:
    cfg = tmp_path / "h.cfg"
    cfg.write_text(TEXT)
    shown = _check(str(cfg))
    assert shown.returncode == 1 and "[HM205 missing-backend]" in shown.stdout
    only = _check(str(cfg), "--select", "HM305", "--format", "json")
    rows = json.loads(only.stdout)
    assert {(r["rule"], r["code"]) for r in rows} == {("HM305", "weight-range")}
    quiet = _check(str(cfg), "--ignore", "HM205,weight-range", "--ignore", "HM501")
    assert quiet.returncode == 0, quiet.stdout + quiet.stderr
    bad = _check(str(cfg), "--ignore", "HM999")
    assert bad.returncode == 2 and "no check 'HM999'" in bad.stderr
    listed = _check("--list-checks")
    assert listed.returncode == 0 and "| HM402 | `rule-order` |" in listed.stdout
    assert _check().returncode == 2  # no FILE
