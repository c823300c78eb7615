"""The import's confirmation is one transaction: a database failing mid-write leaves
nothing imported, the upload unapplied and nothing in the access log."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError, connection
from django.urls import reverse
from openpyxl import Workbook

from households.importing import HOUSEHOLDS
from households.models import Household, RosterUpload
from infra.models import AccessLog

pytestmark = pytest.mark.django_db


def _roster(count: int) -> SimpleUploadedFile:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(HOUSEHOLDS.headers[:4])
    for i in range(count):
        sheet.append(["白牙合村", "七社", f"07-{i:04d}", "王五"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile("roster.xlsx", buffer.getvalue())


class FailOnNth:
    """A database that fails on the nth statement matching `marker` (after n-1 succeed)."""

    def __init__(self, marker: str, n: int):
        self.marker, self.n, self.seen = marker, n, 0

    def __call__(self, execute, sql, params, many, context):
        if self.marker in sql:
            self.seen += 1
            if self.seen == self.n:
                raise OperationalError("injected: the disk is full")
        return execute(sql, params, many, context)


@pytest.mark.parametrize(
    "marker, n",
    [
        ('INSERT INTO "households_household"', 2),  # the second batch of new rows
        ('UPDATE "households_rosterupload"', 1),  # marking the upload applied
        ('INSERT INTO "base_accesslog"', 1),  # the very last write
    ],
)
def test_a_failure_mid_confirmation_imports_nothing(client, world, marker, n):
    from tests.factories import OWN_GROUP_NUMBER, VillageGroupFactory

    client.force_login(world.staff)
    VillageGroupFactory(village=world.village_a, number=OWN_GROUP_NUMBER, name="七社")
    response = client.post(reverse("households:import"), {"file": _roster(1200)})
    url = response.url
    before = Household.objects.count()
    fault = FailOnNth(marker, n)
    with connection.execute_wrapper(fault):
        response = client.post(url)
    # The database's error answers the "try again shortly" page (base/outage.py).
    assert response.status_code == 503 and "请稍等片刻后重试" in response.content.decode()
    assert fault.seen == n  # the failure did happen where it was meant to
    assert Household.objects.count() == before
    assert RosterUpload.objects.get().applied_at is None
    assert not AccessLog.objects.filter(action="import").exists()
    # And once the database is back, the same confirmation imports everything.
    assert client.post(url).status_code == 302
    assert Household.objects.count() == before + 1200
