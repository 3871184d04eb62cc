#!/usr/bin/env python3
"""Generate haproxy_model/keywords/actions.json: the rule actions of HAProxy's sources.

For every version :mod:`gen_source_keywords` reads (the ``vX.Y.0`` tags and ``HEAD``),
list the actions each rule set's parser accepts, that is every word that does not
end in HAProxy's "'http-request' expects ..., but got 'X'":

* the keywords of the ``struct action_kw_list`` arrays a compiled file registers
  with ``INITCALL1(STG_REGISTER, <register>, &<array>)``, ``<register>`` being the
  rule set's (``http_req_keywords_register``, ``tcp_req_cont_keywords_register``,
  ``quic_init_actions_register``...); an entry flagged ``KWF_MATCH_PREFIX`` (or, in
  older versions, with a non-zero third field, ``match_pfx``) takes every action
  starting with its word (``set-var`` takes ``set-var(txn.x)``);
* the words the rule set's parser compares with the action word before it looks the
  registered keywords up (``strcmp(args[arg], "accept")``, ``strncmp(args[0],
  "track-sc", 8)``: a prefix): the parser is the function calling the rule set's
  lookup (``action_http_req_custom(args[0])``, ``tcp_req_cont_action(args[arg])``),
  its words those compared at the top level of its body;
* Lua's ``lua.<name>`` actions (``USE_LUA``): ``hlua.c`` registers each action a
  script declares with the register functions it calls (a prefix ``lua.``).

A rule set's list is *exact* for a version when its parser was found; otherwise the
version only lists the registered keywords (a reader must not refuse the others).
Build conditions are recorded as in ``first_words.json`` (Makefile options, addons,
preprocessor tests), the least demanding place winning.

Usage::

    python tools/gen_source_actions.py [--git-dir DIR] [--out FILE] [--no-head]

``tests/test_source_actions.py`` regenerates it and compares when a clone is at hand.
"""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Sequence
from typing import Any

from gen_source_keywords import (
    Found,
    Source,
    _add,
    _runs,
    cli,
    function_body,
    load_sources,
    never_compiled,
    simplify,
)
from haproxy_sources import version_key

SCHEMA = 1

#: rule set -> (register functions, lookup function of its parser)
RULE_SETS: dict[str, tuple[tuple[str, ...], str]] = {
    "http-request": (("http_req_keywords_register",), "action_http_req_custom"),
    "http-response": (("http_res_keywords_register",), "action_http_res_custom"),
    "http-after-response": (("http_after_res_keywords_register",), "action_http_after_res_custom"),
    "tcp-request connection": (("tcp_req_conn_keywords_register",), "tcp_req_conn_action"),
    "tcp-request session": (("tcp_req_sess_keywords_register",), "tcp_req_sess_action"),
    "tcp-request content": (("tcp_req_cont_keywords_register",), "tcp_req_cont_action"),
    "tcp-response content": (("tcp_res_cont_keywords_register",), "tcp_res_cont_action"),
    "quic-initial": (("quic_init_actions_register",), "action_quic_init_custom"),
}

#: the suffix of a word matching every action it starts (a prefix entry)
PREFIX = "*"

_INITCALL = re.compile(r"\bINITCALL1\s*\(\s*STG_REGISTER\s*,\s*(\w+)\s*,\s*&\s*(\w+)\s*\)")
_ENTRY = re.compile(r"\{\s*(\"[^\"]+\"|[A-Z_][A-Z0-9_]*)\s*,\s*(\w+)\s*(?:,\s*([^{}]*?))?\s*\}")
_FUNCTION = re.compile(r"^[A-Za-z_][\w \t\*]*?\b(\w+)\s*\([^;{}]*\)\s*\{", re.MULTILINE)
_NOT_ACTIONS = frozenset({"if", "unless"})


