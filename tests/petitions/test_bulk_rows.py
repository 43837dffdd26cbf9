"""Rows inserted as prepared values (petitions.cases.bulk_rows, issue 14) are the rows Django's
ORM writes for the same objects.

The batch filing (`file_cases`) inserts its cases, deadlines, petitioners, categories,
duplicate keys and audit entries as value tuples, not through `bulk_create`. Each row is
compared, column by column and as the database stores it (a raw SELECT, not read back through
the ORM's conversions), with the row the ORM or Wagtail's `log` writes for the same values; and
read back through the ORM, time-zone-aware times are the ones given.
"""

import datetime as dt
import uuid
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.utils import timezone
from factories import CategoryFactory, detachment_user, make_case, superior_channel
from wagtail.log_actions import LogContext, log
from wagtail.models import ModelLogEntry

from petitions.cases import bulk_rows
from petitions.cases.bulk_rows import insert_instances, insert_new, insert_rows
from petitions.cases.deadlines import build_deadline
from petitions.cases.duplicates import case_keys
from petitions.cases.filing import Filing, PetitionerData, file_cases
from petitions.cases.search import TABLE as SEARCH_TABLE
from petitions.models import Alert, Case, Deadline, DuplicateKey, Petitioner
from rules.deadlines import RuleKey

pytestmark = pytest.mark.django_db

CHONGQING = ZoneInfo("Asia/Chongqing")


def _stored(model, pk, *, skip=()) -> dict:
    """The row as the database holds it, each column as its literal text (SQLite's quote(),
    PostgreSQL's ::text: no driver's conversion in between), without its id and `skip`."""
    quote = connection.ops.quote_name
    table = model._meta.db_table
    with connection.cursor() as cursor:
        names = [
            column.name
            for column in connection.introspection.get_table_description(cursor, table)
            if column.name not in ("id", *skip)
        ]
        shown = "quote({})" if connection.vendor == "sqlite" else "{}::text"
        columns = ", ".join(shown.format(quote(name)) for name in names)
        cursor.execute(f"SELECT {columns} FROM {quote(table)} WHERE id = %s", [pk])
        row = cursor.fetchone()
    assert row is not None
    return dict(zip(names, row, strict=True))


def _search_document(case_id: int) -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"SELECT document::text FROM {SEARCH_TABLE} WHERE case_id = %s",
                [case_id],
            )
        else:
            cursor.execute(f"SELECT body FROM {SEARCH_TABLE} WHERE rowid = %s", [case_id])
        return cursor.fetchone()[0]


def _case(channel, number: str) -> Case:
    return Case(
        number=number,
        year=2026,
        channel=channel,
        kind="superior",
        received_at=dt.datetime(2026, 1, 5, 23, 30, 15, 123456, tzinfo=CHONGQING),
        visitor_count=3,
        place="九龙坡区杨家坪正街8号",
        latitude=Decimal("29.512345"),
        longitude=Decimal("106.5"),
        reported_party="某搅拌站",
        description="搅拌站夜间施工噪声扰民",
        source_ticket_number="GD-1",
        source_deadline=dt.date(2026, 1, 20),
        important_joint=True,
        decision={"outcome": "受理", "on": "2026-01-06", "items": [1, 2]},
        next_due_on=dt.date(2026, 1, 12),
        next_due_label="受理告知期限",
        created_at=dt.datetime(2026, 1, 5, 15, 30, tzinfo=dt.UTC),
        updated_at=dt.datetime(2026, 1, 5, 15, 30, tzinfo=dt.UTC),
    )


