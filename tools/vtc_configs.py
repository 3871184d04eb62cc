#!/usr/bin/env python3
"""Validate the HAProxy configurations of HAProxy's own regression tests.

HAProxy's ``reg-tests/**/*.vtc`` files start HAProxy instances with
``haproxy h1 [-arg ...] -conf { ... }``: every such configuration is one the
HAProxy of that tag accepts (``-conf-BAD`` ones, meant to be refused, are left
out).  Validating them for the tag's version must give no error::

    python tools/vtc_configs.py --git-dir <haproxy.git> --ref v2.4.0 --version 2.4

prints each error as ``file#n:line: message`` and a summary, and exits 1 when
there is an error.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Iterator, Sequence

from haproxy_sources import git

import haproxy_model as hm

_START = re.compile(r"^\s*haproxy\s+\S+\s.*-conf\s*\{\s*$")


def extract(vtc: str) -> Iterator[str]:
    """The ``-conf { ... }`` configurations of one ``.vtc`` file, in order.

    The block ends at the line closing the opening brace; braces opened and
    closed on one configuration line (``{ src 1.2.3.4 }``) balance out.
    """
    lines = vtc.splitlines()
    i = 0
    while i < len(lines):
        if not _START.match(lines[i]):
            i += 1
            continue
        depth, body = 1, []
        i += 1
        while i < len(lines):
            line = lines[i]
            code = line.split("#", 1)[0] if line.lstrip().startswith("#") else line
            depth += code.count("{") - code.count("}")
            if depth <= 0:
                break
            body.append(line)
            i += 1
        yield "\n".join(body) + "\n"
        i += 1


def configs(git_dir: str, ref: str) -> Iterator[tuple[str, int, str]]:
    """(vtc path, index, configuration) for every configuration of ``ref``'s reg-tests."""
    names = git(git_dir, "ls-tree", "-r", "--name-only", ref, "reg-tests").split()
    for name in sorted(n for n in names if n.endswith(".vtc")):
        text = git(git_dir, "show", f"{ref}:{name}")
        for index, cfg in enumerate(extract(text), 1):
            yield name, index, cfg


def errors(cfg_text: str, version: str) -> list[hm.Diagnostic]:
    """The validator's errors for one configuration."""
    cfg = hm.parse(cfg_text)
    return [d for d in hm.validate(cfg, version=version) if d.severity == "error"]


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--git-dir", required=True, help="a clone of haproxy/haproxy")
    parser.add_argument("--ref", required=True, help="tag to read, e.g. v2.4.0")
    parser.add_argument("--version", required=True, help="version to validate for, e.g. 2.4")
    args = parser.parse_args(argv)
    count = bad = 0
    for name, index, text in configs(args.git_dir, args.ref):
        count += 1
        found = errors(text, args.version)
        bad += bool(found)
        for diag in found:
            print(f"{name}#{index}:{diag.line}: [{diag.code}] {diag.message}")
    print(f"{args.ref}: {count} configurations, {bad} with errors", file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
