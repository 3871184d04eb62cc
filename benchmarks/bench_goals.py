"""The speed goals of issue 16 for parsing and ``dumps``, each beside its reference.

In one run, on the generated configs (benchmarks/generate.py, literal addresses,
so ``haproxy -c`` does no DNS), medians of ``--runs`` (3) timed calls:

* ``parse N``: ``hm.parse(text)`` (GC on, as a user gets it) against
  ``haproxy -c -q -f FILE`` on the same file; goal: ratio <= 0.5.
* ``edit + dumps 100k``: on a freshly parsed config, look a backend up by name,
  set its first server's ``maxconn``, then ``hm.dumps``; against the same edit done
  on the text with a plain string slice (the backend's block found with
  ``str.find``) and ``re.sub``; goal: <= 10 ms.  The same after a first ``dumps``
  (steady state) and the first ``dumps`` of a fresh parse without an edit are
  printed for information.

Usage::

    python benchmarks/bench_goals.py                    # 100k and 1M
    python benchmarks/bench_goals.py --sizes 100k --runs 5
    PYTHONPATH=/path/to/other/checkout python benchmarks/bench_goals.py   # "before"

The machine is shared: compare the ratios of one run, not figures across runs.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import re
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402
from bench_parse import measure_haproxy  # noqa: E402

import haproxy_model as hm  # noqa: E402

PARSE_GOAL = 0.5  # parse / haproxy -c
EDIT_GOAL_S = 0.010  # one edit + dumps at 100k lines


def median_of(fn: Callable[[], Any], runs: int, setup: Callable[[], Any] | None = None) -> float:
    """Median wall time of ``runs`` calls; ``setup`` (untimed) runs before each call and
    its result is passed to ``fn``; garbage is collected outside the timed region."""
    times = []
    for _ in range(runs):
        arg = setup() if setup is not None else None
        gc.collect()
        t0 = time.perf_counter()
        result = fn(arg) if setup is not None else fn()  # type: ignore[call-arg]
        times.append(time.perf_counter() - t0)
        del result, arg
    return statistics.median(times)


def backend_name(text: str) -> str:
    """A backend in the middle of the file (its servers are the ones edited)."""
    names = re.findall(r"^backend (\S+)$", text, re.M)
    return names[len(names) // 2]


def edit_model(cfg: hm.Config, name: str, value: int) -> str:
    server = next(iter(cfg.backends[name].servers.values()))
    server.maxconn = value
    return hm.dumps(cfg)


_NEXT_SECTION = re.compile(r"^(?:backend|frontend|listen|defaults|global)\b", re.M)
_MAXCONN = re.compile(r"^(\s*server\s.*?\bmaxconn\s+)\d+", re.M)


def edit_text(text: str, name: str, value: int) -> str:
    """The reference: the same edit with a string slice and re.sub."""
    start = text.index(f"\nbackend {name}\n") + 1
    nxt = _NEXT_SECTION.search(text, start + 1)
    end = nxt.start() if nxt else len(text)
    block = _MAXCONN.sub(lambda m: m.group(1) + str(value), text[start:end], count=1)
    return text[:start] + block + text[end:]


def measure_edit(text: str, runs: int) -> dict[str, Any]:
    """The edit + dumps row (on a 100k-line text)."""
    name = backend_name(text)
    counter = iter(range(100, 10**9))
    check = hm.parse(text)
    assert edit_model(check, name, 77) == edit_text(text, name, 77), "the two edits differ"
    del check
    fresh = median_of(
        lambda cfg: edit_model(cfg, name, next(counter)), runs, setup=lambda: hm.parse(text)
    )
    dumped = hm.parse(text)
    hm.dumps(dumped)
    edit_model(dumped, name, 1)
    steady = median_of(lambda: edit_model(dumped, name, next(counter)), runs)
    dumped = None
    first_dumps = median_of(hm.dumps, runs, setup=lambda: hm.parse(text))
    ref = median_of(lambda: edit_text(text, name, next(counter)), runs)
    print(
        f"  edit + dumps: {fmt(fresh)} (after a first dumps {fmt(steady)}; "
        f"a first dumps alone {fmt(first_dumps)})  slice + re.sub {fmt(ref)}",
        flush=True,
    )
    return {
        "work": "one server's maxconn edited + dumps, 100k lines",
        "figure_s": fresh,
        "reference": "string slice + re.sub",
        "reference_s": ref,
        "ratio": fresh / ref,
        "goal": f"<= {EDIT_GOAL_S * 1e3:.0f} ms",
        "met": fresh <= EDIT_GOAL_S,
        "after_a_first_dumps_s": steady,
        "first_dumps_no_edit_s": first_dumps,
    }


def fmt(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    return f"{seconds * 1e3:.1f} ms" if seconds < 1 else f"{seconds:.2f} s"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--sizes", default="100k,1M")
    ap.add_argument("--runs", type=int, default=3, help="timed calls per figure (median)")
    ap.add_argument("--no-haproxy", action="store_true")
    ap.add_argument("--out", type=Path, default=HERE / "out")
    ap.add_argument("--json", type=Path, help="also write the rows here")
    args = ap.parse_args(argv)

    sizes = sorted(generate.parse_size(s) for s in args.sizes.split(",") if s.strip())
    paths = generate.write_configs(args.out, sizes)
    hm.parse(generate.generate(200))  # warm-up: grammar, compiled patterns
    print(f"haproxy_model from {Path(hm.__file__).parent}")
    load = os.getloadavg()
    print(
        f"load average at start: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} ({os.cpu_count()} cpus)"
    )

    rows: list[dict[str, Any]] = []
    for n in sizes:
        label = generate.size_label(n)
        path = paths[n]
        with open(path, encoding="utf-8", newline="") as fh:
            text = fh.read()
        parse_s = median_of(lambda t=text: hm.parse(t), args.runs)
        hap = None
        if not args.no_haproxy:
            res = measure_haproxy(path, args.runs, 600)
            hap = statistics.median(res["times"]) if res.get("times") else None
        rows.append(
            {
                "work": f"parse {label} lines",
                "figure_s": parse_s,
                "reference": "haproxy -c",
                "reference_s": hap,
                "ratio": parse_s / hap if hap else None,
                "goal": f"<= {PARSE_GOAL} x haproxy -c",
                "met": (parse_s / hap <= PARSE_GOAL) if hap else None,
            }
        )
        print(f"  parse {label}: {fmt(parse_s)}  haproxy -c {fmt(hap)}", flush=True)
        if n == 100_000:
            rows.append(measure_edit(text, args.runs))
        del text
        gc.collect()

    print()
    head = f"{'work':<48} {'figure':>9} {'reference':>24} {'ratio':>6}  {'goal':<22} met"
    print(head)
    print("-" * len(head))
    for r in rows:
        ref = f"{r['reference']} {fmt(r['reference_s'])}"
        ratio = "-" if r["ratio"] is None else f"{r['ratio']:.2f}"
        met = {True: "yes", False: "NO", None: "-"}[r["met"]]
        print(
            f"{r['work']:<48} {fmt(r['figure_s']):>9} {ref:>24} {ratio:>6}  {r['goal']:<22} {met}"
        )
    load = os.getloadavg()
    print(f"\nload average at end: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
