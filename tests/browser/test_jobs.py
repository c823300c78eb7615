"""A large export on a phone (360 px): the job's page moves its progress bar as the worker
reports rows, without reloading, then shows the file's link, which downloads the file."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from households.models import RoleKind
from infra.models import Job
from tests.browser.conftest import log_in, screenshot
from tests.factories import (
    HouseholdFactory,
    RoleFactory,
    TownshipFactory,
    UserFactory,
    VillageFactory,
)
from tests.jobs import run_tasks

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-pass-phrase"


def test_the_progress_bar_moves_to_the_link_at_360_px(phone_page, live_server, settings):
    settings.EXPORT_TASK_THRESHOLD = 2
    township = TownshipFactory(name="东山乡")
    village = VillageFactory(township=township, name="白牙合村")
    for name in ("董文祥", "李成林", "王秀兰"):
        HouseholdFactory(village=village, head_name=name)
    staff = UserFactory(username="township-staff", password=PASSWORD)
    RoleFactory(user=staff, kind=RoleKind.TOWNSHIP, township=township, village=None)
    page = phone_page
    log_in(page, live_server, "township-staff", PASSWORD)

    page.goto(f"{live_server.url}/households/export.xlsx")
    job = Job.objects.get()
    assert page.url.endswith(f"/jobs/{job.pk}/")
    bar = page.locator("[data-job-bar]")
    text = page.locator("[data-job-text]")
    link = page.get_by_role("link", name="下载文件")
    expect(text).to_contain_text("排队中")
    expect(bar).to_have_js_property("value", 0)
    expect(link).to_be_hidden()
    page.evaluate("window.notReloaded = true")

    # A worker has written one row of three.
    Job.objects.filter(pk=job.pk).update(
        status=Job.Status.RUNNING, done=1, total=3, heartbeat_at=timezone.now()
    )
    expect(text).to_contain_text("已完成 1 / 3 行")
    expect(bar).to_have_js_property("value", 1)
    expect(bar).to_have_js_property("max", 3)
    screenshot(page, "job-progress-phone")

    # The worker runs it through.
    Job.objects.filter(pk=job.pk).update(status=Job.Status.QUEUED, done=0)
    assert run_tasks() == 1
    expect(link).to_be_visible()
    expect(text).to_contain_text("已就绪：3 行")
    expect(bar).to_have_js_property("value", 3)
    assert page.evaluate("window.notReloaded") is True
    assert page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth")
    screenshot(page, "job-ready-phone")
    with page.expect_download() as download:
        link.click()
    today = timezone.localdate()
    name = f"{today.year}年{today.month}月{today.day}日.xlsx"
    assert download.value.suggested_filename.endswith(f"-农户-{name}")
