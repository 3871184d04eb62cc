"""What the validation tests share: a ``defaults`` section HAProxy accepts quietly."""

from __future__ import annotations

DEFAULTS = """\
defaults
    mode http
    timeout connect 1s
    timeout client 1s
    timeout server 1s
"""
