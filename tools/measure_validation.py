"""How often ``validate(cfg, version="2.6")`` agrees with HAProxy 2.6 on the corpus.

Comparable files: those HAProxy accepted (``ok``, ``warning``, ``nolistener``) and
those it refused for what is written in them (``syntax/version``, ``expected-failure``,
``lexical`` classes of ``../shared/corpus/manifest.tsv``), not for a missing file, DNS
or the build. Agreement: we report an error exactly when HAProxy refused the file.

With ``--build VV`` (the ``haproxy -vv`` output of the binary that gave the verdicts,
Debian's 2.6.12: ``/usr/sbin/haproxy -vv > vv.txt``) the validator gets that build
profile, and files refused for their build (``build: ...``) are comparable too.

``python tools/measure_validation.py [--corpus DIR] [--build VV] [--misses]``
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

import haproxy_model as hm
from haproxy_model.keywords.build import Build

WRITTEN = ("syntax/version", "expected-failure", "lexical")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    default = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus"
    parser.add_argument("--corpus", type=Path, default=default)
    parser.add_argument("--misses", action="store_true", help="list the disagreements")
    parser.add_argument("--build", type=Path, default=None, help="haproxy -vv output")
    args = parser.parse_args()
    build = None if args.build is None else Build.from_vv(args.build.read_text())
    written = WRITTEN if build is None else (*WRITTEN, "build")
    manifest = args.corpus / "manifest.tsv"
    with manifest.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    agree = total = false_errors = 0
    misses: list[str] = []
    for row in rows:
        refused = row["haproxy26"] == "error"
        if refused and not row["error_class"].startswith(written):
            continue
        path = args.corpus / row["file"]
        if not path.is_file():
            continue
        try:
            found = hm.validate(hm.load(path), version="2.6", build=build)
            ours = any(d.severity == "error" for d in found)
        except hm.ParseError:
            ours = True
        total += 1
        if ours == refused:
            agree += 1
        elif ours:
            false_errors += 1
            misses.append(f"FALSE ERROR {row['file']}")
        else:
            misses.append(f"missed {row['file']}: {row['haproxy26_detail'][:140]}")
    print(f"{agree}/{total} agree ({100 * agree / max(total, 1):.1f}%), "
          f"{false_errors} false errors")  # fmt: skip
    if args.misses:
        print("\n".join(misses))
    return 0


if __name__ == "__main__":
    sys.exit(main())
