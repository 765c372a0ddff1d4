"""The Redis cache backend (config/cache.py): Django's, with one client per connection pool."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench.run import redis_answers
from config.cache import RedisCache

REDIS = ("127.0.0.1", 6379)

needs_redis = pytest.mark.skipif(not redis_answers(*REDIS), reason="no Redis on 127.0.0.1:6379")


@needs_redis
def test_one_client_serves_every_call_and_the_values_come_back_whole():
    cache = RedisCache(f"redis://{REDIS[0]}:{REDIS[1]}/15", {"KEY_PREFIX": f"test-{os.getpid()}"})
    client = cache._cache.get_client()
    assert cache._cache.get_client(write=True) is client  # one server: one pool, one client

    text = "Ąžuolų klasteris: čiobrelių, ėglių, įvijų, šermukšnių, ūkių — «ŽĘŲ»"
    cache.set("page", text, 30)
    assert cache.get("page") == text
    assert cache.add("page", "other", 30) is False
    cache.set("count", 1, 30)
    assert cache.incr("count") == 2
    assert cache.get_many(["page", "count", "missing"]) == {"page": text, "count": 2}
    cache.delete_many(["page", "count"])
    assert cache.get("page") is None
    assert cache._cache.get_client() is client


def test_a_redis_cache_url_selects_this_backend():
    root = Path(__file__).resolve().parent.parent
    script = (
        "import json, django; from django.conf import settings; django.setup(); "
        "print(json.dumps(settings.CACHES['default']))"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "CACHE_URL": "redis://127.0.0.1:6379/3"}
    env.pop("DATABASE_URL", None)
    found = subprocess.run(  # noqa: S603 - this interpreter, a fixed script
        [sys.executable, "-c", script], env=env, cwd=root, capture_output=True, text=True, check=True
    )
    cache = json.loads(found.stdout)
    assert cache["BACKEND"] == "config.cache.RedisCache"
    assert cache["LOCATION"] == "redis://127.0.0.1:6379/3"
