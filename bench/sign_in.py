"""Sign-in cost and page speed. Run: `make bench` (or .venv/bin/python bench/sign_in.py)."""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
folder = Path(tempfile.mkdtemp(prefix="portal-bench-"))
os.environ["PORTAL_INSTANCE_DIR"] = str(folder)
os.environ.setdefault("PORTAL_SECRET_KEY", "bench-secret-key-that-is-long-enough-0123456789")

from alembic import command  # noqa: E402

from portal import create_app  # noqa: E402
from portal.accounts.passwords import hash_password, verify_password  # noqa: E402
from portal.cli import alembic_config, load_demo_data  # noqa: E402
from portal.extensions import db  # noqa: E402


def timed(label: str, count: int, action) -> None:  # type: ignore[no-untyped-def]
    samples = []
    for _ in range(count):
        start = time.perf_counter()
        action()
        samples.append(time.perf_counter() - start)
    median = statistics.median(samples) * 1000
    p95 = sorted(samples)[int(len(samples) * 0.95) - 1] * 1000
    print(f"{label:<40} median {median:7.2f} ms   p95 {p95:7.2f} ms   ({count} runs)")


def main() -> None:
    url = f"sqlite:///{folder / 'bench.db'}"
    command.upgrade(alembic_config(url), "head")
    app = create_app({"DATABASE_URL": url, "WTF_CSRF_ENABLED": False,
                      "SIGN_IN_RATE_LIMIT": "100000 per minute"})
    with app.app_context():
        load_demo_data()
        db.session.commit()
    stored = hash_password("portal-demo-2026")
    timed("argon2id hash (t=3, m=64 MiB, p=4)", 10, lambda: hash_password("portal-demo-2026"))
    timed("argon2id verify", 10, lambda: verify_password(stored, "portal-demo-2026"))
    client = app.test_client()
    timed("GET /sign-in", 200, lambda: client.get("/sign-in"))
    timed("POST /sign-in (right password)", 10, lambda: app.test_client().post(
        "/sign-in", data={"sign_in_name": "sam@example.org", "password": "portal-demo-2026"}))
    timed("GET /home (signed in)", 200, lambda: client.get("/home"))
    staff = app.test_client()
    staff.post("/sign-in", data={"sign_in_name": "jo@example.org", "password": "portal-demo-2026"})
    timed("GET /staff/people (signed in)", 200, lambda: staff.get("/staff/people"))


if __name__ == "__main__":
    main()
