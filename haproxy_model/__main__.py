"""``python -m haproxy_model``: the ``haproxy-model`` command line."""

from haproxy_model.cli import main

raise SystemExit(main())