def test_inserted_rows_are_the_rows_the_orm_writes_for_the_same_objects():
    channel = superior_channel()
    user = detachment_user()
    category = CategoryFactory(code="noise", name="噪声")
    by_orm, by_rows = _case(channel, "ORM-1"), _case(channel, "ROWS-1")
    Case.objects.bulk_create([by_orm])
    insert_instances([by_rows], returning_ids=True)
    assert by_rows.pk and not by_rows._state.adding
    # auto_now(_add) is the ORM's own time; the rows keep the time given (file_cases gives its own).
    times = ("number", "created_at", "updated_at")
    assert _stored(Case, by_rows.pk, skip=times) == _stored(Case, by_orm.pk, skip=times)
    again = Case.objects.get(pk=by_rows.pk)
    assert again.received_at == by_rows.received_at  # 23:30 in Chongqing is 15:30 UTC
    assert (again.latitude, again.decision) == (Decimal("29.512345"), by_rows.decision)
    assert again.created_at == dt.datetime(2026, 1, 5, 15, 30, tzinfo=dt.UTC)

    def deadline(case: Case) -> Deadline:
        return Deadline(
            case=case,
            rule="acceptance_assigned",
            label="受理告知期限",
            start_on=dt.date(2026, 1, 5),
            length=5,
            unit="working_days",
            due_on=dt.date(2026, 1, 12),
            remind_on=dt.date(2026, 1, 9),
            provisional=True,
            calculation={"rule": "acceptance_assigned", "skipped": ["2026-01-10"], "days": 5},
            met_at=dt.datetime(2026, 1, 8, 10, tzinfo=CHONGQING),
            created_at=dt.datetime(2026, 1, 5, 15, 30, tzinfo=dt.UTC),
        )

    def petitioner(case: Case) -> Petitioner:
        return Petitioner(
            case=case, name="张三", phone="13812340000", id_number="500107199001011234"
        )

    rows_of = {"case_id", "created_at"}
    for make in (deadline, petitioner):
        orm = make(by_orm)
        type(orm).objects.bulk_create([orm])
        rows = make(by_rows)
        insert_instances([rows], returning_ids=True)
        assert _stored(type(orm), rows.pk, skip=rows_of) == _stored(type(orm), orm.pk, skip=rows_of)
    met_at = Deadline.objects.get(case=by_rows).met_at
    assert met_at == dt.datetime(2026, 1, 8, 10, tzinfo=CHONGQING)

    through = Case.categories.through
    by_orm.categories.add(category)
    insert_rows(through, ["case", "category"], [(by_rows.pk, category.pk)])
    assert list(by_rows.categories.all()) == list(by_orm.categories.all()) == [category]

    key_time = dt.datetime(2026, 1, 5, 23, 30, tzinfo=CHONGQING)
    DuplicateKey.objects.bulk_create(
        [DuplicateKey(case=by_orm, kind=1, key=2**40, received_at=key_time)]
    )
    insert_rows(
        DuplicateKey, ["case", "kind", "key", "received_at"], [(by_rows.pk, 1, 2**40, key_time)]
    )
    orm_key = DuplicateKey.objects.get(case=by_orm)
    rows_key = DuplicateKey.objects.get(case=by_rows)
    assert _stored(DuplicateKey, rows_key.pk, skip={"case_id"}) == _stored(
        DuplicateKey, orm_key.pk, skip={"case_id"}
    )
    assert rows_key.received_at == key_time

    # An audit entry's data goes through DjangoJSONEncoder (dates, decimals, UUIDs).
    data = {"number": "ROWS-1", "on": dt.date(2026, 1, 5), "amount": Decimal("1.50")}
    action_id = uuid.uuid4()
    stamp = dt.datetime(2026, 1, 5, 23, 30, 1, 5, tzinfo=CHONGQING)
    entry = ModelLogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(Case),
        object_id="1",
        label="案件",
        action="petitions.file",
        timestamp=stamp,
        data=data,
        user=user,
        uuid=action_id,
    )
    insert_rows(
        ModelLogEntry,
        [
            "content_type",
            "object_id",
            "label",
            "action",
            "timestamp",
            "data",
            "user",
            "uuid",
            "revision",
            "content_changed",
            "deleted",
        ],
        [
            (entry.content_type_id, "1", "案件", "petitions.file", stamp, data)
            + (user.pk, action_id, None, False, False)
        ],
    )
    rows_entry = ModelLogEntry.objects.exclude(pk=entry.pk).get(action="petitions.file")
    assert _stored(ModelLogEntry, rows_entry.pk) == _stored(ModelLogEntry, entry.pk)
    assert (rows_entry.timestamp, rows_entry.uuid) == (stamp, action_id)
    assert rows_entry.data == {"number": "ROWS-1", "on": "2026-01-05", "amount": "1.50"}


