"""Text that is safe in a spreadsheet: the one place that decides what a formula-looking cell is."""

from __future__ import annotations

# A cell starting with one of these is run as a formula by Excel, LibreOffice or Google Sheets (CSV injection).
FORMULA_STARTS: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")


def escape_formula(text: str) -> str:
    """Text a spreadsheet will not evaluate: a leading ' before = + - @ tab or carriage return."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text
