"""Credentials from the environment, checked before any request, and URLs made safe to show.

A key pasted with a zero-width space, a non-breaking space or a line break cannot go into an HTTP
header: ``requests`` fails deep inside ``http.client`` (a UnicodeEncodeError, or a "connection
failed" retried five times). Checked here, the user learns which variable to fix and where in it the
bad character is, and the value itself is never shown.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from urllib.parse import urlsplit, urlunsplit

from provisioner.core.errors import ConfigError

# account_env() leaves the account's name under this key (no shell variable can be called so), so a
# message names the variable the user must fix (GUIDEBOOK_API_KEY_EAST), not the default account's.
ACCOUNT_KEY = "provisioner.account"
# Far above any real key or token (a JWT of a few KB at most), far below what servers refuse as a
# header (8 KB to 64 KB, answered 431 with an HTML page): a longer value is not the key (issue 23).
MAX_CREDENTIAL = 4096


def account_var(name: str, account: str | None) -> str:
    """The variable ``name`` as one account reads it: ``GUIDEBOOK_API_KEY_EAST`` for ``account:
    east``."""
    return f"{name}_{account.upper()}" if account else name


def var(env: Mapping[str, str], name: str) -> str:
    """The variable ``name`` as the account ``env`` belongs to reads it (see ACCOUNT_KEY)."""
    return account_var(name, env.get(ACCOUNT_KEY))


def credential(env: Mapping[str, str], name: str) -> str:
    """The variable's value without surrounding whitespace ("" when unset); ConfigError naming the
    variable when it holds a character a header cannot carry (anything outside printable ASCII, or
    inner whitespace)."""
    value = (env.get(name) or "").strip()
    if len(value) > MAX_CREDENTIAL:
        raise ConfigError(
            f"{var(env, name)} is {len(value)} characters long; an API key is far shorter (at most "
            f"{MAX_CREDENTIAL} here): check what the variable holds"
        )
    for i, char in enumerate(value):
        if " " < char < "\x7f":
            continue
        what = unicodedata.name(char, "") or {
            "\n": "LINE FEED",
            "\r": "CARRIAGE RETURN",
            "\t": "TAB",
        }.get(char, "a control character")
        raise ConfigError(
            f"{var(env, name)} contains U+{ord(char):04X} ({what}) at character {i + 1} of "
            f"{len(value)}, "
            "which cannot be sent in an HTTP header; copy the value again (pasting can add "
            "invisible characters) and re-export it"
        )
    return value


_USER_INFO = re.compile(r"//[^/@\s'\"]+@")


def redact_text(text: str) -> str:
    """Every ``//user:password@`` inside ``text`` (an exception's message naming a proxy URL) as
    ``//***@``."""
    return _USER_INFO.sub("//***@", text)


def redact_url(url: str) -> str:
    """``url`` with any ``user:password@`` replaced by ``***@``: fit for messages and logs."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "(an unparsable URL)"
    if "@" not in parts.netloc:
        return url
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit((parts.scheme, f"***@{host}", parts.path, parts.query, parts.fragment))
