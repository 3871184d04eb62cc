"""Start-up and writing: three rows of issue 16, each beside its reference, in one run.

| row | figure | reference (same run) | goal |
| --- | --- | --- | --- |
| import | ``python -c "import haproxy_model"`` | ``python -c pass`` | <= 1.5x |
| check | ``python -m haproxy_model check FILE`` (50 lines) | ``haproxy -c -f FILE`` | <= 4x |
| dump | a server's maxconn edited + ``hm.dump`` | edit, fsync'd temp file, rename | <= 1.5x |

The dump row's file has 100k lines; its reference edits the same line of the same
text by a string slice, writes a temporary file beside it, fsyncs and renames it.

Method.  The first two rows time whole processes: figure and reference run in
turn (A B A B ...) after a warm-up, each run's wall time around fork/exec/wait
and its CPU time from ``os.wait4`` (user + system); the ratio is taken pair by
pair and its median printed, so a machine that speeds up or slows down during
the run moves both sides of a pair alike.  A third line, ``python -c pass`` over
``haproxy -c``, shows the floor of the check row: what the interpreter alone
costs before haproxy-model does anything.  The dump row is timed in-process
(``time.perf_counter``), figure and reference alternating, medians.

The processes import this checkout (``PYTHONPATH``), not an installed copy.
Python modules load from bytecode, as from an installed wheel (pip compiles
it at install): the runs use a private ``PYTHONPYCACHEPREFIX``, filled by the
warm-up run, even where ``PYTHONDONTWRITEBYTECODE`` is set.  ``--source``
measures as the environment gives it instead (every import compiled from
source when bytecode writing is off).

Usage::

    python benchmarks/bench_startup.py                  # about a minute on 2 cores
    python benchmarks/bench_startup.py --runs 15 --only import,check
    python benchmarks/bench_startup.py --source --json out.json

Outputs the table and ``benchmarks/out/startup.json``.  The exit code is 0
whatever the figures (``--strict``: 1 when a goal is missed).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402

ROWS = ("import", "check", "dump")
GOALS = {"import": 1.5, "check": 4.0, "dump": 1.5}


def environment(root: Path, source: bool, cache: str) -> dict[str, str]:
    """The child processes' environment: the checkout ``root`` first on the path; bytecode
    cached in ``cache`` unless ``source``."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(root), *filter(None, [env.get("PYTHONPATH")])])
    env.pop("NO_COLOR", None)
    if not source:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = cache
    return env


def run_once(cmd: list[str], env: dict[str, str]) -> tuple[float, float, int]:
    """One run of ``cmd``: (wall seconds, CPU seconds, exit status); output thrown away."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        cmd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL, cwd=HERE,
    )  # fmt: skip
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    return wall, usage.ru_utime + usage.ru_stime, proc.returncode


def pair(a: list[str], b: list[str], env: dict[str, str], runs: int) -> dict[str, Any]:
    """``a`` and ``b`` in turn, ``runs`` times each after one warm-up of each."""
    run_once(a, env), run_once(b, env)
    rows: list[tuple[float, float, float, float]] = []
    codes: set[tuple[int, int]] = set()
    for _ in range(runs):
        wa, ca, xa = run_once(a, env)
        wb, cb, xb = run_once(b, env)
        rows.append((wa, ca, wb, cb))
        codes.add((xa, xb))
    return summary(rows, codes)


def summary(rows: list[tuple[float, float, float, float]], codes: set[Any]) -> dict[str, Any]:
    med = statistics.median
    return {
        "figure_wall": med(r[0] for r in rows),
        "figure_cpu": med(r[1] for r in rows),
        "reference_wall": med(r[2] for r in rows),
        "reference_cpu": med(r[3] for r in rows),
        "ratio_wall": med(r[0] / r[2] for r in rows),
        "ratio_cpu": med(r[1] / r[3] for r in rows if r[3] > 0),
        "ratio_wall_min": min(r[0] / r[2] for r in rows),
        "ratio_wall_max": max(r[0] / r[2] for r in rows),
        "runs": len(rows),
        "exit_codes": sorted(codes),
    }


def measure_dump(folder: Path, lines: int, runs: int) -> dict[str, Any]:
    """One server's maxconn edited and the file written: ``hm.dump`` against a plain write."""
    import haproxy_model as hm

    text = generate.generate(lines)
    ours, plain = folder / "ours.cfg", folder / "plain.cfg"
    ours.write_text(text, encoding="utf-8")
    cfg = hm.load(ours)
    backend = next(iter(cfg.backends))
    server = cfg.backends[backend].servers["s1"]
    # the reference edits the same line by slicing the text: where that line is
    match = re.search(rf"^backend {re.escape(backend)}\n(?:.*\n)*?(\s*server s1 .*)$", text, re.M)
    assert match is not None
    start, end = match.span(1)
    line = match.group(1)
    before, after = text[:start], text[end:]

    def plain_dump(value: int) -> None:
        new = before + re.sub(r"maxconn \d+", f"maxconn {value}", line) + after
        tmp = folder / f".plain.cfg.{value}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        try:
            view = memoryview(new.encode("utf-8", "surrogateescape"))
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, plain)

    def our_dump(value: int) -> None:
        server.maxconn = value
        hm.dump(cfg, ours)

    rows = []
    alone = []
    for i in range(runs + 1):  # the first pair is a warm-up
        t0 = time.perf_counter()
        our_dump(100 + i)
        t1 = time.perf_counter()
        plain_dump(100 + i)
        t2 = time.perf_counter()
        hm.dumps(cfg)
        t3 = time.perf_counter()
        if i:
            rows.append((t1 - t0, t1 - t0, t2 - t1, t2 - t1))
            alone.append(t3 - t2)
    assert ours.read_text(encoding="utf-8") == plain.read_text(encoding="utf-8")
    result = summary(rows, set())
    for key in ("figure_cpu", "reference_cpu", "ratio_cpu", "exit_codes"):
        result.pop(key)
    result["dumps_alone"] = statistics.median(alone)
    return result


