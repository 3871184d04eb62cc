"""The walk: a request through a frontend's rules to a backend, in HAProxy's order.

The order is that of src/http_ana.c ``http_process_req_common()`` and
src/stream.c ``process_switching_rules()`` (2.6):

1. ``tcp-request connection``/``session``/``content`` rules of the frontend,
   each kind its named ``defaults`` section's first (src/tcp_rules.c);
2. the ``monitor-uri`` (``http_wait_for_request()``);
3. the frontend's ``http-request`` rules: first those of the named
   ``defaults`` section it uses (2.5+), then its own; ``allow`` ends both lists;
4. the statistics page, then the frontend's ``redirect`` rules;
5. ``use_backend`` rules, first match wins (a dynamic name that is no backend
   falls through to the default), then ``default_backend`` (its own or its
   defaults'); a ``listen`` with neither serves the request itself;
6. on a backend other than the frontend: its ``tcp-request content`` rules, its
   defaults' (when not the frontend's) and own ``http-request`` rules, its
   statistics page, its ``redirect`` rules.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence

from haproxy_model.analysis.route.conditions import holds, split_condition
from haproxy_model.analysis.route.fetches import evaluate, parse_expression
from haproxy_model.analysis.route.matching import Opaque, Sample, Unknown
from haproxy_model.analysis.route.outcome import Ended, Outcome, Step, Stop, Undecided
from haproxy_model.analysis.route.request import State
from haproxy_model.analysis.route.sections import Line, Proxy

__all__ = ["Ended", "Outcome", "Step", "Undecided", "Walk"]

#: http-request actions that change nothing routing reads (or whose effect is
#: only read through fetches the walk does not model: variables, counters).
_NO_EFFECT = frozenset({
    "capture", "set-log-level", "set-tos", "set-mark", "set-nice", "set-timeout",
    "early-hint", "set-bandwidth-limit", "disable-l7-retry", "wait-for-body",
    "wait-for-handshake", "set-priority-class", "set-priority-offset", "cache-use",
    "send-spoe-group", "sc-inc-gpc", "sc-inc-gpc0", "sc-inc-gpc1",
    "sc-set-gpt0", "sc-set-gpt", "sc-add-gpc", "strict-mode",
    "do-resolve", "inspect-delay", "set-retries", "set-dst", "set-dst-port", "set-fc-mark",
    "set-fc-tos", "set-bc-mark", "set-bc-tos", "expect-proxy", "expect-netscaler-cip",
    "switch-mode",
})  # fmt: skip
_NO_EFFECT_PREFIXES = ("track-sc", "sc-inc-gpc", "sc-set-gpt", "capture", "do-resolve(",
                       "sc-add-gpc")  # fmt: skip

#: Terminating actions and their status when none is given.
_ENDING = {"deny": 403, "tarpit": 500, "return": 200, "redirect": 302, "auth": 401,
           "reject": None, "silent-drop": None}  # fmt: skip


def _format(text: str, state: State, proxy: Proxy) -> str:
    """A log-format string with ``%[expr]`` samples filled in (Unknown where it cannot be)."""
    out: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch != "%":
            out.append(ch)
            i += 1
            continue
        if text.startswith("%%", i):
            out.append("%")
            i += 2
            continue
        if not text.startswith("%[", i):
            raise Unknown(f"log-format variable in {text!r} is not modelled")
        end = text.find("]", i)
        if end < 0:
            raise Unknown(f"unterminated %[ in {text!r}")
        values = evaluate(parse_expression(text[i + 2 : end]), state, proxy.files, False)
        # no value: nothing is written (src/log.c lf_text_len(), without the +M option)
        value = values[0] if values else ""
        piece = value if isinstance(value, str) else str(int(value))
        if not piece.isascii() or not piece.isprintable():
            raise Unknown(f"%[{text[i + 2 : end]}] gives {piece!r}, which HAProxy encodes")
        out.append(piece)
        i = end + 1
    return "".join(out)


def _status(words: Sequence[str], keywords: Sequence[str], default: int | None) -> int | None:
    for i, word in enumerate(words[:-1]):
        if word in keywords:
            try:
                return int(words[i + 1])
            except ValueError:
                return default
    return default


def _regex(line: Line, pattern: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise Stop(line, f"regex {pattern!r} is not one Python reads the same ({exc})") from None


def _backref(fmt: str) -> str:
    """HAProxy's ``\\1`` back-references in Python's form."""
    return re.sub(r"\\([0-9])", r"\\g<\1>", fmt.replace("\\\\", "\x00")).replace("\x00", "\\\\")


class Walk:
    """One request through one frontend."""

    def __init__(self, proxies: Sequence[Proxy], frontend: Proxy, state: State) -> None:
        self.proxies = proxies
        self.frontend = frontend
        self.state = state
        self.out = Outcome()

    # -- the rules ----------------------------------------------------------------
    def _applies(self, proxy: Proxy, line: Line, words: Sequence[str], start: int) -> bool:
        _, condition = split_condition(words, start)
        if line.guarded:
            raise Stop(line, "the rule is inside a .if block")
        verdict = holds(condition, proxy.acls, self.state, proxy.files)
        if isinstance(verdict, str):
            raise Stop(line, verdict)
        return verdict

    def _end(self, line: Line, action: str, status: int | None) -> Ended:
        self.out.steps.append(Step.of(line))
        return Ended(action, status)

    def tcp_rules(self, proxy: Proxy, kinds: Sequence[str]) -> Ended | None:
        """``tcp-request`` rules of each kind: the defaults section's first (2.5+), then the
        proxy's own; ``accept`` ends that kind's rules (src/tcp_rules.c).  A backend runs
        its defaults' rules only when they are not the frontend's."""
        defaults = proxy.defaults
        if proxy is not self.frontend and defaults is self.frontend.defaults:
            defaults = None
        for kind in kinds:
            owners = [p for p in (defaults, proxy) if p is not None]
            ended = self._tcp_kind(owners, kind)
            if ended is not None:
                return ended
        return None

    def _tcp_kind(self, owners: Sequence[Proxy], kind: str) -> Ended | None:
        for owner in owners:
            for line in owner.keyword("tcp-request"):
                words = line.values
                if len(words) < 3 or words[1] != kind:
                    continue
                action = words[2]
                if action in _NO_EFFECT or action.startswith(_NO_EFFECT_PREFIXES):
                    continue
                if not self._applies(owner, line, words, 3):
                    continue
                if action.startswith(("set-var(", "set-var-fmt(")):
                    self._set_var(owner, line, action, split_condition(words, 3)[0][3:])
                    continue
                if action == "set-src":
                    self._set_src(owner, line, split_condition(words, 3)[0][3:])
                    continue
                if action == "accept":
                    return None
                if action in ("reject", "silent-drop"):
                    return self._end(line, action, None)
                raise Stop(line, f"tcp-request action {action!r} is not modelled")
        return None

    def http_rules(self, proxy: Proxy, own_defaults: bool) -> Ended | None:
        """The ``http-request`` rules of ``proxy`` (after its defaults' when asked)."""
        lists: list[Proxy] = []
        if own_defaults and proxy.defaults is not None and proxy.defaults.keyword("http-request"):
            lists.append(proxy.defaults)
        lists.append(proxy)
        for owner in lists:
            for line in owner.keyword("http-request"):
                result = self._http_rule(owner, line)
                if result == "allow":
                    return None
                if isinstance(result, Ended):
                    return result
        return None

    def _http_rule(self, proxy: Proxy, line: Line) -> Ended | str | None:
        words = line.values
        if len(words) < 2:
            return None
        action = words[1]
        if action in _NO_EFFECT or action.startswith(_NO_EFFECT_PREFIXES):
            return None
        args, _ = split_condition(words, 2)
        args = args[2:]
        try:
            applies = self._applies(proxy, line, words, 2)
        except Stop as stop:
            if not self._poison(line, action, args, stop.undecided.reason):
                raise
            return None
        if not applies:
            return None
        if action == "allow":
            self.out.steps.append(Step.of(line))
            return "allow"
        if action == "redirect" and "ignore-empty" in args:
            # a location that comes out empty skips the rule (http_apply_redirect_rule())
            where = next((i + 1 for i, w in enumerate(args[:-1]) if w == "location"), None)
            if where is not None:
                try:
                    if not _format(args[where], self.state, proxy):
                        return None
                except Unknown as exc:
                    raise Stop(line, exc.reason) from None
        if action in _ENDING:
            status = _status(args, ("deny_status", "status", "code"), _ENDING[action])
            return self._end(line, action, status)
        state = self.state
        before = (state.method, state.target, list(state.headers), dict(state.variables), state.src)
        self._change(proxy, line, action, args)
        if (state.method, state.target, state.headers, state.variables, state.src) != before:
            self.out.steps.append(Step.of(line))  # a rule that changed the request
        return None

    def _poison(self, line: Line, action: str, args: list[str], reason: str) -> bool:
        """A header or variable that a rule may or may not have set: reading it is undecided."""
        opaque = Opaque(f"{reason} (whether {line.file}:{line.number} applies)")
        if action in ("set-header", "add-header") and args:
            self.state.headers.append((args[0], opaque))
            return True
        if action.startswith(("set-var(", "set-var-fmt(")) and action.endswith(")"):
            self.state.variables[action[action.index("(") + 1 : -1]] = opaque
            return True
        return False

    def _change(self, proxy: Proxy, line: Line, action: str, args: list[str]) -> None:
        state = self.state

        def fmt(index: int) -> str:
            if index >= len(args):
                raise Stop(line, f"http-request {action}: missing argument")
            try:
                return _format(args[index], state, proxy)
            except Unknown as exc:
                raise Stop(line, exc.reason) from None

        if action == "set-path":
            state.set_path(fmt(0))
        elif action == "set-query":
            state.set_query(fmt(0))
        elif action == "set-uri":
            state.target = fmt(0)
        elif action == "set-method":
            state.method = fmt(0)
        elif action in ("set-header", "add-header"):
            if len(args) < 2:
                raise Stop(line, f"http-request {action}: missing argument")
            try:
                value: str | Opaque = _format(args[1], state, proxy)
            except Unknown as exc:  # undecided only if a later rule reads the header
                value = Opaque(f"{exc.reason} (set at {line.file}:{line.number})")
            if action == "set-header":
                state.set_header(args[0], value)
            else:
                state.headers.append((args[0], value))
        elif action.startswith(("set-var(", "set-var-fmt(")):
            self._set_var(proxy, line, action, args)
        elif action == "set-src":
            self._set_src(proxy, line, args)
        elif action.startswith("unset-var("):
            state.variables.pop(action[len("unset-var(") : -1], None)
        elif action == "del-header":
            if len(args) != 1:
                raise Stop(line, "del-header with a match method is not modelled")
            state.del_header(args[0])
        elif action in ("replace-path", "replace-uri"):
            if len(args) < 2:
                raise Stop(line, f"http-request {action}: missing argument")
            regex = _regex(line, args[0])
            subject = state.path if action == "replace-path" else state.target
            if subject is None:
                return
            match = regex.search(subject)
            if match is None:
                return
            # the whole subject becomes the expanded format (exp_replace() in src/regex.c)
            replaced = match.expand(_backref(fmt(1)))
            if action == "replace-path":
                state.set_path(replaced)
            else:
                state.target = replaced
        else:
            raise Stop(line, f"http-request action {action!r} is not modelled")

    def _set_var(self, proxy: Proxy, line: Line, action: str, args: list[str]) -> None:
        name = action[action.index("(") + 1 : -1] if action.endswith(")") else ""
        if not name or "," in name or not args:
            raise Stop(line, f"{action} is not modelled")
        value: Sample | Opaque | None
        try:
            if action.startswith("set-var-fmt("):
                value = _format(args[0], self.state, proxy)
            else:
                values = evaluate(parse_expression(args[0]), self.state, proxy.files, False)
                value = values[0] if values else None  # no sample: the variable is left as is
        except Unknown as exc:
            value = Opaque(f"{exc.reason} (variable {name} set at {line.file}:{line.number})")
        if value is not None:
            self.state.variables[name] = value

    def _set_src(self, proxy: Proxy, line: Line, args: list[str]) -> None:
        """``set-src <expr>``: the client address rules read from now on (unchanged when the
        expression gives no address)."""
        if not args:
            raise Stop(line, "set-src without an expression")
        try:
            values = evaluate(parse_expression(args[0]), self.state, proxy.files, False)
        except Unknown as exc:
            self.state.src = Opaque(f"{exc.reason} (set-src at {line.file}:{line.number})")
            return
        if values and isinstance(values[0], str):
            try:
                self.state.src = str(ipaddress.ip_address(values[0].strip()))
            except ValueError:
                return
        elif values:
            raise Stop(line, "set-src from a number is not modelled")

    def redirect_rules(self, proxy: Proxy) -> Ended | None:
        for line in proxy.keyword("redirect"):
            if self._applies(proxy, line, line.values, 1):
                status = _status(split_condition(line.values, 1)[0], ("code",), 302)
                return self._end(line, "redirect", status)
        return None

    def _monitor(self, fe: Proxy) -> Ended | None:
        """``monitor-uri``: matched on the path when it starts with '/', else on the whole
        target, before any http-request rule (``http_wait_for_request()``): 200."""
        line = fe.setting("monitor-uri")
        if line is None or len(line.values) < 2:
            return None
        uri = line.values[1]
        subject = self.state.path if uri.startswith("/") else None
        if uri not in (subject, self.state.target):
            return None
        fail = fe.setting("monitor")
        if fail is not None:
            raise Stop(fail, "the request is for the monitor URI, which has 'monitor fail' rules")
        return self._end(line, "monitor", 200)

    def _stats(self, proxy: Proxy) -> Ended | None:
        """The statistics page (``http_stats_check_uri()``): a GET, HEAD or POST whose path
        (target, for a prefix not starting with '/') begins with ``stats uri``."""
        chain: list[Proxy] = []
        owner: Proxy | None = proxy
        while owner is not None:
            chain.insert(0, owner)
            owner = owner.defaults
        lines = [ln for p in chain for ln in p.keyword("stats") if len(ln.values) > 1]
        if not lines:
            return None
        uris = [ln for ln in lines if ln.values[1] == "uri" and len(ln.values) > 2]
        prefix = uris[-1].values[2] if uris else "/haproxy?stats"
        subject = self.state.path if prefix.startswith("/") else self.state.target
        if self.state.method not in ("GET", "HEAD", "POST") or subject is None:
            return None
        if not subject.startswith(prefix):
            return None
        where = uris[-1] if uris else lines[0]
        if any(ln.values[1] == "http-request" for ln in lines):
            raise Stop(where, "the request is for the statistics page, which has its own rules")
        if any(ln.values[1] == "auth" for ln in lines):
            if self.state.header_lines("authorization"):
                raise Stop(where, "the request is for the statistics page with credentials")
            return self._end(where, "stats", 401)
        # a POST is an admin action, answered with a redirection (src/stats.c)
        return self._end(where, "stats", 303 if self.state.method == "POST" else 200)

    # -- the whole walk -----------------------------------------------------------
    def run(self) -> Outcome:
        try:
            self._run()
        except Stop as stop:
            self.out.backend = None
            self.out.action = None
            self.out.status = None
            self.out.undecided = stop.undecided
        return self.out

    def _finish(self, ended: Ended) -> None:
        self.out.backend = None
        self.out.action = ended.action
        self.out.status = ended.status

    def _run(self) -> None:
        fe = self.frontend
        mode = fe.setting("mode")
        if mode is None or mode.values[1:2] != ("http",):
            raise Stop(mode, f"{fe.kind} {fe.name} is not in mode http")
        ended = (
            self.tcp_rules(fe, ("connection", "session", "content"))
            or self._monitor(fe)
            or self.http_rules(fe, True)
            or self._stats(fe)
            or self.redirect_rules(fe)
        )
        if ended is not None:
            self._finish(ended)
            return
        backend = self._switch(fe)
        if backend is None:
            return
        if backend is not fe:
            ended = (
                self.tcp_rules(backend, ("content",))
                or self.http_rules(backend, True)
                or self._stats(backend)
                or self.redirect_rules(backend)
            )
            if ended is not None:
                self._finish(ended)
                return
        self.out.backend = backend.name

    def _backend(self, name: str) -> Proxy | None:
        return next(
            (p for p in self.proxies if p.kind in ("backend", "listen") and p.name == name), None
        )

    def _switch(self, fe: Proxy) -> Proxy | None:
        for line in fe.keyword("use_backend"):
            if len(line.values) < 2 or not self._applies(fe, line, line.values, 2):
                continue
            name = line.values[1]
            dynamic = "%[" in name
            if dynamic:
                try:
                    name = _format(name, self.state, fe)
                except Unknown as exc:
                    raise Stop(line, exc.reason) from None
            backend = self._backend(name)
            if backend is None:
                if dynamic:
                    self.out.steps.append(Step.of(line))
                    break  # HAProxy falls back to the default backend
                raise Stop(line, f"backend {name!r} does not exist")
            self.out.steps.append(Step.of(line))
            self.out.action = "use_backend"
            return backend
        default = fe.setting("default_backend")
        if default is not None and len(default.values) > 1:
            if default.guarded:
                raise Stop(default, "default_backend is inside a .if block")
            backend = self._backend(default.values[1])
            if backend is None:
                raise Stop(default, f"backend {default.values[1]!r} does not exist")
            self.out.steps.append(Step.of(default))
            self.out.action = "default_backend"
            return backend
        if fe.kind == "listen":
            self.out.action = "listen"
            return fe
        self.out.action = "no_backend"
        self.out.status = 503
        return None
