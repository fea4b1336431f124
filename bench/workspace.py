"""The staff workspace with a large caseload. Run: `make bench` (or .venv/bin/python
bench/workspace.py [people]).

Makes N people (default 5,000) on the demo's policy, each with a consent decision due for
review, every fifth with a copy of records asked for and every tenth with a file visit
waiting, half of them on Jo's caseload; then times the workspace ("for you" and
"everyone", and one kind alone) and a search by date of birth.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
folder = Path(tempfile.mkdtemp(prefix="portal-bench-"))
os.environ["PORTAL_INSTANCE_DIR"] = str(folder)
os.environ.setdefault("PORTAL_SECRET_KEY", "bench-secret-key-that-is-long-enough-0123456789")

from alembic import command  # noqa: E402
from sqlalchemy import select  # noqa: E402

from bench.sign_in import timed  # noqa: E402
from portal import create_app  # noqa: E402
from portal.accounts.models import Account  # noqa: E402
from portal.bookings.models import BookingStatus, FileAccessBooking, SubjectAccessRequest  # noqa: E402
from portal.cli import alembic_config, load_demo_data  # noqa: E402
from portal.consent.models import Choice, ConsentChange, ConsentDecision, Method  # noqa: E402
from portal.db import utcnow  # noqa: E402
from portal.extensions import db  # noqa: E402
from portal.people.models import CaseloadMember, Person  # noqa: E402
from portal.policy.services import current_version, load_pack  # noqa: E402


def populate(count: int) -> None:
    version = current_version()
    assert version is not None
    jo = db.session.scalars(select(Account).where(Account.email == "jo@example.org")).one()
    now = utcnow()
    for number in range(count):
        person = Person(reference=f"PB{number:06d}", full_name=f"Person {number}", known_as="P",
                        date_of_birth=date(1950, 1, 1) + timedelta(days=number), preferred_language="en")
        db.session.add(person)
        db.session.flush()
        if number % 2 == 0:
            db.session.add(CaseloadMember(person_id=person.id, account_id=jo.id))
        change = ConsentChange(reference=f"CB{number:06d}", person_id=person.id, acted_by_id=jo.id,
                               acted_as="staff", method=Method.PAPER, kind="decisions",
                               policy_version_id=version.id, language="en")
        db.session.add(change)
        db.session.flush()
        db.session.add(ConsentDecision(change_id=change.id, person_id=person.id, agency="gp",
                                       information_kind="health", choice=Choice.YES,
                                       review_due=now.date() + timedelta(days=number % 30)))
        if number % 5 == 0:
            db.session.add(SubjectAccessRequest(reference=f"SB{number:06d}", person_id=person.id,
                                                requested_by_id=jo.id, acted_as="staff",
                                                received_on=now.date(),
                                                due_on=now.date() + timedelta(days=30)))
        if number % 10 == 0:
            starts = now + timedelta(days=3, minutes=number)  # one request per slot
            db.session.add(FileAccessBooking(reference=f"BB{number:06d}", person_id=person.id,
                                             requested_by_id=jo.id, acted_as="staff", starts_at=starts,
                                             ends_at=starts + timedelta(hours=1),
                                             status=BookingStatus.PENDING, version=1))
    db.session.commit()


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    url = f"sqlite:///{folder / 'bench.db'}"
    command.upgrade(alembic_config(url), "head")
    app = create_app({"DATABASE_URL": url, "WTF_CSRF_ENABLED": False,
                      "SIGN_IN_RATE_LIMIT": "100000 per minute"})
    with app.app_context():
        load_pack(ROOT / "packs" / "harbour-lane")
        load_demo_data()
        db.session.commit()
        start = time.perf_counter()
        populate(count)
        print(f"made {count} people in {time.perf_counter() - start:.1f} s")
    staff = app.test_client()
    staff.post("/sign-in", data={"sign_in_name": "jo@example.org", "password": "portal-demo-2026"})
    timed(f"GET /staff/ (for you, {count} people)", 20, lambda: staff.get("/staff/?show=mine"))
    timed("GET /staff/?show=everyone", 20, lambda: staff.get("/staff/?show=everyone"))
    timed("GET /staff/?show=everyone&page=40", 20, lambda: staff.get("/staff/?show=everyone&page=40"))
    timed("GET /staff/?kind=booking", 20, lambda: staff.get("/staff/?show=everyone&kind=booking"))
    timed("POST /staff/people (date of birth)", 50,
          lambda: staff.post("/staff/people", data={"q": "1 2 1950"}))


if __name__ == "__main__":
    main()