def test_a_filed_case_is_stored_as_the_orm_and_wagtail_store_it():
    """Every row `file_cases` writes for a case, against the ORM's (a twin case saved with
    `save()`, its deadline, petitioner) and Wagtail's `log` for the same values."""
    channel = superior_channel()
    user = detachment_user()
    air, noise = (
        CategoryFactory(code="air", name="大气"),
        CategoryFactory(code="noise", name="噪声"),
    )
    received = dt.datetime(2026, 1, 5, 23, 30, 15, 250000, tzinfo=CHONGQING)
    filing = Filing(
        channel=channel,
        place="九龙坡区杨家坪正街8号",
        description="搅拌站夜间施工噪声扰民，已持续多日。",
        received_at=received,
        kind="superior",
        categories=[noise, air, noise],
        petitioners=[
            PetitionerData(name="张三", phone="13812340000", id_number="500107199001011234"),
            PetitionerData(name="李四", is_representative=True),
        ],
        reported_party="某搅拌站",
        demands="要求查处",
        latitude=Decimal("29.512345"),
        longitude=Decimal("106.512345"),
        source_ticket_number="GD2026010500001",
        source_deadline=dt.date(2026, 1, 20),
        important={"important_joint": True},
    )
    with LogContext(user=user) as context:
        before = timezone.now()
        (case,) = file_cases([filing], user=user)
        after = timezone.now()

    # The case: every column as the ORM's save() stores the same values.
    filed = Case.objects.get(pk=case.pk)
    assert filed.received_at == received
    assert before <= filed.created_at == filed.updated_at <= after
    twin = Case.objects.get(pk=case.pk)
    twin.pk, twin.number = None, "TWIN-1"
    twin.save(force_insert=True)
    skip = {"number", "created_at", "updated_at"}
    assert _stored(Case, case.pk, skip=skip) == _stored(Case, twin.pk, skip=skip)
    # Its search row, as the save signal writes the twin's.
    assert _search_document(case.pk) == _search_document(twin.pk)

    # Its deadlines: those build_deadline gives in memory, saved by the ORM for the twin.
    expected = [
        build_deadline(twin, RuleKey.ACCEPTANCE_ASSIGNED, timezone.localtime(received).date()),
        build_deadline(twin, RuleKey.OBJECTION_ASSIGNED, timezone.localtime(received).date()),
    ]
    for made in expected:
        made.save(force_insert=True)
    deadlines = list(Deadline.objects.filter(case=case).order_by("id"))
    assert [d.rule for d in deadlines] == [
        RuleKey.ACCEPTANCE_ASSIGNED,
        RuleKey.OBJECTION_ASSIGNED,
        RuleKey.SOURCE_DEADLINE,
    ]
    for stored, made in zip(deadlines, expected, strict=False):
        skip = {"case_id", "created_at"}
        assert _stored(Deadline, stored.pk, skip=skip) == _stored(Deadline, made.pk, skip=skip)
        assert stored.calculation == made.calculation and stored.provisional == made.provisional
        assert before <= stored.created_at <= after
    source = deadlines[2]
    assert (source.due_on, source.calculation) == (
        dt.date(2026, 1, 20),
        {"rule": RuleKey.SOURCE_DEADLINE, "given_by_channel": True},
    )

    # Its petitioners (with their ids on the returned case) and categories (each once).
    assert [
        (p.pk, p.name, p.phone, p.id_number, p.is_representative) for p in case.petitioners.all()
    ] == list(
        Petitioner.objects.filter(case=case)
        .order_by("id")
        .values_list("pk", "name", "phone", "id_number", "is_representative")
    )
    petitioner = Petitioner.objects.filter(case=case).order_by("id").first()
    twin_petitioner = Petitioner.objects.create(
        case=twin, name="张三", phone="13812340000", id_number="500107199001011234"
    )
    assert _stored(Petitioner, petitioner.pk, skip={"case_id"}) == _stored(
        Petitioner, twin_petitioner.pk, skip={"case_id"}
    )
    assert sorted(filed.categories.values_list("code", flat=True)) == ["air", "noise"]

    # Its duplicate keys: the case's keys, each with its time of receipt.
    keys = DuplicateKey.objects.filter(case=case)
    assert sorted(keys.values_list("kind", "key")) == sorted(case_keys(case))
    assert set(keys.values_list("received_at", flat=True)) == {received}

    # Its audit entry: the row Wagtail's log writes for the same action, user, uuid and time.
    entry = ModelLogEntry.objects.get(object_id=str(case.pk), action="petitions.file")
    assert (entry.user, entry.uuid) == (user, context.uuid)
    assert entry.data == {"channel": channel.name, "number": case.number}
    assert before <= entry.timestamp <= after
    with LogContext(user=user) as same:
        same.uuid = context.uuid
        logged = log(
            case,
            "petitions.file",
            data={"channel": channel.name, "number": case.number},
            timestamp=entry.timestamp,
        )
    assert logged is not None
    assert _stored(ModelLogEntry, entry.pk) == _stored(ModelLogEntry, logged.pk)


