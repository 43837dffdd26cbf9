"""Abuse control on public filing (防刷): limits per client address and per phone number, and a
question to answer after repeated filings (X.1; ASVS 2.4.1 anti-automation).

The website form and the JSON API both call `check_filing` before filing and `record_filing`
after a case was filed, so both meet the same limits. The honeypot field lives in
`petitions.intake.PublicFilingForm`.

Counters are kept in Django's default cache, which the settings make shared by every web
process (a database table, or Redis with REDIS_URL). They are best effort: two requests in the
same instant may both pass the last free place. Phone numbers and addresses are keyed by an
HMAC, so the cache never holds them in clear.
"""

from __future__ import annotations

import math
import re
import secrets
import time
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _g

from petitions.intake.models import PublicSubmission
from snippets.bureau import bureau_profile

_SALT = "petitions.abuse"
_CHALLENGE_SALT = "petitions.abuse.challenge"
_DIGITS = "零一二三四五六七八九"


@dataclass(frozen=True)
class Refusal:
    """Why a filing is not taken now. `field` names the form field the message belongs to
    (the challenge answer), or is None for a refusal of the whole submission."""

    message: str
    status: int
    field: str | None = None


@dataclass(frozen=True)
class Challenge:
    """A question (验证问题) and its signed token, which carries only an HMAC of the answer."""

    question: str
    token: str


# --- settings --------------------------------------------------------------------------------


