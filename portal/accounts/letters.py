"""The printable activation letter, in the account holder's language."""

from __future__ import annotations

from datetime import datetime

from flask import request
from flask_babel import force_locale
from flask_babel import gettext as _

from portal.accounts.services import format_code
from portal.i18n import format_local_time
from portal.pdf import Block, CodeBox, Heading, Paragraph, Spacer, render_pdf


def activation_letter(code: str, expires_at: datetime, language: str) -> bytes:
    # Neutral wording: the letter may be found by someone else (domain.md, "Safety").
    address = request.host_url.rstrip("/") + "/activate"
    with force_locale(language):
        title = _("Your code to set up your account")
        blocks: list[Block] = [
            Heading(title),
            Paragraph(_("Go to this address on your phone or computer:")),
            CodeBox(address),
            Paragraph(_("Type in this code:")),
            CodeBox(format_code(code)),
            Paragraph(_("Then choose a password. Only you should know it.")),
            Spacer(),
            Paragraph(
                _("The code works once. It stops working on %(date)s.",
                  date=format_local_time(expires_at))
            ),
            Paragraph(
                _("If it has stopped working, ask us for a new one. "
                  "Keep this letter somewhere private, or destroy it once you have signed in.")
            ),
        ]
        return render_pdf(title=title, language=language, blocks=blocks)