def _array(text: str, name: str) -> tuple[int, str] | None:
    """Offset and text of the initializer of ``struct action_kw_list <name> = {...};``."""
    m = re.search(r"\bstruct\s+action_kw_list\s+" + re.escape(name) + r"\s*=\s*\{", text)
    if m is None:
        return None
    depth, i = 0, m.end() - 1
    while i < len(text):
        c = text[i]
        if c == '"':
            i = text.index('"', i + 1) + 1
            continue
        depth += c == "{"
        depth -= c == "}"
        if depth == 0:
            return m.end() - 1, text[m.end() - 1 : i + 1]
        i += 1
    return None


def _prefix_flag(flags: str | None) -> bool:
    """Whether an entry's flags field asks for prefix matching."""
    if not flags:
        return False
    flags = flags.strip()
    if "KWF_MATCH_PREFIX" in flags:
        return True
    return flags.isdigit() and int(flags) != 0


def registered(sources: Sequence[Source], macros: dict[str, str]) -> dict[str, dict[str, Found]]:
    """``{register function: {word: places}}`` of the arrays registered at STG_REGISTER
    (a word may be a string macro: the OpenTracing addon's ``FLT_OT_ACTION_GROUP``),
    and ``lua.*`` for the register functions hlua.c calls."""
    out: dict[str, dict[str, Found]] = {}
    for src in sources:
        if "action_kw_list" not in src.text and "_register(akl)" not in src.text:
            continue
        for m in _INITCALL.finditer(src.text):
            register, name = m.groups()
            call_conds = src.conditions_at(m.start())
            found = _array(src.text, name)
            if found is None or never_compiled(call_conds):
                continue
            offset, body = found
            for e in _ENTRY.finditer(body):
                conds = simplify((*call_conds, *src.conditions_at(offset + e.start())))
                if never_compiled(conds):
                    continue
                name = e.group(1)
                name = name.strip('"') if name.startswith('"') else macros.get(name, "")
                if not name:
                    continue
                word = name + (PREFIX if _prefix_flag(e.group(3)) else "")
                _add(out.setdefault(register, {}), word, conds)
        if src.path.endswith("hlua.c"):
            for m in re.finditer(r"\b(\w+_register)\s*\(\s*akl\s*\)", src.text):
                conds = src.conditions_at(m.start())
                if not never_compiled(conds):
                    _add(out.setdefault(m.group(1), {}), "lua." + PREFIX, simplify(conds))
    return out