def _limit(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def address_limit() -> tuple[int, int]:
    """(filings, seconds) allowed from one client address."""
    return (
        _limit("PUBLIC_FILINGS_PER_ADDRESS", 30),
        _limit("PUBLIC_FILINGS_ADDRESS_WINDOW_SECONDS", 3600),
    )


def phone_limit() -> tuple[int, int]:
    """(filings, seconds) allowed for one phone number."""
    return (
        _limit("PUBLIC_FILINGS_PER_PHONE", 5),
        _limit("PUBLIC_FILINGS_PHONE_WINDOW_SECONDS", 86400),
    )


def challenge_after() -> int:
    return _limit("PUBLIC_CHALLENGE_AFTER", 3)


def exempt_addresses() -> set[str]:
    """Addresses with no per-address limit: a partner platform that files for many residents
    from one server (the per-phone limit still applies to each resident)."""
    return set(getattr(settings, "PUBLIC_ABUSE_EXEMPT_ADDRESSES", ()) or ())


def _challenge_max_age() -> int:
    return _limit("PUBLIC_CHALLENGE_MAX_AGE_SECONDS", 3600)


# --- counters --------------------------------------------------------------------------------


def client_address(request) -> str:
    """The address the request came from.

    REMOTE_ADDR, unless `PETITIONS_TRUSTED_PROXIES` says how many reverse proxies of the
    bureau's own stand in front (each appends the address it saw to X-Forwarded-For): then the
    address the outermost of them saw. Entries further left are the client's to invent.
    """
    proxies = _limit("PETITIONS_TRUSTED_PROXIES", 0)
    if proxies > 0:
        forwarded = [
            a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if a.strip()
        ]
        if len(forwarded) >= proxies:
            return forwarded[-proxies][:100]
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def normalise_phone(phone: str) -> str:
    """The digits of a phone number without the +86 prefix: '+86 139-1234-5678' → 13912345678."""
    digits = re.sub(r"\D", "", unicodedata.normalize("NFKC", phone or ""))
    if digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    return digits


def _key(kind: str, value: str) -> str:
    digest = salted_hmac(_SALT, value, algorithm="sha256").hexdigest()
    return f"public-filings:{kind}:{digest[:32]}"


def _address_key(address: str) -> str:
    return _key("address", address)


def _phone_key(phone: str) -> str | None:
    digits = normalise_phone(phone)
    return _key("phone", digits) if digits else None


def count(key: str | None) -> int:
    """The current count under this key (0 when its window has passed)."""
    entry = cache.get(key) if key else None
    if not entry or entry[1] <= time.time():
        return 0
    return int(entry[0])


def hit(key: str, window: int) -> int:
    """Count one more under this key, in a fixed window of `window` seconds from the first.

    The expiry is kept beside the count because the database cache's incr() would reset the
    timeout to the default (300 s) on every hit.
    """
    now = time.time()
    entry = cache.get(key)
    if not entry or entry[1] <= now:
        entry = (0, now + window)
    n, expires = int(entry[0]) + 1, float(entry[1])
    cache.set(key, (n, expires), timeout=max(1, math.ceil(expires - now)))
    return n


def _minutes_left(key: str | None) -> int:
    entry = cache.get(key) if key else None
    seconds = (entry[1] - time.time()) if entry else 60
    return max(1, math.ceil(seconds / 60))


# --- the challenge ---------------------------------------------------------------------------


def _in_chinese(n: int) -> str:
    """1–99 in Chinese numerals (七, 十二, 二十)."""
    if n < 10:
        return _DIGITS[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else _DIGITS[tens]) + "十" + (_DIGITS[ones] if ones else "")


def _answer_digest(nonce: str, answer: str) -> str:
    return salted_hmac(_CHALLENGE_SALT, f"{nonce}:{answer}", algorithm="sha256").hexdigest()


def new_challenge() -> Challenge:
    """A sum of two small numbers written in Chinese numerals; the answer is typed in digits.

    The signed token carries a nonce and an HMAC of the answer made with the secret key, so
    the answer cannot be read from the page, and the signature's timestamp bounds its age.
    """
    a, b = secrets.randbelow(9) + 1, secrets.randbelow(9) + 1
    nonce = secrets.token_urlsafe(12)
    token = signing.dumps(
        {"n": nonce, "d": _answer_digest(nonce, str(a + b))}, salt=_CHALLENGE_SALT
    )
    question = _g("%(a)s加%(b)s等于多少？（请用数字填写）") % {
        "a": _in_chinese(a),
        "b": _in_chinese(b),
    }
    return Challenge(question=question, token=token)


def _normalise_answer(answer: str) -> str:
    return unicodedata.normalize("NFKC", answer or "").strip()


def challenge_refusal(token: str, answer: str, *, submission_token: str) -> Refusal | None:
    """None when the answer to the challenge is right; else why not.

    Each question is answered once: a wrong answer spends it (no guessing the same question
    again), and only a repeat of the same submission may reuse a right answer (a double click).
    """
    if not token:
        return Refusal(_g("请回答验证问题后再提交。"), 400, "challenge_answer")
    try:
        payload = signing.loads(token, salt=_CHALLENGE_SALT, max_age=_challenge_max_age())
        nonce, digest = str(payload["n"]), str(payload["d"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return Refusal(_g("验证问题已过期，请回答新的问题。"), 400, "challenge_answer")
    answer = _normalise_answer(answer)
    if not answer:
        return Refusal(_g("请回答验证问题后再提交。"), 400, "challenge_answer")
    right = constant_time_compare(_answer_digest(nonce, answer), digest)
    outcome = f"{'ok' if right else 'wrong'}:{submission_token}"
    used_key = f"public-challenge-used:{nonce}"
    first_use = cache.add(used_key, outcome, timeout=_challenge_max_age())
    if not first_use and not (right and cache.get(used_key) == outcome):
        return Refusal(_g("验证问题已使用过，请回答新的问题。"), 400, "challenge_answer")
    if not right:
        return Refusal(_g("验证问题回答不正确，请重新作答。"), 400, "challenge_answer")
    return None


# --- the checks the views call ---------------------------------------------------------------


def challenge_needed(address: str, phone: str = "", *, entries: Mapping | None = None) -> bool:
    """True once this address or this phone has filed `PUBLIC_CHALLENGE_AFTER` cases.

    `entries`: the counters as `read_counters` gave them, if already read for this request.
    """
    address_key, phone_key = _address_key(address), _phone_key(phone)
    if entries is None:
        entries = read_counters(address, phone)
    after = challenge_after()
    if address not in exempt_addresses() and _count_of(entries.get(address_key)) >= after:
        return True
    return _count_of(entries.get(phone_key)) >= after


def read_counters(address: str, phone: str, *, also: Sequence[str] = ()) -> dict:
    """This address's and this phone's counters, in one read of the cache, with the entries
    of the keys `also` (what else the request needs from the shared cache)."""
    keys = [k for k in (_address_key(address), _phone_key(phone)) if k]
    return cache.get_many([*keys, *also])


def _count_of(entry) -> int:
    if not entry or entry[1] <= time.time():
        return 0
    return int(entry[0])


def check_filing(address: str, data: Mapping, *, entries: Mapping | None = None) -> Refusal | None:
    """Whether a valid public form may be filed now (None) or why not.

    `data` is the form's cleaned data: phone, submission_token, challenge, challenge_answer;
    `entries` the counters if already read (`read_counters`). A repeat of a form already filed
    is never refused: it files nothing new.
    """
    phone = data.get("phone") or ""
    if entries is None:
        entries = read_counters(address, phone)
    refusal = _refusal(address, data, entries)
    if (
        refusal is not None
        and PublicSubmission.objects.filter(token=data.get("submission_token") or "").exists()
    ):
        return None
    return refusal


def _refusal(address: str, data: Mapping, entries: Mapping) -> Refusal | None:
    submission_token = data.get("submission_token") or ""
    allowed, _seconds = address_limit()
    address_key = _address_key(address)
    if address not in exempt_addresses() and _count_of(entries.get(address_key)) >= allowed:
        return Refusal(
            _g("从您的网络提交的信访事项过多，请%(minutes)d分钟后再试。")
            % {"minutes": _minutes_left(address_key)},
            429,
        )
    allowed, seconds = phone_limit()
    phone_key = _phone_key(data.get("phone") or "")
    if phone_key and _count_of(entries.get(phone_key)) >= allowed:
        message = _g(
            "这个电话号码%(hours)d小时内已提交%(count)d件信访事项，请稍后再试；"
            "如需补充情况，请凭查询码查询或来电来访。"
        ) % {"hours": max(1, seconds // 3600), "count": allowed}
        # Told to call: with the number to call (本局信息).
        if phone := bureau_profile().phone:
            message += _g("本局信访电话：%(phone)s。") % {"phone": phone}
        return Refusal(message, 429)
    if challenge_needed(address, data.get("phone") or "", entries=entries):
        return challenge_refusal(
            data.get("challenge") or "",
            data.get("challenge_answer") or "",
            submission_token=submission_token,
        )
    return None


def record_filing(address: str, data: Mapping, *, entries: Mapping | None = None) -> None:
    """Count a case just filed against its address and its phone number, in one cache write.

    `entries`: the counters as read before filing (`read_counters`), else read again here.
    """
    phone = data.get("phone") or ""
    if entries is None:
        entries = read_counters(address, phone)
    now = time.time()
    updated = {}
    for key, window in (
        (_address_key(address), address_limit()[1]),
        (_phone_key(phone), phone_limit()[1]),
    ):
        if key is None:
            continue
        entry = entries.get(key)
        if not entry or entry[1] <= now:
            entry = (0, now + window)
        updated[key] = (int(entry[0]) + 1, float(entry[1]))
    # Each entry keeps its own window's end (see `hit`); the cache keeps both until the later.
    latest = max(expires for _n, expires in updated.values())
    cache.set_many(updated, timeout=max(1, math.ceil(latest - now)))
