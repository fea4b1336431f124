"""Imports every model module so that Base.metadata is complete (Alembic, tests)."""

from portal.accounts import models as accounts  # noqa: F401
from portal.advocates import models as advocates  # noqa: F401
from portal.audit import models as audit  # noqa: F401
from portal.bookings import models as bookings  # noqa: F401
from portal.consent import models as consent  # noqa: F401
from portal.contact import models as contact  # noqa: F401
from portal.disclosures import models as disclosures  # noqa: F401
from portal.notifications import models as notifications  # noqa: F401
from portal.people import models as people  # noqa: F401
from portal.policy import models as policy  # noqa: F401
