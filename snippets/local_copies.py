"""Per-process copies of the configuration every public filing reads (issue 14): the channels
with their time limits (渠道及其办理时限), the categories (问题类别) and the message templates.

Each copy is labelled with a version kept in the shared cache (the database cache, or Redis),
which every web process and the worker share. A save or delete of one of these snippets, in any
process, sets a new version (`configuration_changed`, at once and again when the change is
committed, as the navigation's cache is cleared in petition_site.public.models); the next
request of any process that reads the version sees that its copy is old and reads the database
again. So a saved channel limit is used by the very next filing, whichever process takes it.

Reading the version is one cache read. A caller that reads the shared cache anyway (the abuse
counters of a public filing) asks for `VERSION_KEY` in the same `get_many` and passes what it got
to `checked`; inside that block the copies cost no statement at all. Outside such a block,
`channel` and `categories` read the version themselves, and `saved_message_templates` answers
None (the caller reads the database, as before).
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar

from django.core.cache import cache
from django.db import transaction

from snippets.models import Category, Channel, MessageTemplate

#: The shared cache's key of the configuration's version (any string; a new one on every change).
VERSION_KEY = "snippets:configuration-version"

_lock = threading.Lock()
#: {"version": str, "channels": {code: Channel}, "categories": tuple, "templates": dict}
_local: dict = {}
#: The version this request already read from the shared cache (see `checked`).
_checked: ContextVar[str | None] = ContextVar("snippets_configuration_version", default=None)


def _new_version() -> str:
    return uuid.uuid4().hex


def shared_version(known: Mapping | None = None) -> str:
    """The configuration's version in the shared cache: from `known` (the answer of a
    `cache.get_many` that asked for VERSION_KEY) or read now. A cache that lost it (culled,
    cleared) gets a new one, so no process keeps a copy labelled with a version it held."""
    version = known.get(VERSION_KEY) if known is not None else cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, _new_version(), timeout=None)
        version = cache.get(VERSION_KEY) or _new_version()
    return str(version)


@contextmanager
def checked(version: str) -> Iterator[None]:
    """Use this version of the shared cache for the copies read inside the block (one request)."""
    token = _checked.set(version)
    try:
        yield
    finally:
        _checked.reset(token)


def _copies() -> dict:
    """This process's copies, emptied first if the shared version moved."""
    version = _checked.get() or shared_version()
    with _lock:
        if _local.get("version") != version:
            _local.clear()
            _local.update(version=version, channels={})
        return _local


def channel(code: str) -> Channel:
    """The channel with this code, with its time limits (`rule_overrides()` reads no database).

    Shared by the requests of this process: read it, never change it. Raises
    Channel.DoesNotExist as a query would (not kept: a channel created later is found).
    """
    copies = _copies()
    found = copies["channels"].get(code)
    if found is None:
        found = Channel.objects.prefetch_related("deadline_overrides").get(code=code)
        with _lock:
            copies["channels"][code] = found
    return found


def categories() -> tuple[Category, ...]:
    """Every category, in the categories' order."""
    copies = _copies()
    found = copies.get("categories")
    if found is None:
        found = tuple(Category.objects.all())
        with _lock:
            copies["categories"] = found
    return found


def saved_message_templates() -> Mapping[str, tuple[str, str]] | None:
    """{key: (title, body)} of the saved message templates, or None when no version was checked
    in this request (the caller reads the database itself)."""
    if _checked.get() is None:
        return None
    copies = _copies()
    templates = copies.get("templates")
    if templates is None:
        templates = {
            key: (title, body)
            for key, title, body in MessageTemplate.objects.values_list("key", "title", "body")
        }
        with _lock:
            copies["templates"] = templates
    return templates


def clear_local() -> None:
    """Forget this process's copies (tests between cases)."""
    with _lock:
        _local.clear()


def configuration_changed(**kwargs) -> None:
    """A channel, its time limits, a category or a message template was saved or deleted: a new
    version now, and another once the change is committed (a copy read in between, before the
    commit, would hold the old rows under the new version)."""
    clear_local()
    cache.set(VERSION_KEY, _new_version(), timeout=None)
    transaction.on_commit(lambda: cache.set(VERSION_KEY, _new_version(), timeout=None))
