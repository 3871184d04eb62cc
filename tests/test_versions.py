"""One reading of HAProxy version labels for every table and check."""

from __future__ import annotations

import haproxy_model as hm
from haproxy_model.keywords.versions import branch, version_key

from .validate_support import DEFAULTS


def test_version_labels() -> None:
    assert version_key("3.10") == (3, 10) > version_key("3.9")
    assert version_key("3.5-dev") == (3, 5) > version_key("3.4")
    assert version_key("2.8.25") == (2, 8, 25) > version_key("2.8")
    assert branch("2.8.25") == branch("2.8") == "2.8" and branch("3.5-dev") == "3.5"


def test_a_development_only_converter_is_unknown_to_the_last_release() -> None:
    text = (
        DEFAULTS + "frontend f\n    bind :8080\n    http-request set-header X %[str(a),has_ctl]\n"
    )
    found = [d for d in hm.validate(hm.parse(text), version="3.4") if d.severity == "error"]
    assert [d.code for d in found] == ["unknown-converter"], found
    assert "development branch" in found[0].message
