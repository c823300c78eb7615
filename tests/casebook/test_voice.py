"""The villager's voice: a matter raised or added to by voice, checked by its bytes, heard only
by the household and by those who may see the request; "not solved" says why."""

import struct
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from base import audio
from casebook import services
from casebook.models import Request, RequestEvent, VoiceNote
from tests.conftest import voice_note
from tests.factories import RequestFactory

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "fixtures"
WEBM = (FIXTURES / "voice-3s.webm").read_bytes()  # Chromium, fake microphone, 3 s
MP4 = (FIXTURES / "voice-2s.mp4").read_bytes()  # Chromium's fragmented MP4, 2 s


# --- recordings made for the tests: the containers' own structures -------------------------


def _ebml(element: bytes, payload: bytes) -> bytes:
    return element + b"\x01" + len(payload).to_bytes(7, "big") + payload


def webm(*, seconds: int, track_type: int = 2, codec: bytes = b"A_OPUS") -> bytes:
    """A WebM whose last block starts `seconds` in (as a live recorder writes it)."""
    header = _ebml(b"\x1a\x45\xdf\xa3", _ebml(b"\x42\x82", b"webm"))
    track = _ebml(b"\xae", _ebml(b"\x83", bytes([track_type])) + _ebml(b"\x86", codec))
    block = _ebml(b"\xa3", b"\x81\x00\x00\x80" + b"\x00" * 20)
    clusters = b"".join(
        _ebml(b"\x1f\x43\xb6\x75", _ebml(b"\xe7", (ms).to_bytes(4, "big")) + block)
        for ms in (0, seconds * 1000)
    )
    segment = b"\x18\x53\x80\x67\x01\xff\xff\xff\xff\xff\xff\xff"  # unknown size, as recorded
    return header + segment + _ebml(b"\x16\x54\xae\x6b", track) + clusters


def _box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I4s", 8 + len(payload), kind) + payload


def mp4(*, seconds: int, handler: bytes = b"soun") -> bytes:
    """An iPhone-shaped M4A: ftyp, then moov with the movie's duration and one track."""
    mvhd = b"\x00" * 12 + struct.pack(">II", 1000, seconds * 1000) + b"\x00" * 80
    hdlr = b"\x00" * 8 + handler + b"\x00" * 13
    trak = _box(b"trak", _box(b"mdia", _box(b"hdlr", hdlr)))
    return _box(b"ftyp", b"M4A \x00\x00\x00\x00M4A isom") + _box(
        b"moov", _box(b"mvhd", mvhd) + trak
    )


# --- the bytes decide ----------------------------------------------------------------------


def test_real_recordings_are_recognised_with_their_length():
    found = audio.sniff(WEBM)
    assert found.content_type == "audio/webm" and 2.5 < found.seconds < 3.5
    found = audio.sniff(MP4)
    assert found.content_type == "audio/mp4" and 1.5 < found.seconds < 2.5


@pytest.mark.parametrize(
    "data, message",
    [
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "这不是录音文件"),
        (b"<html>not audio</html>", "这不是录音文件"),
        (webm(seconds=5, track_type=1, codec=b"V_VP8"), "这不是录音文件"),  # a video
        (mp4(seconds=5, handler=b"vide"), "这不是录音文件"),
        (webm(seconds=75), "超过 60 秒"),
        (mp4(seconds=90), "超过 60 秒"),
        (WEBM + b"\x00" * (2 * 1024 * 1024), "太大"),
        (b"", "录音是空的"),
    ],
)
def test_voice_check_refuses_what_is_not_a_short_recording(data, message):
    with pytest.raises(services.CasebookError, match=message):
        services.voice_check(data)


def test_a_recording_within_the_minute_passes():
    assert services.voice_check(webm(seconds=59)).seconds == pytest.approx(59)
    assert services.voice_check(mp4(seconds=45)).content_type == "audio/mp4"


# --- the card page -------------------------------------------------------------------------