def fmt(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms" if seconds < 1 else f"{seconds:.2f} s"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--runs", type=int, default=11, help="pairs per row (default 11)")
    ap.add_argument("--only", default=",".join(ROWS), help=f"rows, of {','.join(ROWS)}")
    ap.add_argument("--lines", type=int, default=100_000, help="size of the dump row's file")
    ap.add_argument("--source", action="store_true", help="no private bytecode cache")
    ap.add_argument(
        "--checkout",
        type=Path,
        default=HERE.parent,
        help="the checkout whose haproxy_model is measured (default: this one)",
    )
    ap.add_argument("--dir", type=Path, default=HERE / "out", help="where files are written")
    ap.add_argument("--json", type=Path, default=None, help="default: DIR/startup.json")
    ap.add_argument("--strict", action="store_true", help="exit 1 when a goal is missed")
    args = ap.parse_args(argv)
    only = [r.strip() for r in args.only.split(",") if r.strip()]
    root = args.checkout.resolve()
    sys.path.insert(0, str(root))
    args.dir.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {
        "python": sys.version.split()[0],
        "cpus": os.cpu_count(),
        "loadavg_start": os.getloadavg(),
        "bytecode": "source" if args.source else "cached (private PYTHONPYCACHEPREFIX)",
        "checkout": str(root),
    }
    py = sys.executable
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as tmp:
        env = environment(root, args.source, str(Path(tmp) / "pycache"))
        small = Path(tmp) / "haproxy-50.cfg"
        small.write_text(generate.generate(50), encoding="utf-8")
        haproxy = shutil.which("haproxy")
        if "import" in only:
            results["import"] = pair([py, "-c", "import haproxy_model"], [py, "-c", "pass"],
                                     env, args.runs)  # fmt: skip
        if "check" in only and haproxy:
            check = [py, "-m", "haproxy_model", "check", str(small)]
            reference = [haproxy, "-c", "-q", "-f", str(small)]
            results["check"] = pair(check, reference, env, args.runs)
            results["floor"] = pair([py, "-c", "pass"], reference, env, args.runs)
        if "dump" in only:
            folder = Path(tempfile.mkdtemp(prefix="bench-dump-", dir=args.dir))
            try:
                results["dump"] = measure_dump(folder, args.lines, args.runs)
            finally:
                shutil.rmtree(folder, ignore_errors=True)
    results["loadavg_end"] = os.getloadavg()
    missed = report(results)
    out = args.json or args.dir / "startup.json"
    out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"\nresults: {out}")
    return 1 if args.strict and missed else 0


def report(results: dict[str, Any]) -> int:
    """Print the table; the number of goals missed."""
    names = {
        "import": ("import haproxy_model", "python -c pass"),
        "check": ("check, 50-line file", "haproxy -c"),
        "floor": ("(floor) python -c pass", "haproxy -c"),
        "dump": ("edit + dump to a file", "plain fsync'd write"),
    }
    load = results["loadavg_start"][0]
    print(f"Python {results['python']}, {results['cpus']} CPUs, load average {load:.1f} at start;"
          f" bytecode {results['bytecode']}\n")  # fmt: skip
    print("| work | haproxy-model | reference | ratio (wall) | ratio (cpu) | goal | |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | --- |")
    missed = 0
    for key in ("import", "check", "floor", "dump"):
        r = results.get(key)
        if r is None:
            continue
        label, ref = names[key]
        goal = GOALS.get(key)
        cpu = f"{r['ratio_cpu']:.2f}" if "ratio_cpu" in r else "-"
        verdict = ""
        if goal is not None:
            ok = r["ratio_wall"] <= goal
            missed += not ok
            verdict = "met" if ok else "MISSED"
        print(
            f"| {label} | {fmt(r['figure_wall'])} | {ref} {fmt(r['reference_wall'])} "
            f"| {r['ratio_wall']:.2f} ({r['ratio_wall_min']:.2f}-{r['ratio_wall_max']:.2f}) "
            f"| {cpu} | {f'<= {goal}' if goal else '-'} | {verdict} |"
        )
    if "dump" in results:
        dump = results["dump"]
        print(
            f"\nof the dump row: `dumps` (rendering the text) {fmt(dump['dumps_alone'])}, "
            f"the safe write (lock, check, temporary file, fsync, swap, folder fsync) about "
            f"{fmt(dump['figure_wall'] - dump['dumps_alone'])}"
        )
    return missed


if __name__ == "__main__":
    sys.exit(main())
