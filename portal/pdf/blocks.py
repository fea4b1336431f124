"""The building blocks a caller puts in a document."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Heading:
    text: str


@dataclass(frozen=True)
class Paragraph:
    text: str


@dataclass(frozen=True)
class CodeBox:
    """A code the reader must type (e.g. "K7M3-9QXP-2HDW"): large, monospaced, boxed.

    Always drawn left-to-right, even in an Arabic or Urdu document, because the
    reader copies it character by character into a Latin input field.
    """

    text: str


@dataclass(frozen=True)
class Spacer:
    height_mm: float = 4


Block = Heading | Paragraph | CodeBox | Spacer