def test_new_rows_take_the_defaults_and_a_repeat_is_absorbed_by_the_unique_key():
    """`insert_new` (the sweep's alerts, supervisions, audit entries): the fields not given are
    stored as a new instance has them, and with `ignore_conflicts` a row breaking a unique
    constraint is left out (ON CONFLICT DO NOTHING), the first one kept, as `bulk_create`."""
    user = detachment_user()
    case = make_case()
    now = dt.datetime(2026, 1, 5, 15, 30, tzinfo=dt.UTC)
    by_orm = Alert.objects.create(
        recipient=user, case=case, kind=Alert.Kind.REMINDER, key="orm", message="到期"
    )
    given = {"recipient": user.pk, "case": case.pk, "kind": Alert.Kind.REMINDER, "message": "到期"}
    insert_new(Alert, [given | {"key": "rows"}], now=now, ignore_conflicts=True)
    by_rows = Alert.objects.get(key="rows")
    skip = ("key", "created_at")
    assert _stored(Alert, by_rows.pk, skip=skip) == _stored(Alert, by_orm.pk, skip=skip)
    assert by_rows.created_at == now  # auto_now_add: the time given
    assert (by_rows.link, by_rows.read_at, by_rows.emailed_at) == ("", None, None)

    insert_new(
        Alert,
        [given | {"key": "rows", "message": "再次"}, given | {"key": "new"}],
        ignore_conflicts=True,
    )
    assert Alert.objects.get(key="rows").message == "到期"
    assert sorted(Alert.objects.values_list("key", flat=True)) == ["new", "orm", "rows"]
    with pytest.raises(ValueError, match="no field"):
        insert_new(Alert, [given | {"key": "x", "colour": "red"}])


@pytest.mark.parametrize("count", [1, bulk_rows._FEW_ROWS + 5])
def test_a_few_rows_and_many_are_stored_alike(count):
    """A few rows go as one INSERT … VALUES, many as arrays (PostgreSQL): the same rows."""
    channel = superior_channel()
    orm = _case(channel, "ORM-1")
    Case.objects.bulk_create([orm])
    cases = [_case(channel, f"ROWS-{i}") for i in range(count)]
    insert_instances(cases, returning_ids=True)
    assert [c.pk for c in cases] == sorted(c.pk for c in cases)  # ids in the order given
    times = ("number", "created_at", "updated_at")
    for case in cases:
        assert _stored(Case, case.pk, skip=times) == _stored(Case, orm.pk, skip=times)
    assert set(Case.objects.values_list("number", flat=True)) == {"ORM-1"} | {
        f"ROWS-{i}" for i in range(count)
    }
