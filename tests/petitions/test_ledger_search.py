"""The ledger's search box (台账检索, A13.1): numbers by prefix, Chinese words by character pairs.

Run on SQLite (FTS5) and on PostgreSQL (tsvector + GIN) alike: the same tests, the same results.
"""

import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from factories import (
    DepartmentFactory,
    detachment_user,
    make_case,
    person,
    superior_channel,
)

from petitions.admin import pagination
from petitions.cases import search
from petitions.models import Case, Petitioner
from rules.roles import Role

pytestmark = pytest.mark.django_db


def _numbers_found(client, query: str) -> set[str]:
    response = client.get("/admin/cases/", {"q": query})
    assert response.status_code == 200
    page = response.content.decode()
    # The rows' links, not the numbers: the search box repeats the query on the page.
    return {
        number
        for pk, number in Case.objects.values_list("pk", "number")
        if f"/admin/cases/inspect/{pk}/" in page
    }


def test_a13_1_tokens_are_character_pairs_and_ascii_words():
    assert search.tokens("厂区排放异味，COD超标 ２０２６年") == [
        "厂区",
        "区排",
        "排放",
        "放异",
        "异味",
        "味",
        "cod",
        "超标",
        "标",
        "2026",
        "年",
    ]
    assert search.query_phrases("异味") == [(["异味"], False)]
    assert search.query_phrases("排放异味") == [(["排放", "放异", "异味"], False)]
    assert search.query_phrases("味") == [(["味"], True)]
    assert search.query_phrases("COD超 异味") == [(["cod", "超"], True), (["异味"], False)]
    assert search.query_phrases("，。") == []


def test_a13_1_search_finds_a_case_by_its_number_exact_or_prefix(client):
    client.force_login(detachment_user())
    cases = [make_case() for _ in range(3)]
    first = cases[0].number
    assert _numbers_found(client, first) == {first}
    assert _numbers_found(client, f"  {first.lower()} ") == {first}
    # JLPXF-2026-00000 is the beginning of every number filed here this year.
    prefix = first[:-1]
    assert _numbers_found(client, prefix) >= {c.number for c in cases if c.number[:-1] == prefix}
    assert _numbers_found(client, first + "9") == set()


def test_a13_1_search_finds_a_case_by_its_superior_ticket_number(client):
    client.force_login(detachment_user())
    ticket = make_case(channel=superior_channel(), source_ticket_number="12345-2026-0077")
    other = make_case()
    assert _numbers_found(client, "12345-2026-0077") == {ticket.number}
    assert _numbers_found(client, "12345-2026") == {ticket.number}
    assert other.number not in _numbers_found(client, "12345")


def test_a13_1_a_two_character_word_finds_the_case_that_says_it(client):
    client.force_login(detachment_user())
    smell = make_case(description="某化工厂夜间排放刺鼻异味，影响休息")
    noise = make_case(description="工地夜间施工噪声扰民", reported_party="某建筑公司")
    dust = make_case(description="搅拌站粉尘", place="西彭镇工业园")
    assert _numbers_found(client, "异味") == {smell.number}
    assert _numbers_found(client, "噪声") == {noise.number}
    assert _numbers_found(client, "夜间") == {smell.number, noise.number}
    assert _numbers_found(client, "排放刺鼻异味") == {smell.number}
    assert _numbers_found(client, "夜间 噪声") == {noise.number}  # every word must be there
    assert _numbers_found(client, "建筑") == {noise.number}  # 被反映对象
    assert _numbers_found(client, "西彭") == {dust.number}  # 问题发生地点
    assert _numbers_found(client, "尘") == {dust.number}  # one character: the run's last
    assert _numbers_found(client, "粉") == {dust.number}  # one character: a pair's first
    assert _numbers_found(client, "异臭") == set()
    assert _numbers_found(client, "噪音") == set()


def test_a13_1_search_index_follows_a_corrected_text(client):
    client.force_login(detachment_user())
    case = make_case(description="河道有油污")
    assert _numbers_found(client, "油污") == {case.number}
    case.description = "河道漂浮垃圾"
    case.save()  # what the intake correction form does
    assert _numbers_found(client, "油污") == set()
    assert _numbers_found(client, "垃圾") == {case.number}
    # A step that saves other fields leaves the index as it is, and still right.
    case.next_due_label = "答复期限"
    case.save(update_fields=["next_due_label"])
    assert _numbers_found(client, "垃圾") == {case.number}


