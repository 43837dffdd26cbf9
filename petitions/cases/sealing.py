"""Sealing a secret that must leave our hands readable but never rest in the database in clear.

Two secrets need it, both query codes (查询码): the receipt page's copy, kept by the petitioner's
browser in a cookie, and an SMS waiting in the outbox. Fernet (AES-128-CBC + HMAC-SHA256) under a
key derived from `PETITIONS_QUERY_CODE_KEY`, the key kept outside the database, one derived key per
purpose: a stolen database holds only sealed text it cannot open (docs/security.md, Query codes).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings


@lru_cache(maxsize=8)
def _fernet(key: str, purpose: bytes) -> Fernet:
    raw = hmac.new(key.encode(), b"sealed:" + purpose, hashlib.sha256).digest()
    return Fernet(base64.urlsafe_b64encode(raw))


def seal(text: str, purpose: bytes) -> str:
    """`text` encrypted and authenticated under the current key, for this purpose only."""
    return _fernet(settings.PETITIONS_QUERY_CODE_KEY, purpose).encrypt(text.encode()).decode()


def unseal(sealed: str, purpose: bytes, *, max_age: int | None = None) -> str | None:
    """The text sealed for this purpose (under the current or an old key), or None when it is
    not a sealed text, was altered, is older than `max_age` seconds or its key is gone."""
    keys = [settings.PETITIONS_QUERY_CODE_KEY, *settings.PETITIONS_QUERY_CODE_OLD_KEYS]
    for key in keys:
        try:
            return _fernet(key, purpose).decrypt(sealed.encode(), ttl=max_age).decode()
        except (InvalidToken, ValueError):
            continue
    return None
