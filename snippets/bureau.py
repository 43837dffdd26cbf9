"""The bureau's identity and choices, read once and cached: every page, notice and message asks
here, never the database per use.

`bureau_profile()` (本局信息) and `bureau_rules()` (本局办理选项) return frozen copies of the two
admin settings. A save clears the saving process's copy at once (snippets.signals); every other
process (other web workers, the task worker) picks the change up within CACHE_SECONDS, as the
working-day calendar does. Case numbers do not rely on the cache: `numbering.issue_number` reads
the prefix inside the filing's transaction.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, fields

from django.conf import settings
from django.db import connection
from django.utils import translation

from snippets.models import BureauProfile, BureauRules

#: A loaded copy is trusted this long in processes that did not make the change.
CACHE_SECONDS = 60.0


@dataclass(frozen=True)
class Bureau:
    """本局信息 as the pages and letters use it."""

    name: str
    name_en: str = ""
    short_name: str = ""
    number_prefix: str = ""
    phone: str = ""
    address: str = ""
    office_hours: str = ""
    letter_signature: str = ""
    regulation_title: str = ""

    @property
    def display_name(self) -> str:
        """The name in the page's language: English on the English site, if given."""
        if self.name_en and (translation.get_language() or "").startswith("en"):
            return self.name_en
        return self.name

    @property
    def short(self) -> str:
        return self.short_name or self.name

    @property
    def signature(self) -> str:
        """The signature line of letters (落款)."""
        return self.letter_signature or self.name

    @property
    def regulation(self) -> str:
        return self.regulation_title or f"《{self.name}环境信访工作管理办法》"

    @property
    def has_contact(self) -> bool:
        return bool(self.phone or self.address or self.office_hours)


@dataclass(frozen=True)
class Choices:
    """本局办理选项: what the regulation leaves to the bureau."""

    move_natural_due_off_holidays: bool = False
    reminder_working_days: int = 3
    duplicate_lookback_days: int = 365


_lock = threading.Lock()
_cache: dict[type, tuple[float, object]] = {}


def _table_exists(model) -> bool:
    return model._meta.db_table in connection.introspection.table_names()


def _starter_profile() -> Bureau:
    return Bureau(
        name=settings.PETITIONS_BUREAU_NAME,
        name_en=settings.PETITIONS_BUREAU_NAME_EN,
        short_name=settings.PETITIONS_BUREAU_SHORT_NAME,
        number_prefix=settings.PETITIONS_NUMBER_PREFIX,
        phone=settings.PETITIONS_BUREAU_PHONE,
    )


def _starter_rules() -> Choices:
    return Choices(move_natural_due_off_holidays=settings.PETITIONS_MOVE_NATURAL_DUE_OFF_HOLIDAYS)


def _copy(instance, into):
    return into(**{f.name: getattr(instance, f.name) for f in fields(into)})


def _load(model, into, starter):
    now = time.monotonic()
    with _lock:
        cached = _cache.get(model)
        if cached is not None and now - cached[0] < CACHE_SECONDS:
            return cached[1]
    # Before the first migration (a management command on an empty database): starter values.
    value = _copy(model.load(), into) if _table_exists(model) else starter()
    with _lock:
        _cache[model] = (now, value)
    return value


def bureau_profile() -> Bureau:
    """本局信息 (cached)."""
    return _load(BureauProfile, Bureau, _starter_profile)


def bureau_rules() -> Choices:
    """本局办理选项 (cached)."""
    return _load(BureauRules, Choices, _starter_rules)


def clear_cache() -> None:
    """Forget the cached copies (a setting was saved; tests between cases)."""
    with _lock:
        _cache.clear()


def current_number_prefix() -> str:
    """The prefix in force now, read from the database (no cache): for issuing a number."""
    prefix = BureauProfile.objects.values_list("number_prefix", flat=True).first()
    return prefix or settings.PETITIONS_NUMBER_PREFIX


def context_processor(request) -> dict:
    """`bureau` in every template: the name, phone, address and office hours."""
    return {"bureau": bureau_profile()}