def test_a13_1_cases_created_in_bulk_are_found_once_indexed_as_a_batch(client):
    """bulk_create sends no signal: a batch path hands its cases to search.index_cases."""
    client.force_login(detachment_user())
    template = make_case()
    clones = []
    for i in range(3):
        clone = Case.objects.get(pk=template.pk)
        clone.pk = None
        clone.number = f"BULK-{i:06d}"
        clone.description = f"养殖场废水直排第{i}次"
        clones.append(clone)
    created = Case.objects.bulk_create(clones)
    assert _numbers_found(client, "废水") == set()
    with CaptureQueriesContext(connection) as ctx:
        search.index_cases(created)
    assert len(ctx.captured_queries) == 1  # one statement for the batch
    assert _numbers_found(client, "废水") == {c.number for c in created}
    assert search.reindex_all() == Case.objects.count()
    assert _numbers_found(client, "废水") == {c.number for c in created}


def test_a6_1_search_stays_within_what_the_handler_may_see(client):
    mine, theirs = DepartmentFactory(name="大气科"), DepartmentFactory(name="水科")
    handler = person("jingban", "李经办", Role.HANDLER)
    mine.staff.add(handler)
    seen = make_case(description="锅炉冒黑烟")
    unseen = make_case(description="锅炉冒黑烟")
    Case.objects.filter(pk=seen.pk).update(host_department=mine)
    Case.objects.filter(pk=unseen.pk).update(host_department=theirs)
    client.force_login(handler)
    assert _numbers_found(client, "黑烟") == {seen.number}
    assert _numbers_found(client, unseen.number) == set()


def test_a6_1_a_handler_finds_a_case_once_it_moves_into_their_department(client):
    """The index keeps each case's department (PostgreSQL): a move by save or UPDATE follows."""
    water, air = DepartmentFactory(name="水科"), DepartmentFactory(name="大气科")
    water_handler = person("shui", "王经办", Role.HANDLER)
    air_handler = person("qi", "李经办", Role.HANDLER)
    water.staff.add(water_handler)
    air.staff.add(air_handler)
    case = make_case(description="夜间偷排异味废气")
    case.host_department = water
    case.save(update_fields=["host_department"])  # what dispatch saves
    client.force_login(water_handler)
    assert _numbers_found(client, "异味") == {case.number}
    client.force_login(air_handler)
    assert _numbers_found(client, "异味") == set()

    case.host_department = air
    case.save(update_fields=["host_department"])  # naming another lead department
    assert _numbers_found(client, "异味") == {case.number}
    client.force_login(water_handler)
    assert _numbers_found(client, "异味") == set()

    Case.objects.filter(pk=case.pk).update(host_department=water)  # an UPDATE of several
    assert _numbers_found(client, "异味") == {case.number}
    assert _numbers_found(client, "偷排") == {case.number}
    search.reindex_all()
    assert _numbers_found(client, "异味") == {case.number}
    client.force_login(air_handler)
    assert _numbers_found(client, "异味") == set()


def test_a6_1_a_handler_also_finds_the_cases_they_see_outside_their_department(client):
    """Co-handled cases are in a handler's scope: their words are found there too."""
    mine, theirs = DepartmentFactory(name="大气科"), DepartmentFactory(name="水科")
    handler = person("jingban", "李经办", Role.HANDLER)
    mine.staff.add(handler)
    hosted = make_case(description="锅炉冒黑烟")
    co_handled = make_case(description="锅炉冒黑烟")
    Case.objects.filter(pk=hosted.pk).update(host_department=mine)
    Case.objects.filter(pk=co_handled.pk).update(host_department=theirs)
    co_handled.co_departments.add(mine)
    client.force_login(handler)
    assert _numbers_found(client, "黑烟") == {hosted.number, co_handled.number}


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_a13_1_a_handlers_word_is_looked_up_in_their_departments_part_of_the_index(client):
    """PostgreSQL: the words' index by (department, words) for a department's handler only."""
    department = DepartmentFactory(name="大气科")
    handler = person("jingban", "李经办", Role.HANDLER)
    department.staff.add(handler)
    case = make_case(description="厂区排放异味")
    Case.objects.filter(pk=case.pk).update(host_department=department)
    for user, narrowed in ((handler, True), (detachment_user(), False)):
        client.force_login(user)
        client.get("/admin/cases/", {"q": "异味"})
        with CaptureQueriesContext(connection) as ctx:
            assert _numbers_found(client, "异味") == {case.number}
        words = [q["sql"] for q in ctx.captured_queries if "@@" in q["sql"]]
        assert words
        assert all(("::bigint" in sql) == narrowed for sql in words), (narrowed, words)


