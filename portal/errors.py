"""Translated error pages that never show a trace (400, 403, 404, 405, 413, 429, 500, 503)."""

from __future__ import annotations

from flask import Flask, current_app, g, render_template
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError

MESSAGES = {
    400: (_l("Something went wrong with that request"),
          _l("Go back, check what you entered and try again.")),
    403: (_l("You can't see this page"),
          _l("Your account does not have permission to see this page.")),
    404: (_l("Page not found"),
          _l("If you typed the web address, check it is correct.")),
    405: (_l("Something went wrong with that request"),
          _l("Go back, check what you entered and try again.")),
    413: (_l("That was too much to send"),
          _l("Go back and send less at once.")),
    429: (_l("Too many tries"),
          _l("For your safety, wait a few minutes before you try again.")),
    500: (_l("Sorry, there is a problem with the service"),
          _l("Try again later. Nothing you sent has been saved.")),
    503: (_l("Sorry, the service is unavailable"),
          _l("Try again in a few minutes.")),
}
CSRF_MESSAGE = (_l("This form has expired"),
                _l("For your safety, forms stop working after a while. Go back, reload the page "
                   "and try again."))


def _rollback() -> None:
    session = g.get("_db_session")
    if session is not None:
        session.rollback()


def _page(status: int, heading: object, body: object) -> tuple[str, int]:
    return render_template("errors/error.html", status=status, heading=heading, body=body), status


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(_error: CSRFError) -> tuple[str, int]:
        _rollback()
        return _page(400, *CSRF_MESSAGE)

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException) -> tuple[str, int] | HTTPException:
        status = error.code or 500
        if status < 400:
            return error
        if status >= 500:
            _rollback()
        heading, body = MESSAGES.get(status, MESSAGES[500 if status >= 500 else 400])
        return _page(status, heading, body)

    @app.errorhandler(OperationalError)
    def _database_down(_error: OperationalError) -> tuple[str, int]:
        _rollback()
        current_app.logger.exception("database unavailable")
        return _page(503, *MESSAGES[503])

    @app.errorhandler(InternalServerError)
    def _internal(_error: InternalServerError) -> tuple[str, int]:
        _rollback()
        return _page(500, *MESSAGES[500])

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> tuple[str, int]:
        _rollback()
        current_app.logger.exception("unhandled error")
        return _page(500, *MESSAGES[500])
