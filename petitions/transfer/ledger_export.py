"""The ledger's rows for an export (台账导出, X.3), read as values rather than model instances.

A million `Case` instances, each with its prefetched categories and petitioners, cost about
0.4 ms a row in Python before a byte is written. The export needs a dozen values a row: they are
read with `values_list` on one cursor, and each chunk of rows gets its categories and
petitioners in one query each. The names of channels, departments and categories, and the
labels of states and kinds, are read once per export and joined in memory.

Each row holds exactly what `Case` would give for the ledger's `list_export` (the masking of
`Case.petitioner_names_masked` and `Case.petitioner_phones_masked`, the order of
`Case.category_names`), so the file is the same byte for byte; tests/petitions/test_export.py
compares the two.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from itertools import islice
from typing import Any

from django.db import connection
from django.db.models import QuerySet

from petitions.cases.models import Case, Petitioner
from petitions.cases.privacy import mask_name, mask_phone
from rules.states import State
from snippets.models import Category, Channel, Department

#: What each ledger column is read from (the case's own columns; the rest are joined in memory).
CASE_VALUES = (
    "pk",
    "number",
    "received_at",
    "channel_id",
    "kind",
    "host_department_id",
    "state",
    "next_due_on",
    "place",
    "source_ticket_number",
)
#: The ledger columns this module can give (petitions.admin.viewsets.CaseViewSet.list_export).
LEDGER_COLUMNS = (
    "number",
    "received_at",
    "channel",
    "kind_label",
    "category_names",
    "host_department",
    "state_label",
    "next_due_on",
    "petitioner_names_masked",
    "petitioner_phones_masked",
    "place",
    "source_ticket_number",
)


def _rows_of_cases(
    table: str, columns: list[str], case_ids: list[int], order_by: str = ""
) -> list[tuple]:
    """Plain column values of the rows of these cases. In SQL of our own: the ORM prepares
    each id of an `__in` list one by one, which for a million rows costs more than the query."""
    quote = connection.ops.quote_name
    sql = "SELECT {} FROM {} WHERE {} IN ({})".format(  # noqa: S608 - names from _meta
        ", ".join(quote(c) for c in columns),
        quote(table),
        quote("case_id"),
        ", ".join(["%s"] * len(case_ids)),
    )
    if order_by:
        sql += f" ORDER BY {quote(order_by)}"
    with connection.cursor() as cursor:
        cursor.execute(sql, [int(pk) for pk in case_ids])
        return cursor.fetchall()


def ledger_export_rows(
    queryset: QuerySet[Case], columns: Sequence[str], chunk_size: int
) -> Iterator[tuple[Any, ...]]:
    """Tuples of the given columns (a subset of LEDGER_COLUMNS, any order), in the queryset's
    order, with its filters and scope; three queries per chunk of `chunk_size` rows.

    A generator: the labels are read in the language active when the first row is asked for.
    """
    unknown = set(columns) - set(LEDGER_COLUMNS)
    if unknown:
        raise ValueError(f"not a ledger column: {sorted(unknown)}")
    channels = dict(Channel.objects.values_list("pk", "name"))
    departments = dict(Department.objects.values_list("pk", "name"))
    # A case's categories in Category's own order, as case.categories.all() gives them.
    category_rank = {
        pk: (rank, name)
        for rank, (pk, name) in enumerate(Category.objects.values_list("pk", "name"))
    }
    states = {state.value: str(state.label) for state in State}
    kinds = {value: str(label) for value, label in Case._meta.get_field("kind").flatchoices}
    kinds[""] = ""
    want_categories = "category_names" in columns
    want_petitioners = bool({"petitioner_names_masked", "petitioner_phones_masked"} & set(columns))
    through = Case.categories.through

    cases = (
        queryset.prefetch_related(None).values_list(*CASE_VALUES).iterator(chunk_size=chunk_size)
    )
    while chunk := list(islice(cases, chunk_size)):
        ids = [row[0] for row in chunk]
        category_names: dict[int, str] = {}
        if want_categories:
            ranked: dict[int, list[tuple[int, str]]] = defaultdict(list)
            for case_id, category_id in _rows_of_cases(
                through._meta.db_table, ["case_id", "category_id"], ids
            ):
                ranked[case_id].append(category_rank[category_id])
            category_names = {
                case_id: "、".join(name for _rank, name in sorted(found))
                for case_id, found in ranked.items()
            }
        names: dict[int, list[str]] = defaultdict(list)
        phones: dict[int, list[str]] = defaultdict(list)
        if want_petitioners:
            for case_id, name, phone in _rows_of_cases(
                Petitioner._meta.db_table, ["case_id", "name", "phone"], ids, order_by="id"
            ):
                names[case_id].append(mask_name(name))
                if phone:
                    phones[case_id].append(mask_phone(phone))
        if tuple(columns) == LEDGER_COLUMNS:  # the ledger's own export: no reordering
            for (
                pk,
                number,
                received_at,
                channel_id,
                kind,
                department_id,
                state,
                next_due_on,
                place,
                source_ticket_number,
            ) in chunk:
                yield (
                    number,
                    received_at,
                    channels.get(channel_id),
                    kinds.get(kind, kind),
                    category_names.get(pk, ""),
                    departments.get(department_id),
                    states[state],
                    next_due_on,
                    "、".join(names.get(pk, ())),
                    "、".join(phones.get(pk, ())),
                    place,
                    source_ticket_number,
                )
            continue
        for (
            pk,
            number,
            received_at,
            channel_id,
            kind,
            department_id,
            state,
            next_due_on,
            place,
            source_ticket_number,
        ) in chunk:
            row = {
                "number": number,
                "received_at": received_at,
                "channel": channels.get(channel_id),
                "kind_label": kinds.get(kind, kind),
                "category_names": category_names.get(pk, ""),
                "host_department": departments.get(department_id),
                "state_label": states[state],
                "next_due_on": next_due_on,
                "petitioner_names_masked": "、".join(names.get(pk, ())),
                "petitioner_phones_masked": "、".join(phones.get(pk, ())),
                "place": place,
                "source_ticket_number": source_ticket_number,
            }
            yield tuple(row[column] for column in columns)
