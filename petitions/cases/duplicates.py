"""Likely duplicates at registration (重复信访事项, 第十四条, A14.6; 第十九条第三款, A19.3).

Every case keeps its keys in the duplicate index (`DuplicateKey`): the character bigrams of its
place and description, its petitioners' phones and ID numbers, written when it is filed and
whenever these change. At registration `find_duplicates` looks back over the bureau's chosen
number of days (本局办理选项) in two indexed queries: the same phone or ID number, and the cases
sharing most of the text's rarest bigrams; the few candidates are then compared in full.
The queries are plain SQL on one table, alike on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Count, Q
from django.utils.translation import gettext as _

from petitions.cases.bulk_rows import insert_rows
from petitions.cases.models import Case, DuplicateKey, Petitioner, Reply
from rules.duplicates import (
    HANDLING_STATES,
    EarlierCase,
    KeyKind,
    bigrams,
    case_text,
    id_number_key,
    phone_key,
    same_place,
    text_match,
)
from rules.states import State
from snippets.bureau import bureau_rules

#: How many of the text's rarest bigrams are looked up: enough that a near-duplicate shares
#: many of them, few enough that the common ones (扰民, 污染) never make the query slow.
RARE_BIGRAMS = 24
#: A bigram in at least this many cases of the look-back is common: counting stops there, so
#: that counting 扰民 in a large ledger costs no more than counting a rare name.
COMMON = 1000
#: Fewer rare bigrams than this (a text of common words only): the least common are taken.
FEWEST_BIGRAMS = 8
#: How many cases sharing the most of them are compared in full.
TEXT_CANDIDATES = 40
#: At most this many likely duplicates are shown.
SHOWN = 10


def case_keys(case: Case, petitioners: Iterable[Petitioner] | None = None) -> set[tuple[int, int]]:
    """The (kind, key) pairs of a case: its text's bigrams, its petitioners' phones and IDs
    (`petitioners` when the caller has them, else the case's)."""
    keys = {(KeyKind.BIGRAM.value, k) for k in bigrams(case_text(case.place, case.description))}
    for p in case.petitioners.all() if petitioners is None else petitioners:
        if (phone := phone_key(p.phone)) is not None:
            keys.add((KeyKind.PHONE.value, phone))
        if (id_key := id_number_key(p.id_number)) is not None:
            keys.add((KeyKind.ID_NUMBER.value, id_key))
    return keys


def index_case(case: Case) -> None:
    """Write the case's keys afresh (after filing, a correction, a petitioner added)."""
    DuplicateKey.objects.filter(case=case).delete()
    index_new_cases([case])


#: The columns of a key: its rows are written as values, about 40 a case (bulk_rows).
_KEY_FIELDS = ("case", "kind", "key", "received_at")


def index_new_cases(
    cases: Sequence[Case], petitioners: Mapping[int, Sequence[Petitioner]] | None = None
) -> None:
    """The keys of cases just filed in a batch: one INSERT. Their petitioners are given by
    case id (as filed), or read from the cases (prefetched)."""
    insert_rows(
        DuplicateKey,
        _KEY_FIELDS,
        (
            (case.pk, kind, key, case.received_at)
            for case in cases
            for kind, key in sorted(
                case_keys(case, None if petitioners is None else petitioners.get(case.pk, ()))
            )
        ),
    )


@dataclass
class LikelyDuplicate:
    """An earlier (or concurrent) case that may be the same matter, and why."""

    case: Case
    same_phone: bool = False
    same_id_number: bool = False
    same_place: bool = False
    similar_text: bool = False
    similarity: float = 0.0
    #: A re-review opinion (复核意见) was given on it (第十九条第三款).
    re_reviewed: bool = False
    reasons: list[str] = field(default_factory=list)

    @property
    def state_label(self) -> str:
        return str(State(self.case.state).label)

    @property
    def may_link(self) -> bool:
        """Accepted or being handled (第十四条): the new petition can join it."""
        return self.case.state in HANDLING_STATES and not self.re_reviewed

    @property
    def similarity_percent(self) -> int:
        return round(self.similarity * 100)

    @property
    def strength(self) -> tuple:
        shared = self.same_phone + self.same_id_number + self.same_place + self.similar_text
        return (shared, self.similarity)


def bigram_frequencies(grams: list[int], since: dt.datetime) -> dict[int, int]:
    """In how many cases since `since` each bigram occurs, counted up to COMMON only.

    One statement of capped scalar subqueries (plain SQL, alike on SQLite and PostgreSQL): a
    GROUP BY over the index would read every row of the common bigrams.
    """
    table = connection.ops.quote_name(DuplicateKey._meta.db_table)
    one = (
        f"(SELECT COUNT(*) FROM (SELECT 1 FROM {table} WHERE kind = %s AND key = %s "  # noqa: S608
        "AND received_at >= %s LIMIT %s) AS sample)"
    )
    when = connection.ops.adapt_datetimefield_value(since)
    frequencies: dict[int, int] = {}
    # In slices: SQLite allows at most 999 parameters in older builds.
    for start in range(0, len(grams), 60):
        part = grams[start : start + 60]
        params: list = []
        for gram in part:
            params += [KeyKind.BIGRAM.value, gram, when, COMMON]
        with connection.cursor() as cursor:
            cursor.execute("SELECT " + ", ".join([one] * len(part)), params)
            frequencies.update(zip(part, cursor.fetchone(), strict=True))
    return frequencies


def find_duplicates(
    case: Case, *, lookback_days: int | None = None, limit: int = SHOWN
) -> list[LikelyDuplicate]:
    """The cases received within the look-back that are likely the same matter, best first."""
    if lookback_days is None:
        lookback_days = bureau_rules().duplicate_lookback_days
    since = case.received_at - dt.timedelta(days=lookback_days)
    keys = case_keys(case)
    index = DuplicateKey.objects.filter(received_at__gte=since).exclude(case_id=case.pk)

    identity = Q()
    for identity_kind in (KeyKind.PHONE, KeyKind.ID_NUMBER):
        values = [k for kd, k in keys if kd == identity_kind]
        if values:
            identity |= Q(kind=identity_kind, key__in=values)
    found: dict[int, set[int]] = {}
    if identity:
        for case_id, kind in index.filter(identity).values_list("case_id", "kind"):
            found.setdefault(case_id, set()).add(kind)

    grams = [k for kd, k in keys if kd == KeyKind.BIGRAM]
    if grams:
        frequency = bigram_frequencies(grams, since)
        by_rarity = sorted((n, key) for key, n in frequency.items() if n)
        rare = [key for n, key in by_rarity if n < COMMON][:RARE_BIGRAMS]
        if len(rare) < FEWEST_BIGRAMS:
            # A text of common words only: its least common ones will have to do.
            rare = [key for _n, key in by_rarity[:FEWEST_BIGRAMS]]
        if rare:
            least = max(2, len(rare) // 5)
            top = (
                index.filter(kind=KeyKind.BIGRAM, key__in=rare)
                .values_list("case_id")
                .annotate(shared=Count("case_id"))
                .filter(shared__gte=least)
                .order_by("-shared", "-case_id")[:TEXT_CANDIDATES]
            )
            for case_id, _shared in top:
                found.setdefault(case_id, set())
    if not found:
        return []

    own_grams = {k for kd, k in keys if kd == KeyKind.BIGRAM}
    re_reviewed = set(
        Reply.objects.filter(case_id__in=found, stage=Reply.Stage.RE_REVIEW).values_list(
            "case_id", flat=True
        )
    )
    results = []
    candidates = (
        Case.objects.filter(pk__in=found)
        .exclude(state=State.VOIDED)
        .select_related("channel")
        .prefetch_related("petitioners")
    )
    for other in candidates:
        kinds = found[other.pk]
        match = text_match(own_grams, bigrams(case_text(other.place, other.description)))
        likely = LikelyDuplicate(
            case=other,
            same_phone=KeyKind.PHONE in kinds,
            same_id_number=KeyKind.ID_NUMBER in kinds,
            same_place=same_place(case.place, other.place),
            similar_text=match.similar,
            similarity=match.similarity,
            re_reviewed=other.pk in re_reviewed,
        )
        if not (likely.same_phone or likely.same_id_number or likely.similar_text):
            continue
        likely.reasons = [
            reason
            for reason, present in (
                (_("同一电话"), likely.same_phone),
                (_("同一身份证号"), likely.same_id_number),
                (_("同一地点"), likely.same_place),
                (_("内容相似"), likely.similar_text),
            )
            if present
        ]
        results.append(likely)
    results.sort(key=lambda d: d.strength, reverse=True)
    return results[:limit]


def earlier_case(case: Case, number: str, *, lock: bool = False) -> Case | None:
    """The case with this number (as typed: spaces and case ignored), locked if asked."""
    number = (number or "").strip().upper()
    if not number:
        return None
    queryset = Case.objects.filter(number=number)
    if lock:
        queryset = queryset.select_for_update(of=("self",))
    return queryset.first()


def earlier_facts(case: Case, earlier: Case | None) -> EarlierCase | None:
    """What the transition table needs to know of the earlier case (rules.duplicates)."""
    if earlier is None:
        return None
    return EarlierCase(
        number=earlier.number,
        state=State(earlier.state),
        re_reviewed=earlier.replies.filter(stage=Reply.Stage.RE_REVIEW).exists(),
        same_case=earlier.pk == case.pk,
    )


def join_petitioners(case: Case, earlier: Case) -> list[Petitioner]:
    """The new case's petitioners join the earlier case (one matter, one reply): each one who is
    not already among its petitioners (by phone or ID number, else by name) is added."""
    present = list(earlier.petitioners.all())
    phones = {phone_key(p.phone) for p in present} - {None}
    ids = {id_number_key(p.id_number) for p in present} - {None}
    names = {p.name for p in present if p.name and not p.phone and not p.id_number}
    added = []
    for p in case.petitioners.all():
        phone, id_key = phone_key(p.phone), id_number_key(p.id_number)
        if (phone is not None and phone in phones) or (id_key is not None and id_key in ids):
            continue
        if phone is None and id_key is None and (not p.name or p.name in names):
            continue
        added.append(
            Petitioner.objects.create(
                case=earlier,
                name=p.name,
                phone=p.phone,
                id_number=p.id_number,
                address=p.address,
                is_representative=False,
            )
        )
        phones.add(phone)
        ids.add(id_key)
    return added
