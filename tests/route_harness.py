"""A real HAProxy that tells where each request went, to check ``hm.route`` against.

:func:`instrument` rewrites a copy of a configuration: every backend (and
listen) loses its servers and answers every request itself with
``http-request return status 200 ... hdr x-backend <name>``; frontends and
listens bind to free loopback ports instead of their own addresses; the
``global`` section goes (sockets, chroot, users...); ``errorfile`` lines go
(they change bodies, not statuses); ``timeout tarpit`` is made short.  A
backend's 503 (reached, but an ``http-request allow`` skipped the answering
rule, and there is no server) carries the same ``x-backend`` header.
:class:`Running` starts ``haproxy -db`` on it and :meth:`Running.send` sends one
raw HTTP/1.1 request and reads the status and the ``x-backend`` header.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import attrs

import haproxy_model as hm
from haproxy_model._net import free_port
from tests.running_haproxy import stop

#: Section keywords dropped from the copy: process-wide settings and sections
#: a stripped copy cannot serve (they name sockets, peers, programs).
_DROPPED_SECTIONS = ("global", "peers", "program", "mailers", "ring", "log-forward")
#: Lines dropped from proxies in the copy.
_DROPPED_LINES = ("bind", "server", "server-template", "use-server", "dispatch", "errorfile",
                  "errorfiles", "timeout tarpit", "source", "stats socket")  # fmt: skip


@attrs.frozen
class Instrumented:
    text: str
    ports: dict[str, int]  # frontend or listen name -> its port
    backends: frozenset[str]
    tls_ports: dict[str, int] = attrs.field(factory=dict)  # the same over TLS


def _proxies(cfg: hm.Config) -> list[hm.Section]:
    return [s for s in cfg.sections if s.keyword in ("frontend", "listen", "backend", "defaults")]


def instrument(cfg: hm.Config, cert: Path | None = None) -> Instrumented:
    """The copy described in the module docstring (``cfg`` is left as it is); with ``cert``
    (a PEM with the key), each frontend also listens over TLS."""
    copy = hm.parse(hm.dumps(cfg).rstrip("\n") + "\n", filename=cfg.filename)
    for section in [s for s in copy.sections if s.keyword in _DROPPED_SECTIONS]:
        copy.remove(section)
    ports: dict[str, int] = {}
    tls_ports: dict[str, int] = {}
    backends: set[str] = set()
    for section in _proxies(copy):
        for line in list(section.directives()):
            values = line.values
            if not values:
                continue
            two = " ".join(values[:2])
            if (values[0] in _DROPPED_LINES or two in _DROPPED_LINES) and line in section.body:
                section.body.remove(line)
        name = section.name or ""
        added: list[str] = []
        if section.keyword in ("frontend", "listen"):
            ports[name] = free_port()
            added.append(f"bind 127.0.0.1:{ports[name]}")
            if cert is not None:
                tls_ports[name] = free_port()
                added.append(f"bind 127.0.0.1:{tls_ports[name]} ssl crt {cert}")
        if section.keyword != "defaults":
            added.append("timeout tarpit 50ms")
        if section.keyword in ("backend", "listen"):
            backends.add(name)
            added.append(
                f"http-request return status 200 content-type text/plain string {name} "
                f"hdr x-backend {name}"
            )
            # reached, but an `http-request allow` skipped the line above: no server, 503
            added.append(
                f"http-error status 503 content-type text/plain string {name} hdr x-backend {name}"
            )
        for text in added:
            section.body.append(hm.Directive("    " + text))
    return Instrumented(hm.dumps(copy), ports, frozenset(backends), tls_ports)


@attrs.frozen
class Answer:
    status: int | None  # None: the connection was closed without a response
    backend: str | None


def _request_bytes(method: str, target: str, headers: Sequence[tuple[str, str]]) -> bytes:
    lines = [f"{method} {target} HTTP/1.1"]
    lines += [f"{k}: {v}" for k, v in headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


_STATUS = re.compile(rb"HTTP/1\.[01] (\d{3})")


@attrs.define
class Running:
    folder: Path
    proc: subprocess.Popen[bytes]
    ports: dict[str, int]
    log: Path
    tls_ports: dict[str, int] = attrs.field(factory=dict)

    def send(self, frontend: str, method: str, target: str, headers: Sequence[tuple[str, str]],
             sni: str | None = None, tls: bool = False) -> Answer:  # fmt: skip
        """One request; over TLS (with ``sni`` as the server name) when ``tls``."""
        port = (self.tls_ports if tls else self.ports)[frontend]
        data = b""
        with contextlib.ExitStack() as stack:
            sock: socket.socket = stack.enter_context(
                socket.create_connection(("127.0.0.1", port), timeout=5)
            )
            if tls:
                context = ssl.create_default_context()
                context.check_hostname = False
                context.verify_mode = ssl.CERT_NONE
                sock = stack.enter_context(context.wrap_socket(sock, server_hostname=sni))
            sock.sendall(_request_bytes(method, target, headers))
            try:
                while b"\r\n\r\n" not in data:
                    chunk = sock.recv(65536)
                    if not chunk:
                        break
                    data += chunk
            except ConnectionResetError:
                pass
        match = _STATUS.match(data)
        if match is None:
            return Answer(None, None)
        head = data.split(b"\r\n\r\n", 1)[0].decode("latin-1")
        backend = None
        for line in head.split("\r\n")[1:]:
            key, _, value = line.partition(":")
            if key.strip().lower() == "x-backend":
                backend = value.strip()
        return Answer(int(match.group(1)), backend)


def check_config(binary: str, path: Path) -> tuple[bool, str]:
    proc = subprocess.run([binary, "-c", "-f", str(path)], cwd=path.parent, capture_output=True,
                          timeout=30, check=False)  # fmt: skip
    return proc.returncode == 0, (proc.stdout + proc.stderr).decode(errors="replace")


def make_cert(folder: Path) -> Path | None:
    """A self-signed certificate and its key in one PEM (None without the openssl command)."""
    openssl = shutil.which("openssl")
    if openssl is None:
        return None
    key, crt, pem = folder / "key.pem", folder / "crt.pem", folder / "site.pem"
    subprocess.run([openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=route.test", "-keyout", str(key), "-out", str(crt)],
                   capture_output=True, check=True, timeout=60)  # fmt: skip
    pem.write_bytes(crt.read_bytes() + key.read_bytes())
    return pem


@contextmanager
def running(
    binary: str, cfg: hm.Config, extra_files: Sequence[Path] = (), tls: bool = False
) -> Iterator[Running]:
    """HAProxy on the instrumented copy of ``cfg`` (raises RuntimeError if it will not start);
    with ``tls``, each frontend also listens over TLS (when the openssl command is there)."""
    folder = Path(tempfile.mkdtemp(prefix="hm-route-"))
    try:
        for extra in extra_files:
            shutil.copy(extra, folder / extra.name)
        inst = instrument(cfg, make_cert(folder) if tls else None)
        path = folder / "haproxy.cfg"
        path.write_text(inst.text)
        ok, output = check_config(binary, path)
        if not ok:
            raise RuntimeError(output)
        log = folder / "haproxy.log"
        with log.open("wb") as out:
            proc = subprocess.Popen([binary, "-db", "-f", str(path)], cwd=folder,
                                    stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                    start_new_session=True)  # fmt: skip
        try:
            _wait(proc, {**inst.ports, **{f"{k} (TLS)": v for k, v in inst.tls_ports.items()}}, log)
            yield Running(folder, proc, inst.ports, log, inst.tls_ports)
        finally:
            stop(proc)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _wait(proc: subprocess.Popen[bytes], ports: dict[str, int], log: Path) -> None:
    deadline = time.monotonic() + 15
    pending = set(ports.values())
    while pending and time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"haproxy exited {proc.returncode}:\n{log.read_text()}")
        for port in list(pending):
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    pending.discard(port)
            except OSError:
                time.sleep(0.05)
    if pending:
        raise RuntimeError(f"haproxy did not listen on {sorted(pending)}:\n{log.read_text()}")


def agrees(route: hm.Route, answer: Answer) -> bool:
    """Whether HAProxy's answer is the one ``route`` predicts (a decided route)."""
    if route.backend is not None:
        # 200 from the backend's own return rule; 503 where an `allow` skipped it
        return answer.backend == route.backend and answer.status in (200, 503)
    if route.action in ("reject", "silent-drop"):
        return answer.status is None
    return answer == Answer(route.status, None)
