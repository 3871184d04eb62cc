"""Coverage-guided fuzz target (atheris): hm.parse returns a Config or raises ParseError.

Run: python tests/fuzz/fuzz_parse.py -max_total_time=60 tests/fuzz/seeds
Any input that makes it fail is a bug: keep it in tests/fuzz/regressions/.
"""

from __future__ import annotations

import sys

import atheris

with atheris.instrument_imports():
    import haproxy_model as hm
    from haproxy_model.analysis.reference import parse_reference


def test_one_input(data: bytes) -> None:
    text = data.decode("utf-8", "surrogateescape")
    try:
        cfg = hm.parse(text)
    except hm.ParseError:
        return
    if hm.dumps(cfg) != text:
        raise AssertionError(f"round trip lost bytes: {text!r}")
    if len(text) < 2000:
        ref = parse_reference(text)
        if hm.dumps(ref) != text:
            raise AssertionError(f"reference parse lost bytes: {text!r}")


def main() -> None:
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