def _voice(data: bytes, name="voice.webm", content_type="audio/webm"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def test_a_matter_raised_by_voice_alone(client, world, rate_window):
    url = reverse("card", args=[world.household_a.card_token])
    # The name and the type the browser gives are ignored: the bytes are WebM.
    response = client.post(url, {"voice": _voice(WEBM, "x.txt", "text/plain")})
    assert response.status_code == 302
    request = Request.objects.get()
    assert request.category.code == "other" and request.description == "（语音留言，3 秒）"
    note = VoiceNote.objects.get()
    assert (note.content_type, note.seconds, bytes(note.data)) == ("audio/webm", 3, WEBM)
    assert note.event.kind == "created" and note.event.request == request

    page = client.get(url).content.decode()
    assert reverse("card-voice", args=[world.household_a.card_token, note.pk]) in page


@pytest.mark.parametrize(
    "data, message",
    [(b"GIF89a" + b"\x00" * 50, "这不是录音文件"), (webm(seconds=70), "超过 60 秒")],
)
def test_a_bad_recording_changes_nothing_and_says_why(client, world, rate_window, data, message):
    url = reverse("card", args=[world.household_a.card_token])
    response = client.post(url, {"voice": _voice(data), "description": "路灯坏了"}, follow=True)
    assert message in response.content.decode()
    assert not Request.objects.exists() and not VoiceNote.objects.exists()


def test_typed_matter_still_needs_words_and_a_category(client, world, rate_window):
    url = reverse("card", args=[world.household_a.card_token])
    response = client.post(url, {"description": ""})
    html = response.content.decode()
    assert "请写下要反映的事，或按住按钮说出来" in html and "请选择事情的类别" in html
    assert not Request.objects.exists()


def test_the_household_hears_its_own_voice_and_no_other(client, world):
    note = voice_note(world.household_a)
    other = voice_note(world.household_a2)
    token = world.household_a.card_token
    response = client.get(reverse("card-voice", args=[token, note.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "audio/webm"
    assert response.content == WEBM and "private, no-store" in response["Cache-Control"]
    assert client.get(reverse("card-voice", args=[token, other.pk])).status_code == 404


def test_voice_answers_byte_ranges_as_an_iphone_asks(client, world):
    note = voice_note(world.household_a)
    url = reverse("card-voice", args=[world.household_a.card_token, note.pk])
    response = client.get(url, HTTP_RANGE="bytes=0-1")
    assert response.status_code == 206 and response.content == WEBM[:2]
    assert response["Content-Range"] == f"bytes 0-1/{len(WEBM)}"
    tail = client.get(url, HTTP_RANGE="bytes=-10")
    assert tail.status_code == 206 and tail.content == WEBM[-10:]
    assert client.get(url, HTTP_RANGE=f"bytes={len(WEBM) + 5}-").status_code == 416
    assert client.get(url, HTTP_RANGE="bytes=a-b").status_code == 200  # malformed: the whole


def test_staff_and_the_member_hear_it_on_the_request_page(
    client, world, django_assert_max_num_queries
):
    note = voice_note(world.household_a)
    for user in (world.member_user, world.secretary_a, world.staff):
        client.force_login(user)
        with django_assert_max_num_queries(16):
            html = client.get(
                reverse("casebook:request-detail", args=[note.request_id])
            ).content.decode()
        src = reverse("casebook:voice", args=[note.pk])
        assert html.count(f'src="{src}"') == 2  # under the matter and in the timeline
        played = client.get(src)
        assert played.status_code == 200 and played.content == WEBM
        assert played["Content-Type"] == "audio/webm"
    client.force_login(world.secretary_b)
    assert client.get(reverse("casebook:voice", args=[note.pk])).status_code == 404


# --- adding to a matter, and "not solved" ---------------------------------------------------


def test_household_adds_words_and_voice_to_an_open_matter(client, world, rate_window):
    request = RequestFactory(household=world.household_a, status="accepted")
    url = reverse("card-add", args=[world.household_a.card_token, request.pk])
    client.post(url, {"text": "晚上更黑了，老人不敢出门", "voice": _voice(WEBM)})
    event = RequestEvent.objects.get(request=request, kind="added")
    assert event.text == "晚上更黑了，老人不敢出门" and event.voice.seconds == 3
    assert event.actor is None and event.actor_label == "农户（连心卡页面）"
    request.refresh_from_db()
    assert request.status == "accepted"  # the owner keeps it as it was, with a new line


def test_adding_nothing_or_to_an_answered_matter_is_refused(client, world, rate_window):
    replied = RequestFactory(household=world.household_a, status="replied", reply="已修好")
    token = world.household_a.card_token
    response = client.post(reverse("card-add", args=[token, replied.pk]), {"text": "补充"})
    assert response.status_code == 302
    assert "这件事已经答复" in client.get(reverse("card", args=[token])).content.decode()
    open_one = RequestFactory(household=world.household_a, status="new")
    client.post(reverse("card-add", args=[token, open_one.pk]), {"text": "  "})
    assert not RequestEvent.objects.filter(kind="added").exists()


@override_settings(CARD_SUBMIT_PER_TOKEN_PER_HOUR=2)
def test_adding_is_rate_limited_like_raising(client, world, rate_window):
    request = RequestFactory(household=world.household_a, status="new")
    token = world.household_a.card_token
    client.post(
        reverse("card", args=[token]), {"category": request.category_id, "description": "一"}
    )
    client.post(reverse("card-add", args=[token, request.pk]), {"text": "二"})
    response = client.post(reverse("card-add", args=[token, request.pk]), {"text": "三"})
    assert response.status_code == 429
    assert RequestEvent.objects.filter(kind="added").count() == 1


def test_not_solved_says_why_and_returns_to_the_owners_inbox(client, world, rate_window):
    request = RequestFactory(
        household=world.household_a, status="replied", reply="已修好", owner=world.member_user
    )
    client.post(
        reverse("card-confirm", args=[world.household_a.card_token, request.pk]),
        {"solved": "no", "text": "路灯还是不亮"},
    )
    request.refresh_from_db()
    assert (request.status, request.satisfaction) == ("in_progress", "unsatisfied")
    event = request.events.get(kind="reopened")
    # The rating leads the line, the household's reason follows it.
    assert event.text == "农户评价：不满意，请回访跟进。 路灯还是不亮"
    assert event.actor_label == "农户（连心卡页面）"
    client.force_login(world.member_user)
    inbox = client.get(reverse("casebook:inbox"), {"mine": "on"}).content.decode()
    assert "data-reopened" in inbox and "未解决，已重新办理" in inbox


def test_card_page_offers_not_solved_with_a_reason_and_add_for_open_matters(client, world):
    RequestFactory(household=world.household_a, status="replied", reply="已修好")
    RequestFactory(household=world.household_a, status="in_progress")
    html = client.get(reverse("card", args=[world.household_a.card_token])).content.decode()
    assert "不满意请说说哪里还没解决" in html and 'name="text"' in html
    assert html.count("补充这件事") == 1
    assert 'enctype="multipart/form-data"' in html and "按住说话" in html
