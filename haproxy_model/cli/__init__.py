"""The ``haproxy-model`` command line (also ``python -m haproxy_model``).

Commands: ``check``, ``fmt``, ``get``, ``set``, ``unset``, ``diff``,
``to-json``, ``from-json``, ``ray-serve generate|sync|patch``;
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
import gc
import importlib
import os
import sys
from collections.abc import Sequence

from haproxy_model.cli._common import PROG, USAGE, CliError, Failed, error_message

#: The module of each command, in the order ``--help`` lists them; a command imports
#: only its own module (and what that needs), the others are not loaded.
COMMANDS: dict[str, str] = {
    "check": "check",
    "fmt": "fmt",
    "get": "edit",
    "set": "edit",
    "unset": "edit",
    "diff": "diff",
    "explain": "explain",
    "plan": "plan",
    "drift": "drift",
    "apply": "apply",
    "to-json": "convert",
    "from-json": "convert",
    "ray-serve": "ray_serve",
    "graph": "graph",
    "route": "route",
}


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("haproxy-model")
    except PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return "unknown"


class _Version(argparse.Action):
    """``--version``: argparse's own action, but the installed version is looked up only when
    asked for (``importlib.metadata`` is slow to import)."""

    def __init__(self, option_strings: list[str], dest: str, help: str | None = None) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, help=help)

    def __call__(self, parser: argparse.ArgumentParser, *args: object, **kwargs: object) -> None:
        sys.stdout.write(f"{PROG} {_version()}\n")
        parser.exit()


def _command_of(argv: Sequence[str]) -> str | None:
    """The command ``argv`` names (its first word that is not an option), if it is one of ours.

    The main parser's own options (``-h``, ``-V``) take no value, so the first word
    that does not start with ``-`` is the command; before it, ``-h`` or ``-V`` wins.
    """
    for word in argv:
        if word == "--" or word in ("-h", "--help", "-V", "--version"):
            return None
        if not word.startswith("-"):
            return word if word in COMMANDS else None
    return None


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The argument parser of all commands, or only of ``command`` and its siblings in the
    same module (what running it needs: the others' modules are not imported)."""
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="HAProxy configuration as code: check, format, query, edit and compare "
        "haproxy.cfg files without losing a byte you did not change.",
        epilog="Exit status: 0 success, 1 problems found (or a difference / no match), "
        "2 usage or parse error.  `haproxy-model COMMAND --help` for each command.",
    )
    parser.add_argument(
        "-V", "--version", action=_Version, help="show program's version number and exit"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    wanted = [COMMANDS[command]] if command in COMMANDS else COMMANDS.values()
    for name in dict.fromkeys(wanted):
        module = importlib.import_module(f"haproxy_model.cli.{name}")
        add = getattr(module, "add_parsers", None) or module.add_parser
        add(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status.

    Run as the program (``argv`` None), a command other than ``ray-serve`` (which
    may leave Ray's threads and logging behind) ends the process as soon as its
    output is flushed: the interpreter's teardown of every module and object
    would take a sixth of a short command's time and do nothing visible.
    """
    words = sys.argv[1:] if argv is None else argv
    command = _command_of(words)
    if argv is None:
        # Importing the command's modules allocates many objects and makes next to no
        # cyclic garbage: the collector would only rescan them.  It runs again for the
        # command's own work, past the frozen imports.
        gc.disable()
        try:
            parser = build_parser(command)
        finally:
            gc.freeze()
            gc.enable()
    else:
        parser = build_parser(command)
    status = _run(parser, words)
    if argv is None and command not in (None, "ray-serve"):
        _exit_now(status)
    return status


def _exit_now(status: int) -> None:
    """Flush standard output and error and end the process with ``status``, skipping the
    interpreter's teardown; when a flush fails, return (the normal exit reports it)."""
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        return
    os._exit(status)


def _run(parser: argparse.ArgumentParser, words: Sequence[str]) -> int:
    args = parser.parse_args(words)
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
