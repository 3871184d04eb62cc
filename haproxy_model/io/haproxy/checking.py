"""One ``haproxy -c`` run on a temporary copy of a configuration, read back as diagnostics.

HAProxy checks a copy (so a :class:`Config` in memory can be checked, and the
bytes checked are the bytes whose positions are reported), run in the original
file's folder so that relative ``errorfile``, ``crt``, ``lua-load``... paths
resolve as they would for the real file.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

from haproxy_model.base.diagnostics import Diagnostic
from haproxy_model.base.errors import InvalidType, MissingFile
from haproxy_model.base.files import ENCODING, ERRORS, PathLike
from haproxy_model.io.haproxy import process
from haproxy_model.io.haproxy.output import TempNames, exit_diagnostics, parse_output, user_folder
from haproxy_model.model.config import Config
from haproxy_model.syntax.render import dumps


def run(
    exe: str,
    cfg_or_path: Config | PathLike,
    *,
    timeout: float,
    cwd: PathLike | None,
) -> tuple[list[Diagnostic], int, str]:
    """Run ``exe -c`` on the configuration: its diagnostics, exit status and output."""
    cfg: Config | None
    if isinstance(cfg_or_path, Config):
        cfg = cfg_or_path
        filename = cfg.filename
        data = dumps(cfg).encode(ENCODING, ERRORS)
        default_cwd = (
            os.path.dirname(os.path.abspath(filename)) if os.path.isfile(filename) else os.getcwd()
        )
    elif isinstance(cfg_or_path, (str, os.PathLike)):
        filename = os.fspath(cfg_or_path)
        data = _read_config_bytes(filename)
        cfg = _try_parse(data, filename)
        default_cwd = os.path.dirname(os.path.abspath(filename))
    else:
        raise InvalidType(f"check() takes a Config or a path, not {type(cfg_or_path).__name__}")
    run_dir = os.fspath(cwd) if cwd is not None else default_cwd

    with tempfile.TemporaryDirectory(prefix="haproxy-model-check-") as tmp:
        tmp_path = os.path.join(tmp, _temp_name(filename))
        with open(tmp_path, "wb") as fh:
            fh.write(data)
        returncode, raw = process.run(
            [exe, "-c", "-f", tmp_path],
            cwd=run_dir,
            timeout=timeout,
            what=f"{exe} -c on {filename}",
        )
        folder = user_folder(filename, run_dir)
        names = TempNames(tmp_path, folder, filename)
        diagnostics = parse_output(
            raw, temp_path=tmp_path, filename=filename, cfg=cfg, folder=folder
        )
        diagnostics.extend(exit_diagnostics(raw, returncode, diagnostics, filename, names))
        output = names.replace(raw)
    return diagnostics, returncode, output


def _read_config_bytes(filename: str) -> bytes:
    p = Path(filename)
    if p.is_dir():
        raise IsADirectoryError(f"{filename}: is a directory, not a configuration file")
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


__all__ = ["run"]