def _functions(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` of the bodies of the function definitions of ``text``."""
    out = []
    for m in _FUNCTION.finditer(text):
        found = function_body(text[m.start() :], m.group(1))
        if found is not None:
            start = m.start() + found[0]
            out.append((start, start + len(found[1])))
    return out


def _depths(body: str) -> list[int]:
    """The brace depth at each offset of a function body (1 inside its outer braces)."""
    out, depth = [], 0
    for c in body:
        if c == "{":
            depth += 1
        out.append(depth)
        if c == "}":
            depth -= 1
    return out


def hand_parsed(sources: Sequence[Source], lookup: str) -> tuple[bool, dict[str, Found]]:
    """Whether the parser calling ``lookup`` on the action word was found, and the words
    it compares that word with at the top level of its body, before the lookup."""
    found_parser = False
    words: dict[str, Found] = {}
    call = re.compile(r"\b" + lookup + r"\s*\(\s*(args\s*\[\s*\w+\s*\])\s*\)")
    for src in sources:
        if lookup not in src.text:
            continue
        for start, end in _functions(src.text):
            body = src.text[start:end]
            m = call.search(body)
            if m is None:
                continue
            found_parser = True
            arg = re.escape(re.sub(r"\s+", "", m.group(1))).replace(r"\[", r"\s*\[\s*")
            arg = arg.replace(r"\]", r"\s*\]")
            cmp = re.compile(
                r"\bstr(n?)cmp\s*\(\s*" + arg + r"\s*,\s*\"([^\"]*)\"\s*(?:,\s*(\d+)\s*)?\)"
            )
            depth = _depths(body)
            for c in cmp.finditer(body[: m.start()]):
                word = c.group(2)
                if depth[c.start()] != 1 or not word or word in _NOT_ACTIONS:
                    continue
                conds = src.conditions_at(start + c.start())
                if never_compiled(conds):
                    continue
                prefix = c.group(1) == "n" and int(c.group(3) or 0) <= len(word)
                key = word[: int(c.group(3))] + PREFIX if prefix and c.group(3) else word
                _add(words, key, conds)
    return found_parser, words


def extract(git_dir: str, ref: str) -> dict[str, Any]:
    """``{"actions": {rule set: {word: conditions}}, "exact": [rule sets]}``."""
    sources, macros = load_sources(git_dir, ref)
    by_register = registered(sources, macros)
    actions: dict[str, dict[str, list[str]]] = {}
    exact = []
    for rule_set, (registers, lookup) in RULE_SETS.items():
        is_exact, words = hand_parsed(sources, lookup)
        for register in registers:
            for word, f in by_register.get(register, {}).items():
                for conds in f.places:
                    _add(words, word, conds)
        if not words and not is_exact:
            continue  # no such rule set in this version
        actions[rule_set] = {w: list(f.best()) for w, f in sorted(words.items())}
        if is_exact:
            exact.append(rule_set)
    return {"actions": actions, "exact": exact}


def build(git_dir: str, refs: Sequence[tuple[str, str, str]]) -> dict[str, Any]:
    """The data set for ``refs`` (``(version, ref name, commit)``), runs over versions."""
    per: dict[str, dict[str, Any]] = {}
    inputs: dict[str, dict[str, str]] = {}
    for version, ref, commit in refs:
        inputs[version] = {"ref": ref, "commit": commit}
        per[version] = extract(git_dir, commit)
    versions = sorted(per, key=version_key)
    sets = [s for s in RULE_SETS if any(s in per[v]["actions"] for v in versions)]
    exact = {
        s: _runs(versions, [True if s in per[v]["exact"] else None for v in versions]) for s in sets
    }
    table = {
        s: {
            word: _runs(versions, [per[v]["actions"].get(s, {}).get(word) for v in versions])
            for word in sorted({w for v in versions for w in per[v]["actions"].get(s, {})})
        }
        for s in sets
    }
    meta = {
        "schema": SCHEMA,
        "generator": "tools/gen_source_actions.py",
        "versions": versions,
        "inputs": inputs,
        "exact": exact,
    }
    return {"_meta": meta, "actions": table}


def _entries(mapping: dict[str, Any], indent: str) -> list[str]:
    """One ``"key": value`` line per entry, commas between them."""
    items = [f"{indent}{json.dumps(k)}: {json.dumps(v)}" for k, v in mapping.items()]
    return [line + ("," if i < len(items) - 1 else "") for i, line in enumerate(items)]


def dumps(data: dict[str, Any]) -> str:
    """The JSON text, one line per action of a rule set (a change shows as a line)."""
    meta = data["_meta"]
    lines = ["{", ' "_meta": {']
    for key in ("schema", "generator", "versions"):
        lines.append(f"  {json.dumps(key)}: {json.dumps(meta[key])},")
    for key in ("inputs", "exact"):
        lines.append(f"  {json.dumps(key)}: {{")
        lines.extend(_entries(meta[key], "   "))
        lines.append("  }" + ("," if key == "inputs" else ""))
    lines.extend([" },", ' "actions": {'])
    sets = list(data["actions"].items())
    for i, (rule_set, words) in enumerate(sets):
        lines.append(f"  {json.dumps(rule_set)}: {{")
        lines.extend(_entries(words, "   "))
        lines.append("  }" + ("," if i < len(sets) - 1 else ""))
    lines.extend([" }", "}"])
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    return cli(argv, __doc__, build, dumps)


if __name__ == "__main__":
    sys.exit(main())