def _clone(template: Case, count: int, department=None) -> None:
    start = Case.objects.count() + 1
    clones = []
    for i in range(count):
        clone = Case.objects.get(pk=template.pk)
        clone.pk = None
        clone.number = f"CLONE-{start + i:06d}"
        clone.host_department = department
        clones.append(clone)
    created = Case.objects.bulk_create(clones)
    Petitioner.objects.bulk_create([Petitioner(case=c, name="李四") for c in created])
    search.index_cases(created)


def _queries(client, url: str) -> int:
    # Warm first: the bureau's rules and the calendar are cached for 60 s per process.
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    "url",
    [
        "/admin/cases/",
        "/admin/cases/?p=2",
        "/admin/cases/?state=received",
        "/admin/cases/?due=overdue",
        "/admin/cases/?q=异味",
        "/admin/cases/?q=JLPXF-20",
    ],
)
def test_a13_1_a_handlers_ledger_runs_the_same_queries_at_10_and_200_cases(client, url):
    department = DepartmentFactory(name="大气科")
    handler = person("jingban", "李经办", Role.HANDLER)
    department.staff.add(handler)
    client.force_login(handler)
    template = make_case()
    _clone(template, 60, department)
    client.get(url)  # warm per-process caches
    at_60 = _queries(client, url)
    _clone(template, 140, department)
    assert _queries(client, url) == at_60


def test_a13_1_reindex_cases_rebuilds_a_lost_index(client):
    client.force_login(detachment_user())
    case = make_case(description="屠宰场污水横流")
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {search.TABLE}")
    assert _numbers_found(client, "污水") == set()
    out = io.StringIO()
    call_command("reindex_cases", stdout=out)
    assert "已重建 1 件案件的检索索引" in out.getvalue()
    assert _numbers_found(client, "污水") == {case.number}


def test_a13_1_a_common_word_counts_up_to_the_cap_and_narrowing_finds_every_match(
    client, monkeypatch
):
    """Past the cap the page says "N 多条" and lists the first N; narrowing reaches the rest."""
    monkeypatch.setattr(pagination, "SEARCH_COUNT_CAP", 4)
    client.force_login(detachment_user())
    west = [make_case(description="化工厂排放异味", place=f"西彭镇{i}号") for i in range(4)]
    east = [make_case(description="餐馆油烟异味", place=f"陶家镇{i}号") for i in range(3)]
    make_case(description="工地噪声扰民", place="白市驿1号")

    response = client.get("/admin/cases/", {"q": "异味"})
    page = response.content.decode()
    assert "共有 4 多条符合，只列出前 4 条" in page
    assert "4 多条" in page
    assert len(_numbers_found(client, "异味")) == 4
    # The newest first, as the ledger always lists them.
    assert _numbers_found(client, "异味") == {c.number for c in east + west[-1:]}

    # Narrowed by a word or a filter, the count is exact again and reaches every match.
    page = client.get("/admin/cases/", {"q": "异味 西彭"}).content.decode()
    assert "多条" not in page
    assert "共有 4 个符合" in page
    assert _numbers_found(client, "异味 西彭") == {c.number for c in west}
    assert _numbers_found(client, "异味 陶家") == {c.number for c in east}

    # At the cap exactly, the count is exact.
    page = client.get("/admin/cases/", {"q": "化工厂"}).content.decode()
    assert "多条" not in page
    assert "共有 4 个符合" in page
    # The ledger without a search counts every case.
    page = client.get("/admin/cases/").content.decode()
    assert "多条" not in page
    assert "8 信访案件" in page


def test_a13_1_a_search_runs_the_same_queries_under_and_over_the_count_cap(client, monkeypatch):
    monkeypatch.setattr(pagination, "SEARCH_COUNT_CAP", 100)
    department = DepartmentFactory(name="大气科")
    handler = person("jingban", "李经办", Role.HANDLER)
    department.staff.add(handler)
    client.force_login(handler)
    template = make_case(description="夜间异味扰民")
    _clone(template, 60, department)
    url = "/admin/cases/?q=异味"
    under = _queries(client, url)
    assert "共有 60 个符合" in client.get(url).content.decode()
    _clone(template, 140, department)
    assert _queries(client, url) == under
    assert "共有 100 多条符合" in client.get(url).content.decode()
