#!/usr/bin/env python3
"""Render Ray Serve's own HAProxy config with each Ray release into test fixtures.

For every Ray version a throwaway venv under ``--venv-root`` gets
``ray[serve]==V`` (reused when it already has it), then
``tools/_render_ray_inner.py`` drives that release's renderer without a cluster
(see its docstring).  The rendered files land in
``<out>/<version>/<scenario>.cfg`` with the scratch directory replaced by Ray's
own default (``/tmp/haproxy-serve``) so they are byte-stable, and
``<out>/manifest.json`` records per version and scenario the file, why it was
skipped, what was set away from Ray's defaults, and what ``haproxy -c`` said.

Usage::

    python tools/render_ray_fixtures.py [--versions 2.55.0,2.60.0] [--out tests/fixtures/ray]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
INNER = Path(__file__).resolve().parent / "_render_ray_inner.py"
VERSIONS = (
    "2.55.0", "2.55.1", "2.56.0", "2.56.1", "2.57.0",
    "2.57.1", "2.58.0", "2.58.1", "2.59.0", "2.60.0",
)  # fmt: skip
SCENARIOS = ("default", "tuned", "grpc", "router", "draining", "no-replicas")
PIP = ("-m", "pip", "install", "--disable-pip-version-check", "-q")
_DIAG = re.compile(r"^\[(ALERT|WARNING)\]\s+(?:\(\d+\)\s+)?:\s*(?:config\s*:\s*)?(.*)$")
# Summary lines that only repeat a non-zero exit code.
_NOISE = ("Error(s) found in configuration file", "Fatal errors found in configuration")


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def clean_env() -> dict[str, str]:
    """This environment minus Ray Serve's knobs, so Ray renders its defaults."""
    return {k: v for k, v in os.environ.items() if not k.startswith(("RAY_SERVE_", "SERVE_"))}


def run(cmd: list[str], **kw: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, text=True, capture_output=True, check=False, **kw)


def venv_python(venv: Path) -> Path:
    return venv / "bin" / "python"


def installed(py: Path, dist: str) -> str | None:
    if not py.exists():
        return None
    code = f"import importlib.metadata as m; print(m.version({dist!r}))"
    res = run([str(py), "-I", "-c", code])
    return res.stdout.strip() if res.returncode == 0 else None


def ensure_venv(venv: Path, version: str) -> dict[str, str]:
    """A venv with ``ray[serve]==version`` that can import Ray's HAProxy module.

    Returns the extra packages it needed beyond ``ray[serve]`` (name -> version).
    """
    py = venv_python(venv)
    if installed(py, "ray") != version:
        if venv.exists():
            shutil.rmtree(venv)
        log(f"[{version}] creating {venv} and installing ray[serve]=={version}")
        res = run([sys.executable, "-m", "venv", str(venv)])
        if res.returncode != 0:
            raise RuntimeError(f"venv failed: {res.stderr}")
        res = run([str(py), *PIP, f"ray[serve]=={version}"])
        if res.returncode != 0:
            raise RuntimeError(f"pip install ray[serve]=={version} failed: {res.stderr[-2000:]}")
    else:
        log(f"[{version}] reusing {venv}")
    extras: dict[str, str] = {}
    # ray[serve] < 2.59 does not depend on jinja2, which haproxy.py imports (in
    # 2.57/2.58 even `import ray.serve` fails without it): add it, and record it
    # whenever the release does not declare it, so reruns give the same manifest.
    code = (
        "import importlib.metadata as m; "
        "print(any(r.startswith('jinja2') and 'serve' in r for r in m.requires('ray') or []))"
    )
    declared = run([str(py), "-I", "-c", code]).stdout.strip() == "True"
    if not declared:
        if installed(py, "jinja2") is None:
            log(f"[{version}] ray[serve] lacks jinja2; installing it")
            res = run([str(py), *PIP, "jinja2"])
            if res.returncode != 0:
                raise RuntimeError(f"pip install jinja2 failed: {res.stderr[-2000:]}")
        extras["jinja2"] = installed(py, "jinja2") or "?"
    return extras


def render(py: Path, workdir: Path, scenarios: list[str]) -> dict[str, Any]:
    """Run the inner renderer; returns its result.json."""
    cmd = [str(py), "-I", str(INNER), "--workdir", str(workdir)]
    cmd += ["--scenarios", ",".join(scenarios)]
    res = run(cmd, env=clean_env(), cwd=workdir)
    result = workdir / "result.json"
    if res.returncode != 0 or not result.exists():
        raise RuntimeError(f"inner renderer failed ({res.returncode}): {res.stderr[-3000:]}")
    data: dict[str, Any] = json.loads(result.read_text())
    result.unlink()
    return data


def haproxy_version(binary: str) -> str:
    res = run([binary, "-v"])
    m = re.search(r"version (\S+)", res.stdout)
    return m.group(1) if m else "unknown"


def check(binary: str, cfg: Path, aliases: dict[str, str]) -> dict[str, Any]:
    """``haproxy -c -f cfg``: exit code and ALERT/WARNING lines (paths as ``aliases``)."""
    res = run([binary, "-c", "-f", str(cfg)])
    messages = []
    for line in (res.stdout + res.stderr).splitlines():
        m = _DIAG.match(line.strip())
        if m and not m.group(2).startswith(_NOISE):
            text = m.group(2)
            for path, alias in aliases.items():
                text = text.replace(path, alias)
            messages.append(f"{m.group(1)}: {text}")
    return {"ok": res.returncode == 0, "rc": res.returncode, "messages": messages}


