"""The ``haproxy-model`` command line (also ``python -m haproxy_model``).

Commands: ``check``, ``fmt``, ``get``, ``set``, ``unset``, ``diff``,
``plan``, ``drift``, ``apply``, ``to-json``, ``from-json``, ``ray-serve generate|sync|patch``;
``haproxy-model COMMAND --help`` describes each.

Exit status, for every command: 0 success (for ``check``: no error), 1 the
command's answer is "no" (``check`` found problems, ``fmt --check`` would
change the file, ``diff`` found differences, a PATH matched nothing), 2 a
usage error, an unreadable file or a file that does not parse.

Errors are shown as ``file:line:col: error: message`` with the source line
and a caret; colours only when the stream is a terminal and ``NO_COLOR`` is
not set.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from haproxy_model.cli import (
    apply,
    check,
    convert,
    diff,
    drift,
    edit,
    explain,
    fmt,
    plan,
    ray_serve,
)
from haproxy_model.cli._common import PROG, USAGE, CliError, Failed, error_message


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("haproxy-model")
    except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return "unknown"


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of all commands."""
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="HAProxy configuration as code: check, format, query, edit and compare "
        "haproxy.cfg files without losing a byte you did not change.",
        epilog="Exit status: 0 success, 1 problems found (or a difference / no match), "
        "2 usage or parse error.  `haproxy-model COMMAND --help` for each command.",
    )
    parser.add_argument("-V", "--version", action="version", version=f"{PROG} {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    check.add_parser(sub)
    fmt.add_parser(sub)
    edit.add_parsers(sub)
    diff.add_parser(sub)
    explain.add_parser(sub)
    plan.add_parser(sub)
    drift.add_parser(sub)
    apply.add_parser(sub)
    convert.add_parsers(sub)
    ray_serve.add_parsers(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        status: int = args.run(args)
    except CliError as exc:
        error_message(exc.message)
        return exc.status
    except Failed as exc:
        return exc.status
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # the reader went away (`... | head`): stop quietly
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        except OSError:  # pragma: no cover
            pass
        return USAGE
    return status


__all__ = ["build_parser", "main"]
