"""The providers' callbacks: delivery receipts (did a phone receive a message) and replies
(a villager's 退订).

Neither Alibaba Cloud's HTTP batch push (SmsReport) nor Tencent Cloud's status callback
signs its request, so the callback URL carries a shared secret (SMS_RECEIPT_SECRET), compared
in constant time; anything else (no secret configured, a wrong one, a body that is not the
provider's JSON list) is refused without touching a row.
"""

import datetime
import hmac
import json

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from notify import services

MAX_BODY = 512 * 1024


def _when(raw) -> datetime.datetime | None:
    try:
        moment = datetime.datetime.strptime(str(raw), "%Y-%m-%d %H:%M:%S")
    except ValueError:
        return None
    return timezone.make_aware(moment)


def _aliyun(item: dict) -> tuple[str, bool, str, object]:
    return (
        str(item.get("biz_id") or ""),
        item.get("success") in (True, "true"),
        str(item.get("err_code") or ""),
        _when(item.get("report_time")),
    )


def _tencent(item: dict) -> tuple[str, bool, str, object]:
    return (
        str(item.get("sid") or ""),
        item.get("report_status") == "SUCCESS",
        str(item.get("errmsg") or ""),
        _when(item.get("user_receive_time")),
    )


READERS = {"aliyun": _aliyun, "tencent": _tencent}


def _aliyun_reply(item: dict) -> tuple[str, str]:
    return str(item.get("phone_number") or ""), str(item.get("content") or "")


def _tencent_reply(item: dict) -> tuple[str, str]:
    return str(item.get("mobile") or ""), str(item.get("text") or "")


REPLY_READERS = {"aliyun": _aliyun_reply, "tencent": _tencent_reply}
ANSWERS = {
    "aliyun": ({"code": 0, "msg": "成功"}, {"code": 1, "msg": "refused"}),
    "tencent": ({"result": 0, "errmsg": "OK"}, {"result": 1, "errmsg": "refused"}),
}


def _items(request: HttpRequest, provider: str, secret: str):
    """The callback's JSON list, or the response refusing it (wrong secret, other shape)."""
    expected = settings.SMS_RECEIPT_SECRET
    if (
        provider not in READERS
        or not expected
        or not hmac.compare_digest(secret.encode(), expected.encode())
    ):
        return None, HttpResponse(status=403)
    refused = ANSWERS[provider][1]
    if len(request.body) > MAX_BODY:
        return None, JsonResponse(refused, status=400)
    try:
        items = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        return None, JsonResponse(refused, status=400)
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        return None, JsonResponse(refused, status=400)
    return items, None


@csrf_exempt
@require_POST
def receipt(request: HttpRequest, provider: str, secret: str) -> HttpResponse:
    items, refusal = _items(request, provider, secret)
    if refusal is not None:
        return refusal
    for item in items:
        provider_id, delivered, error, at = READERS[provider](item)
        services.receipt_record(
            provider=provider, provider_id=provider_id, delivered=delivered, error=error, at=at
        )
    return JsonResponse(ANSWERS[provider][0])


@csrf_exempt
@require_POST
def reply(request: HttpRequest, provider: str, secret: str) -> HttpResponse:
    """Replies to our texts (Alibaba's SmsUp push, Tencent's 上行短信 callback): 退订 (TD, T,
    N, R…) stops every text to that number at once; any other reply is not read (staff
    are reached by phone, not by text)."""
    items, refusal = _items(request, provider, secret)
    if refusal is not None:
        return refusal
    for item in items:
        phone, text = REPLY_READERS[provider](item)
        if services.is_opt_out_reply(text):
            services.phone_opt_out(phone=services.mobile_digits(phone), provider=provider)
    return JsonResponse(ANSWERS[provider][0])
