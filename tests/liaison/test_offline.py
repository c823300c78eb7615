"""The installable site: the service worker, the manifest and the offline page."""

import json
import re

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

pytestmark = pytest.mark.django_db


def worker_config(body: str) -> dict:
    return json.loads(re.search(r"const CONFIG = (\{.*?\n\});", body, re.S).group(1))


def test_the_worker_is_served_at_the_root_so_its_scope_is_the_whole_site(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert response["Cache-Control"] == "no-cache"  # a phone checks for a new one every time
    body = response.content.decode()
    imported = json.loads(re.search(r"importScripts\(\.\.\.(\[.*?\])\)", body).group(1))
    assert [url.rsplit("/", 1)[1] for url in imported] == [
        "workbox-core.prod.js",
        "workbox-routing.prod.js",
        "workbox-strategies.prod.js",
        "workbox-precaching.prod.js",
    ]
    for url in imported:
        assert url.startswith("/static/vendor/workbox/")
        assert finders.find(url.removeprefix("/static/"))
    # Never Workbox's CDN, nor any other address.
    assert "googleapis" not in body and "http" not in body.replace("HX-Request", "")


def test_the_worker_precaches_the_shell_and_keeps_the_members_daily_pages(client):
    config = worker_config(client.get("/sw.js").content.decode())
    urls = [entry["url"] for entry in config["precache"]]
    for asset in ("bootstrap.min.css", "app.css", "offline.js", "idb.umd.js", "visit-form.js"):
        assert any(url.endswith(asset) for url in urls), asset
    assert reverse("offline") in urls
    # Unhashed (DEBUG-style) URLs carry a revision from their content, so a change shows.
    assert all(entry["revision"] for entry in config["precache"])
    assert config["pages"] == [
        "/",
        reverse("casebook:due"),
        reverse("casebook:visit-new"),
        reverse("casebook:notebook"),
        reverse("casebook:inbox"),
    ]


def test_a_changed_asset_changes_the_worker(client, settings, tmp_path):
    before = client.get("/sw.js").content
    (tmp_path / "css").mkdir()
    (tmp_path / "css" / "app.css").write_text("body { color: red; }")
    settings.STATICFILES_DIRS = [tmp_path, *settings.STATICFILES_DIRS]
    finders.get_finder.cache_clear()
    try:
        after = client.get("/sw.js").content
    finally:
        finders.get_finder.cache_clear()
    assert before != after


def test_the_manifest_installs_the_site_under_its_chinese_name(client):
    response = client.get(reverse("manifest"), HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert response["Content-Type"].startswith("application/manifest+json")
    manifest = json.loads(response.content)
    assert manifest["short_name"] == "四邻联动"
    assert manifest["name"] == "四邻联动 · 东山乡"
    assert manifest["start_url"] == "/" and manifest["display"] == "standalone"
    sizes = {icon["sizes"] for icon in manifest["icons"]}
    assert {"192x192", "512x512"} <= sizes
    for icon in manifest["icons"]:
        assert finders.find(icon["src"].removeprefix("/static/"))


def test_every_page_links_the_manifest(client, world):
    client.force_login(world.member_user)
    html = client.get(reverse("casebook:due")).content.decode()
    assert f'<link rel="manifest" href="{reverse("manifest")}">' in html


def test_the_offline_page_names_nobody_even_when_fetched_logged_in(client, world):
    client.force_login(world.member_user)
    html = client.get(reverse("offline")).content.decode()
    assert "没有信号" in html
    assert world.member_user.username not in html
    assert 'data-user=""' in html
    assert "bottom-bar" not in html


def test_the_policy_lets_our_own_worker_and_manifest_in(client):
    policy = client.get(reverse("login"))["Content-Security-Policy"]
    assert "worker-src 'self'" in policy and "manifest-src 'self'" in policy


def test_pages_tell_the_script_who_is_logged_in(client, world):
    client.force_login(world.member_user)
    html = client.get(reverse("home")).content.decode()
    assert f'data-user="{world.member_user.pk}"' in html
    assert f'data-sync-url="{reverse("casebook:visit-sync")}"' in html
    client.logout()
    assert 'data-user=""' in client.get(reverse("login")).content.decode()