def with_files(rec: dict[str, Any]) -> tuple[Path, Path]:
    """The raw render plus the files Ray writes beside it (500.http, the Lua
    router) under a short scratch dir: HAProxy caps unix socket paths at 97
    characters, which Ray's own per-node paths fit but a deep temp dir does not."""
    root, raw = Path(rec["root"]), Path(rec["config"])
    short = Path(tempfile.mkdtemp(prefix="rfx", dir="/tmp"))
    for f in root.rglob("*"):
        if f.is_file() and not f.name.startswith(raw.name):
            dest = short / f.relative_to(root)
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(f, dest)
    cfg = short / raw.relative_to(root)
    cfg.parent.mkdir(parents=True, exist_ok=True)
    cfg.write_text(raw.read_text().replace(str(root), str(short)))
    return short, cfg


def version_key(v: str) -> tuple[int, ...]:
    return tuple(int(p) for p in v.split(".") if p.isdigit())


def do_version(version: str, args: argparse.Namespace, binaries: dict[str, str]) -> dict[str, Any]:
    t0 = time.monotonic()
    extras = ensure_venv(args.venv_root / f"ray-{version}", version)
    py = venv_python(args.venv_root / f"ray-{version}")
    t1 = time.monotonic()
    entries: dict[str, Any] = {}
    workdir = Path(tempfile.mkdtemp(prefix=f"ray-fixtures-{version}-"))
    try:
        wanted = [s for s in SCENARIOS if s in args.scenarios]
        results: dict[str, Any] = {}
        base = None
        rest = [s for s in wanted if s != "tuned"]
        for group in ([rest] if rest else []) + ([["tuned"]] if "tuned" in wanted else []):
            data = render(py, workdir, group)
            if data["ray"] != version:
                raise RuntimeError(f"venv has ray {data['ray']}, wanted {version}")
            base = data["ray_base_dir"]
            results.update(data["scenarios"])
        placeholder = args.placeholder or base or "/tmp/haproxy-serve"
        out_dir = args.out / version
        out_dir.mkdir(parents=True, exist_ok=True)
        for scenario in wanted:
            rec = results[scenario]
            env = {"ray": version, "extra_packages": extras}
            if rec.get("skipped"):
                stale = out_dir / f"{scenario}.cfg"
                if stale.exists():
                    stale.unlink()
                entries[scenario] = {
                    "file": None,
                    "skipped": rec["skipped"],
                    "settings": {},
                    "env": env,
                }
                continue
            raw = Path(rec["config"])
            text = raw.read_text().replace(rec["root"], placeholder)
            dest = out_dir / f"{scenario}.cfg"
            dest.write_text(text)
            rel = dest.relative_to(args.out).as_posix()
            checks = {}
            short, short_cfg = with_files(rec)
            try:
                for label, binary in binaries.items():
                    checks[label] = {
                        "fixture": check(binary, dest, {str(dest): rel}),
                        "with_files": check(
                            binary, short_cfg, {str(short_cfg): rel, str(short): placeholder}
                        ),
                    }
            finally:
                shutil.rmtree(short, ignore_errors=True)
            entries[scenario] = {
                "file": rel,
                "skipped": None,
                "settings": rec["settings"],
                "notes": rec["notes"],
                "placeholder": placeholder,
                "topology": rec["topology"],
                "env": env,
                "haproxy_check": checks,
            }
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    log(f"[{version}] venv {t1 - t0:.1f}s, render+check {time.monotonic() - t1:.1f}s")
    return entries


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--versions", default=",".join(VERSIONS), help="comma-separated")
    ap.add_argument("--out", type=Path, default=ROOT / "tests" / "fixtures" / "ray")
    ap.add_argument("--venv-root", type=Path, default=Path("/tmp/ray-venvs"))
    ap.add_argument("--scenarios", default=",".join(SCENARIOS))
    ap.add_argument("--haproxy", action="append", help="for `-c` (default /usr/sbin/haproxy)")
    ap.add_argument("--placeholder", help="replaces the scratch dir (default: Ray's own)")
    args = ap.parse_args(argv)
    args.scenarios = {s for s in args.scenarios.split(",") if s}
    if args.scenarios - set(SCENARIOS):
        ap.error(f"unknown scenarios: {sorted(args.scenarios - set(SCENARIOS))}")
    versions = [v for v in args.versions.split(",") if v]
    args.out.mkdir(parents=True, exist_ok=True)
    args.venv_root.mkdir(parents=True, exist_ok=True)
    binaries = {}
    for b in args.haproxy or ["/usr/sbin/haproxy"]:
        if shutil.which(b):
            binaries[f"haproxy {haproxy_version(b)}"] = b
        else:
            log(f"warning: {b} not found; skipping its checks")

    manifest_path = args.out / "manifest.json"
    manifest: dict[str, Any] = {}
    if manifest_path.exists():
        manifest = json.loads(manifest_path.read_text())
    failed = []
    for version in versions:
        try:
            entries = do_version(version, args, binaries)
        except RuntimeError as exc:
            log(f"[{version}] FAILED: {exc}")
            failed.append(version)
            continue
        manifest.setdefault(version, {}).update(entries)
    ordered = {v: manifest[v] for v in sorted(manifest, key=version_key)}
    manifest_path.write_text(json.dumps(ordered, indent=2) + "\n")
    log(f"wrote {manifest_path}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
