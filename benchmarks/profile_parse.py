"""Profile one ``hm.parse`` of a generated config (import and warm-up excluded).

python benchmarks/profile_parse.py                 # the 100k file, top 15 by cumtime
python benchmarks/profile_parse.py --size 1M --top 30 --sort tottime
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import generate  # noqa: E402

import haproxy_model as hm  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--size", default="100k")
    ap.add_argument("--top", type=int, default=15)
    ap.add_argument("--sort", default="cumtime")
    ap.add_argument("--out", type=Path, default=HERE / "out")
    args = ap.parse_args(argv)
    n = generate.parse_size(args.size)
    path = generate.write_configs(args.out, [n])[n]
    with open(path, encoding="utf-8", newline="") as fh:
        text = fh.read()
    hm.parse("global\n    maxconn 10\n")  # warm-up: grammar, compiled patterns
    prof = cProfile.Profile()
    prof.enable()
    hm.parse(text)
    prof.disable()
    pstats.Stats(prof).sort_stats(args.sort).print_stats(args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
