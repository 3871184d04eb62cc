"""One ``haproxy -c`` run on temporary copies of a configuration's files, read back as diagnostics.

HAProxy checks copies (so a :class:`Config` in memory can be checked, and the
bytes checked are the bytes whose positions are reported), ``-f`` each in the
order given, run in the first file's folder so that relative ``errorfile``,
``crt``, ``lua-load``... paths resolve as they would for the real files.  A
``default-path config`` (or ``parent``) line is pinned to the real file's
folder in the copy (``default-path origin <folder>``), so it too resolves as
for the real file.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

import attrs

from haproxy_model.base.diagnostics import Diagnostic
from haproxy_model.base.errors import InvalidType, IsADirectory, MissingFile
from haproxy_model.base.files import ENCODING, ERRORS, PathLike
from haproxy_model.io.haproxy import process
from haproxy_model.io.haproxy.output import (
    Names,
    Source,
    exit_diagnostics,
    parse_output,
    user_folder,
)
from haproxy_model.io.haproxy.places import Index
from haproxy_model.io.haproxy.references import references, report_missing
from haproxy_model.model.config import Config
from haproxy_model.syntax.nodes import Directive
from haproxy_model.syntax.render import dumps
from haproxy_model.syntax.words import quote

Target = Config | PathLike
#: One configuration file, or the files of one configuration (``-f a.cfg -f b.cfg``).
Targets = Target | Sequence[Target]


@attrs.frozen
class _Input:
    """One file to check: the user's name for it, its bytes, its Config if it parses."""

    filename: str
    data: bytes
    cfg: Config | None
    default_cwd: str


def as_list(targets: Targets) -> list[Target]:
    """One target or several as a list of files (a str is one path, not a sequence).

    A directory stands for its ``*.cfg`` files and a Config of several files
    (``hm.load_many``) for its files, as ``haproxy -f`` reads them.
    """
    if isinstance(targets, (Config, str, os.PathLike)):
        targets = [targets]
    elif not isinstance(targets, Sequence):
        raise InvalidType(f"check() takes a Config or a path, not {type(targets).__name__}")
    out: list[Target] = []
    for target in targets:
        if isinstance(target, Config) and target.origins is not None:
            from haproxy_model.model.api import parse

            out += [parse(text, filename=name) for name, text in target.files().items()]
        elif isinstance(target, (str, os.PathLike)) and os.path.isdir(target):
            from haproxy_model.model.many import config_files

            out += config_files([target])
        else:
            out.append(target)
    return out


def run(
    exe: str,
    targets: Targets,
    *,
    timeout: float,
    cwd: PathLike | None,
    env: Mapping[str, str] | None = None,
    ignore_dns: bool = False,
) -> tuple[list[Diagnostic], int, str]:
    """Run ``exe -c -f <copy>...`` on the files: their diagnostics, the exit status, the output.

    ``env`` is added to this process's environment for HAProxy (and for the
    variables in referenced files' paths); ``ignore_dns`` passes ``-dr``.
    """
    inputs = [_input(t) for t in as_list(targets)]
    if not inputs:
        raise InvalidType("check() needs at least one configuration")
    run_dir = os.fspath(cwd) if cwd is not None else inputs[0].default_cwd
    environment = {**os.environ, **(env or {})}
    what = f"{exe} -c on {', '.join(i.filename for i in inputs)}"

    with tempfile.TemporaryDirectory(prefix="haproxy-model-check-") as tmp:
        sources: list[Source] = []
        for number, item in enumerate(inputs, 1):
            folder = user_folder(item.filename, run_dir)
            os.mkdir(os.path.join(tmp, str(number)))
            temp_path = os.path.join(tmp, str(number), _temp_name(item.filename))
            with open(temp_path, "wb") as fh:
                fh.write(_pin_default_path(item.data, item.cfg, folder))
            sources.append(Source(temp_path, item.filename, item.cfg, folder))
        argv = [exe, "-c", *(["-dr"] if ignore_dns else [])]
        for source in sources:
            argv += ["-f", source.temp_path]
        returncode, raw = process.run(
            argv, cwd=run_dir, timeout=timeout, what=what, env=environment
        )
        names = Names(sources)
        diagnostics = parse_output(raw, sources=sources)
        refs = [
            ref
            for s in sources
            if s.cfg is not None
            for ref in references(s.cfg, cwd=run_dir, env=environment, folder=s.folder)
        ]
        diagnostics = report_missing(diagnostics, refs, failed=returncode not in (0, 2))
        diagnostics.extend(
            exit_diagnostics(raw, returncode, diagnostics, inputs[0].filename, names)
        )
        output = names.replace(raw)
    return diagnostics, returncode, output


def _input(target: Target) -> _Input:
    if isinstance(target, Config):
        filename = target.filename
        default_cwd = (
            os.path.dirname(os.path.abspath(filename)) if os.path.isfile(filename) else os.getcwd()
        )
        return _Input(filename, dumps(target).encode(ENCODING, ERRORS), target, default_cwd)
    if isinstance(target, (str, os.PathLike)):
        filename = os.fspath(target)
        data = _read_config_bytes(filename)
        default_cwd = os.path.dirname(os.path.abspath(filename))
        return _Input(filename, data, _try_parse(data, filename), default_cwd)
    raise InvalidType(f"check() takes a Config or a path, not {type(target).__name__}")


def _read_config_bytes(filename: str) -> bytes:
    p = Path(filename)
    if p.is_dir():
        raise IsADirectory(f"{filename}: is a directory, not a configuration file")
    try:
        return p.read_bytes()
    except FileNotFoundError:
        hint = " (to check text, pass hm.parse(text))" if "\n" in filename else ""
        raise MissingFile(f"{filename}: no such file{hint}") from None


def _try_parse(data: bytes, filename: str) -> Config | None:
    """The file's Config for positions and sections, or None if it does not parse."""
    from haproxy_model.model.api import parse

    try:
        return parse(data.decode(ENCODING, ERRORS), filename=filename)
    except Exception:  # any parse failure: fall back to bare line numbers
        return None


def _temp_name(filename: str) -> str:
    base = os.path.basename(filename)
    if not base or base.startswith(".") or not re.fullmatch(r"[\w.+-]+", base):
        return "haproxy.cfg"
    return base


def _pin_default_path(data: bytes, cfg: Config | None, folder: str) -> bytes:
    """``data`` with ``default-path config|parent`` in ``global`` made ``origin <folder>``."""
    if cfg is None:
        return data
    index = Index(cfg)
    lines = data.split(b"\n")
    if len(lines) < len(index.lines):
        return data
    for number, node in enumerate(index.lines, 1):
        if not isinstance(node, Directive) or node.keyword != "default-path":
            continue
        section = index.section_of.get(id(node))
        mode = node.value_at(1)
        if section is None or section.keyword != "global" or mode not in ("config", "parent"):
            continue
        origin = folder if mode == "config" else os.path.dirname(folder)
        cr = b"\r" if lines[number - 1].endswith(b"\r") else b""
        text = f"{node.parts().indent}default-path origin {quote(origin)}"
        lines[number - 1] = text.encode(ENCODING, ERRORS) + cr
    return b"\n".join(lines)


__all__ = ["Target", "Targets", "as_list", "run"]
