"""Flask extensions, created unbound and bound to an app in create_app()."""

from __future__ import annotations

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

from portal.db import Database

db = Database()
csrf = CSRFProtect()
babel = Babel()
login_manager = LoginManager()
# Per-address limits; the per-account throttle lives in the database (accounts.services).
limiter = Limiter(key_func=get_remote_address, default_limits=[])
