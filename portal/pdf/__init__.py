"""Printable handouts (activation letters, policy handouts, consent receipts) as PDF.

Text in any of the portal's languages is shaped with HarfBuzz (Arabic joining,
Bengali and Gurmukhi conjuncts), laid out right-to-left for Arabic and Urdu, and
set in Noto / DejaVu fonts found on the system at render time.

    pdf = render_pdf(
        title="Activate your account",
        language="ar",
        blocks=[Heading("..."), Paragraph("..."), CodeBox("K7M3-9QXP-2HDW")],
        footer="Consent Portal",
    )
"""

from .blocks import Block, CodeBox, Heading, Paragraph, Spacer
from .fonts import MissingFontError
from .render import LANGUAGES, RTL_LANGUAGES, render_pdf

__all__ = [
    "LANGUAGES",
    "RTL_LANGUAGES",
    "Block",
    "CodeBox",
    "Heading",
    "MissingFontError",
    "Paragraph",
    "Spacer",
    "render_pdf",
]
