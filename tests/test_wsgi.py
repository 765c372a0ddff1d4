"""The WSGI entry point the workers load (config/wsgi.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

SCRIPT = """
import gc, io, json, sys
import config.wsgi
loaded = "consultations.views" in sys.modules and "config.urls" in sys.modules
frozen = gc.get_freeze_count()
statuses = []
environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/healthz/", "SERVER_NAME": "127.0.0.1",
           "SERVER_PORT": "80", "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(b""),
           "HTTP_HOST": "127.0.0.1"}
body = b"".join(config.wsgi.application(environ, lambda status, headers: statuses.append(status)))
print(json.dumps({"loaded": loaded, "frozen": frozen, "status": statuses[0]}))
"""


def test_a_worker_loads_the_urls_at_start_and_keeps_them_out_of_the_garbage_collectors_way():
    root = Path(__file__).resolve().parent.parent
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "false",
        "SECRET_KEY": "a-key-of-this-test-" + "x" * 40,
    }
    env.pop("DATABASE_URL", None)
    found = subprocess.run(  # noqa: S603 - this interpreter, a fixed script
        [sys.executable, "-c", SCRIPT], env=env, cwd=root, capture_output=True, text=True, check=True
    )
    result = json.loads(found.stdout.strip().splitlines()[-1])
    assert result["loaded"] is True  # the URLs and views, before any request
    assert result["frozen"] > 10_000  # what was loaded by then is frozen
    assert result["status"] == "200 OK"


def test_a_worker_does_not_start_with_the_development_key():
    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "DEBUG": "false"}
    env.pop("DATABASE_URL", None)
    env.pop("SECRET_KEY", None)
    started = subprocess.run(
        [sys.executable, "-c", "import config.wsgi"], env=env, cwd=root, capture_output=True, text=True
    )
    assert started.returncode != 0
    assert "Set SECRET_KEY" in started.stderr
