"""Large exports: written as the rows stream in (memory does not grow with them), every row
read back, the rows read in a number of queries that does not grow with them either."""

import io
import tracemalloc
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from base.spreadsheets import xlsx_write
from households import exports, tasks
from infra import jobs
from infra.models import Job
from tests.factories import AssignmentFactory, HouseholdFactory, PartyMemberFactory
from tests.jobs import run_tasks

pytestmark = pytest.mark.django_db


def _rows(count: int):
    """A roster's rows made one at a time, each with text of its own (nothing shared)."""
    for i in range(count):
        yield [
            "白牙合村", "三社", f"03-{i:05d}", f"户主{i}", f"139{i:08d}", f"{i}号",
            f"互助土族自治县东山乡白牙合村三社幸福路{i}号", i % 9, "是", "否", "否", "否",
            Decimal("36.123456"), Decimal("101.987654"), "在册", f"党员{i % 50}", "2026-11-03",
        ]  # fmt: skip


def _peak_bytes_writing(tmp_path, count: int) -> int:
    tracemalloc.start()
    try:
        xlsx_write(tmp_path / f"{count}.xlsx", "农户", exports.EXPORT_HEADERS, _rows(count))
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_large_export_is_written_without_holding_its_rows(tmp_path):
    small, large = _peak_bytes_writing(tmp_path, 2_000), _peak_bytes_writing(tmp_path, 8_000)
    # Holding the rows would take four times the memory for four times the rows (~2 KB a
    # row here); streamed, the peak is the width sample and one batch of rows either way.
    assert large < small * 1.25 + 256 * 1024, (small, large)
    sheet = load_workbook(tmp_path / "8000.xlsx", read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 1 + 8_000
    assert rows[0] == tuple(exports.EXPORT_HEADERS)
    assert rows[-1][2:4] == ("03-07999", "户主7999")
    assert rows[-1][12] == pytest.approx(36.123456)


def test_the_export_job_reads_its_rows_in_queries_that_do_not_grow_with_them(
    client, world, settings, django_assert_max_num_queries
):
    """The worker's export of 40 linked households costs what one of 3 did."""
    settings.EXPORT_TASK_THRESHOLD = 1
    client.force_login(world.staff)
    member = PartyMemberFactory(village=world.village_a, name="郭有德", capacity=50)
    for i in range(40):
        household = HouseholdFactory(village=world.village_a, head_name=f"户主{i}")
        AssignmentFactory(household=household, member=member)

    def export_as_job() -> Job:
        job = Job.objects.create(kind=tasks.EXPORT_HOUSEHOLDS, user=world.staff)
        with django_assert_max_num_queries(12):
            jobs.run(job.pk, tasks._export_households)
        job.refresh_from_db()
        return job

    job = export_as_job()
    assert (job.status, job.total) == (Job.Status.DONE, 3 + 40)
    download = client.get(reverse("job-download", args=[job.pk]))
    rows = list(
        load_workbook(
            io.BytesIO(b"".join(download.streaming_content)), read_only=True
        ).active.iter_rows(values_only=True)
    )
    linked = {row[3]: row[15] for row in rows[1:]}
    assert linked["户主39"] == "郭有德" and linked["董文祥"] == world.member_a.name


def test_the_export_in_the_request_reads_its_rows_in_a_few_queries(
    client, world, django_assert_max_num_queries
):
    client.force_login(world.staff)
    for i in range(40):
        HouseholdFactory(village=world.village_b, head_name=f"户主{i}")
    with django_assert_max_num_queries(15):
        response = client.get(reverse("households:export"))
        content = b"".join(response.streaming_content)
    assert len(list(load_workbook(io.BytesIO(content)).active.iter_rows())) == 1 + 3 + 40
    run_tasks()  # nothing was queued: the file came at once
    assert not Job.objects.exists()
