from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

from .redis_server import redis_server_url, redis_url  # noqa: F401  (fixtures)

# CI keeps property tests thorough but bounded; `HYPOTHESIS_PROFILE=long` digs deeper locally.
settings.register_profile(
    "default", max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "long", max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))
