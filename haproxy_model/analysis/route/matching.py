"""Pattern matching as HAProxy's ACLs do it (manual section 7.1, src/pattern.c).

A sample is a string, a boolean, an integer or an address; an ACL matches
when any of its samples matches any of its patterns with its match method.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence
from pathlib import Path

import attrs

__all__ = ["METHODS", "Opaque", "Pattern", "Unknown", "match_any", "read_map", "read_pattern_file"]

#: The match methods of ``-m`` (manual section 7.1.3).
METHODS = frozenset(
    {"found", "bool", "int", "ip", "bin", "len", "str", "sub", "reg", "beg", "end", "dir", "dom"}
)

#: Methods HAProxy knows by enum (src/http.c find_http_meth): matched exactly.
_KNOWN_HTTP_METHODS = frozenset({"GET", "HEAD", "POST", "CONNECT", "PUT", "OPTIONS", "DELETE",
                                 "TRACE"})  # fmt: skip

Sample = str | bool | int


class Unknown(Exception):
    """The answer depends on something the route walk does not model."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@attrs.frozen
class Opaque:
    """A value a rule set that the walk could not compute; reading it is undecided."""

    reason: str


@attrs.frozen
class Pattern:
    """The patterns of one ACL line and how to compare them."""

    method: str  # one of METHODS, or "meth" for the method fetch
    values: tuple[str, ...]
    icase: bool = False


def _file_lines(path: Path) -> list[str]:
    """The lines as ``fgets()`` gives them, each cut at its first CR or LF."""
    text = path.read_bytes().decode("utf-8", errors="surrogateescape")
    return [re.split(r"[\r\n]", line, maxsplit=1)[0] for line in text.split("\n")]


def read_pattern_file(path: Path) -> list[str]:
    """A pattern file's patterns (``pat_ref_read_from_file()``): one a line, its leading
    blanks dropped and its trailing ones kept; a ``#`` in the first column comments it."""
    out: list[str] = []
    for line in _file_lines(path):
        if line.startswith("#"):
            continue
        text = line.lstrip(" \t")
        if text:
            out.append(text)
    return out


def read_map(path: Path) -> list[tuple[str, str]]:
    """A map file's ``key value`` pairs in file order (``pat_ref_read_from_file_smp()``)."""
    out: list[tuple[str, str]] = []
    for line in _file_lines(path):
        if line.startswith("#"):
            continue
        text = line.lstrip(" \t")
        if not text:
            continue
        end = next((i for i, ch in enumerate(text) if ch in " \t"), len(text))
        out.append((text[:end], text[end:].strip(" \t")))
    return out


def _delimited(sample: str, pattern: str, icase: bool, delimiters: str) -> bool:
    """``match_word()`` of src/pattern.c: the pattern as a run of whole delimited words."""
    ps = pattern
    while ps and ps[0] in delimiters:
        ps = ps[1:]
    while ps and ps[-1] in delimiters:
        ps = ps[:-1]
    pl = len(ps)
    if pl > len(sample):
        return False
    text, pat = (sample.lower(), ps.lower()) if icase else (sample, ps)
    may_match = True
    end = len(sample) - pl
    for c in range(end + 1):
        if sample[c] in delimiters:
            may_match = True
            continue
        if not may_match:
            continue
        if text.startswith(pat, c) and (c == end or sample[c + pl] in delimiters):
            return True
        may_match = False
    return False


def _int_pattern(text: str) -> tuple[int | None, int | None]:
    """``N``, ``N:M``, ``:M``, ``N:`` or ``eq/ge/gt/le/lt N`` as an inclusive range."""
    if ":" in text:
        low, high = text.split(":", 1)
        return (int(low) if low else None, int(high) if high else None)
    value = int(text)
    return value, value


def _int_match(value: int, patterns: Sequence[str]) -> bool:
    i = 0
    while i < len(patterns):
        word = patterns[i]
        if word in ("eq", "ge", "gt", "le", "lt") and i + 1 < len(patterns):
            n = int(patterns[i + 1])
            i += 2
            ok = {"eq": value == n, "ge": value >= n, "gt": value > n, "le": value <= n,
                  "lt": value < n}[word]  # fmt: skip
        else:
            low, high = _int_pattern(word)
            i += 1
            ok = (low is None or value >= low) and (high is None or value <= high)
        if ok:
            return True
    return False


def _regex(pattern: str, icase: bool) -> re.Pattern[str]:
    try:
        return re.compile(pattern, re.IGNORECASE if icase else 0)
    except re.error as exc:
        raise Unknown(f"regex {pattern!r} is not one Python reads the same ({exc})") from None


def _ip_match(sample: str, patterns: Sequence[str]) -> bool:
    try:
        address = ipaddress.ip_address(sample)
    except ValueError:
        return False
    for text in patterns:
        try:
            network = ipaddress.ip_network(text, strict=False)
        except ValueError:
            raise Unknown(f"address pattern {text!r} (a host name?) is not modelled") from None
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            mapped: ipaddress.IPv4Address | ipaddress.IPv6Address = address.ipv4_mapped
        else:
            mapped = address
        if mapped.version == network.version and mapped in network:
            return True
        if address.version == network.version and address in network:
            return True
    return False


def _match_one(sample: Sample, pattern: Pattern) -> bool:
    method, values, icase = pattern.method, pattern.values, pattern.icase
    if method == "found":
        return True
    if method == "bool":
        return bool(sample)
    if isinstance(sample, bool):
        sample = int(sample)
    if method == "int":
        if isinstance(sample, str):
            try:
                sample = int(sample)
            except ValueError:
                return False
        return _int_match(sample, values)
    text = str(sample)
    if method == "len":
        return _int_match(len(text), values)
    if method == "ip":
        return _ip_match(text, values)
    if method == "meth":
        for value in values:
            if value in _KNOWN_HTTP_METHODS:
                if text == value:
                    return True
            elif text == value or (icase and text.lower() == value.lower()):
                return True
        return False
    if method == "reg":
        return any(_regex(v, icase).search(text) for v in values)
    if method == "bin":
        raise Unknown("-m bin is not modelled")
    folded = text.lower() if icase else text
    for value in values:
        v = value.lower() if icase else value
        if method == "str" and folded == v:
            return True
        if method == "beg" and folded.startswith(v):
            return True
        if method == "end" and folded.endswith(v):
            return True
        if method == "sub" and v in folded:
            return True
        if method == "dir" and _delimited(text, value, icase, "/?"):
            return True
        if method == "dom" and _delimited(text, value, icase, "/?.:"):
            return True
    return False


def match_any(samples: Sequence[Sample], pattern: Pattern) -> bool:
    """Whether any sample matches any of the patterns."""
    return any(_match_one(sample, pattern) for sample in samples)


def map_lookup(method: str, key: str, entries: Sequence[tuple[str, str]]) -> str | None:
    """The value a ``map_<method>`` converter finds for ``key``, or None."""
    if method == "str":
        return next((v for k, v in entries if k == key), None)
    if method == "beg":
        # a prefix tree: the longest key that begins the sample (src/pattern.c)
        best: tuple[str, str] | None = None
        for k, v in entries:
            if key.startswith(k) and (best is None or len(k) > len(best[0])):
                best = (k, v)
        return best[1] if best else None
    pattern_of = {"end": "end", "sub": "sub", "dir": "dir", "dom": "dom", "reg": "reg"}
    if method not in pattern_of:
        raise Unknown(f"map_{method} is not modelled")
    for k, v in entries:
        if _match_one(key, Pattern(pattern_of[method], (k,))):
            return v
    return None
