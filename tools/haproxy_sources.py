"""Reading HAProxy's sources from a git clone, shared by the table generators
(``gen_samples.py``, ``gen_source_keywords.py``) and ``vtc_configs.py``: running git,
reading many files in one ``git cat-file --batch``, C text without its comments, and
the version labels' order (the library's own reading, ``keywords.versions``)."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace

from haproxy_model.keywords.versions import version_key

__all__ = [
    "Git",
    "MakeTest",
    "git",
    "makefile_lines",
    "read_blobs",
    "strip_comments",
    "version_key",
]


def git(git_dir: str, *args: str) -> str:
    """Run git in ``git_dir`` (bare or not) and return its standard output."""
    proc = subprocess.run(
        ["git", "-C", str(git_dir), *args],
        capture_output=True,
        check=True,
        text=True,
        encoding="utf-8",
        errors="replace",
    )
    return proc.stdout


def cat_file(git_dir: str, objects: Sequence[str]) -> list[str | None]:
    """The text of each of ``objects`` (blob ids or ``ref:path``), read with one
    ``git cat-file --batch``; None for one git does not have."""
    proc = subprocess.run(
        ["git", "-C", str(git_dir), "cat-file", "--batch"],
        input="".join(f"{o}\n" for o in objects).encode(),
        capture_output=True,
        check=True,
    )
    out: list[str | None] = []
    data, pos = proc.stdout, 0
    for _ in objects:
        end = data.index(b"\n", pos)
        header = data[pos:end].split()
        pos = end + 1
        if len(header) < 3 or header[1] == b"missing":
            out.append(None)
            continue
        size = int(header[2])
        out.append(data[pos : pos + size].decode("utf-8", "replace"))
        pos += size + 1
    return out


def read_blobs(git_dir: str, ref: str, paths: Sequence[str]) -> dict[str, str]:
    """The text of each of ``paths`` at ``ref`` that exists there."""
    texts = cat_file(git_dir, [f"{ref}:{p}" for p in paths])
    return {p: t for p, t in zip(paths, texts, strict=True) if t is not None}


class Git:
    """Read-only access to a git directory; blobs are read once."""

    def __init__(self, git_dir: object) -> None:
        self.git_dir = str(git_dir)
        self._blobs: dict[str, str] = {}

    def run(self, *args: str) -> str:
        return git(self.git_dir, *args)

    def show(self, tag: str, path: str) -> str:
        return self.run("show", f"{tag}:{path}")

    def tree(self, tag: str, *folders: str) -> dict[str, str]:
        """``{path: blob id}`` of the files under ``folders`` at ``tag``."""
        out = {}
        for line in self.run("ls-tree", "-r", tag, "--", *folders).splitlines():
            meta, path = line.split("\t", 1)
            out[path] = meta.split()[2]
        return out

    def blobs(self, ids: Iterable[str]) -> dict[str, str]:
        """The text of each blob of ``ids``."""
        ids = list(ids)
        wanted = [i for i in dict.fromkeys(ids) if i not in self._blobs]
        if wanted:
            for blob, text in zip(wanted, cat_file(self.git_dir, wanted), strict=True):
                if text is None:
                    raise LookupError(f"blob {blob} is not in {self.git_dir}")
                self._blobs[blob] = text
        return {i: self._blobs[i] for i in ids}


_TOKENS = re.compile(
    r'"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|/\*.*?(?:\*/|\Z)|//[^\n]*', re.DOTALL
)


def _blank(m: re.Match[str]) -> str:
    text = m.group(0)
    if text[0] in "\"'":
        return text
    return "\n".join(" " * len(part) for part in text.split("\n"))


def strip_comments(text: str) -> str:
    """C text with its comments blanked out (columns and line breaks kept), strings
    and character constants untouched."""
    return _TOKENS.sub(_blank, text)


@dataclass(frozen=True)
class MakeTest:
    """A Makefile conditional around a line: ``ifneq``/``ifeq``/``ifdef``/``ifndef``,
    what follows the keyword, and whether the line is in its ``else`` branch."""

    kind: str
    text: str
    in_else: bool = False


_MAKE_TEST = re.compile(r"^\s*(ifneq|ifeq|ifdef|ifndef)\b(.*)$")


def makefile_lines(text: str) -> Iterator[tuple[str, tuple[MakeTest, ...]]]:
    """Each logical line of a Makefile (continuations joined, comments cut) that is not
    a conditional, with the conditionals around it, outermost first.  What a test means
    (which ``USE_*`` option, whether it is negated) is left to the caller."""
    stack: list[MakeTest] = []
    for raw in re.sub(r"\\\n", " ", text).split("\n"):
        line = raw.split("#", 1)[0]
        m = _MAKE_TEST.match(line)
        if m:
            stack.append(MakeTest(m.group(1), m.group(2)))
            continue
        word = line.split(None, 1)[0] if line.strip() else ""
        if word == "else" and stack:
            stack[-1] = replace(stack[-1], in_else=True)
        elif word == "endif" and stack:
            stack.pop()
        else:
            yield line, tuple(stack)
