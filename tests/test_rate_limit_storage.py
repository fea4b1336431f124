"""Per-address limits are kept in Redis when configured, so every worker on every machine
shares them (the app keeps no state in process)."""

from __future__ import annotations

import socket
import uuid

import pytest

from portal.extensions import db
from tests.conftest import make_test_app, sign_in

REDIS = ("127.0.0.1", 6379)


def _redis_is_running() -> bool:
    try:
        socket.create_connection(REDIS, timeout=0.5).close()
        return True
    except OSError:
        return False


@pytest.mark.skipif(not _redis_is_running(), reason="Redis is not running on 127.0.0.1:6379")
def test_limits_are_counted_in_redis(database_url: str) -> None:
    import redis

    prefix = f"portal-test-{uuid.uuid4().hex}"
    app = make_test_app(database_url, RATELIMIT_STORAGE_URI=f"redis://{REDIS[0]}:{REDIS[1]}/0",
                        RATELIMIT_KEY_PREFIX=prefix, SIGN_IN_RATE_LIMIT="3 per minute")
    server = redis.Redis(host=REDIS[0], port=REDIS[1])
    for _ in range(3):
        assert sign_in(app.test_client(), "nobody@example.org", "whatever123").status_code == 200
    keys = server.keys(f"*{prefix}*")
    assert keys, "the count is in Redis, where other workers see it"
    assert sign_in(app.test_client(), "nobody@example.org", "whatever123").status_code == 429
    server.delete(*keys)
    db.dispose(app)
