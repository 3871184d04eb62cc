"""``python -m haproxy_model.adapters.ray_serve.demo``: the demo (:mod:`.run`)."""

import sys

from .run import main

sys.exit(main())
