"""Names that look alike but are different to a service: ``Sales Team`` and ``sales team`` (case
only), or ``Ѕales Team`` with a Cyrillic ``Ѕ`` (a confusable). The services compare names exactly,
so a look-alike plans as an identical-looking create (issue 23); validate and plan warn instead.

The skeleton is Unicode's idea (UTS #39, confusable detection) cut down to what names in schedules
meet: NFKC (full-width and mathematical letters, ligatures, odd spaces), invisible characters
dropped, the Cyrillic and Greek letters that look Latin mapped to it, dashes and quotes to one each.
A small table, not the 6,000-line confusables.txt: the rest (Cherokee, Armenian...) is rare in a
schedule's name.
"""

from __future__ import annotations

import unicodedata

# Cyrillic and Greek letters drawn like Latin ones, to those (lower and upper case).
_LATIN = {
    **dict(zip("аеорсухѕіјԁһԛԝӏ", "aeopcyxsijdhqwl", strict=True)),
    **dict(zip("АВЕКМНОРСТХЅІЈҮԚԜ", "ABEKMHOPCTXSIJYQW", strict=True)),
    **dict(zip("ΑΒΕΖΗΙΚΜΝΟΡΤΥΧ", "ABEZHIKMNOPTYX", strict=True)),
    **dict(zip("οκνρ", "okvp", strict=True)),
    **dict.fromkeys("‐‑‒–—―−", "-"),
    **dict.fromkeys("‘’‚‛`´", "'"),
    **dict.fromkeys("“”„‟", '"'),
}
_TABLE = {ord(k): v for k, v in _LATIN.items()}


def _invisible(char: str) -> bool:
    """Format characters (zero-width space and joiners, soft hyphen, BOM) and variation
    selectors."""
    return unicodedata.category(char) == "Cf" or "\ufe00" <= char <= "\ufe0f"


def skeleton(name: str) -> str:
    """What ``name`` looks like: two names with one skeleton are hard to tell apart on screen."""
    text = unicodedata.normalize("NFKC", name)
    text = "".join(c for c in text if not _invisible(c)).translate(_TABLE)
    return " ".join(text.split())


def folded(name: str) -> str:
    """The skeleton without case: what groups twins that differ in case or look alike."""
    return skeleton(name).casefold()


def how_alike(name: str, other: str) -> str | None:
    """How ``name`` and ``other`` (two different names of one folded skeleton) are alike, in
    words."""
    if unicodedata.normalize("NFC", name) == unicodedata.normalize("NFC", other):
        return None  # one name, in two Unicode forms: the loader already takes them as one
    if folded(name) != folded(other):
        return None
    if name.casefold() == other.casefold():
        return "differ only in case"
    odd = [c for c in dict.fromkeys(name + other) if not c.isascii() or _invisible(c)]
    shown = ", ".join(
        f"{c!r} (U+{ord(c):04X} {unicodedata.name(c, 'an unnamed character')})" for c in odd[:3]
    )
    return f"look alike but are different characters ({shown})"
