"""Delivery receipts: the providers' callbacks say whether a phone received a message.

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
ANSWERS = {
    "aliyun": ({"code": 0, "msg": "成功"}, {"code": 1, "msg": "refused"}),
    "tencent": ({"result": 0, "errmsg": "OK"}, {"result": 1, "errmsg": "refused"}),
}


@csrf_exempt
@require_POST
def receipt(request: HttpRequest, provider: str, secret: str) -> HttpResponse:
    expected = settings.SMS_RECEIPT_SECRET
    if (
        provider not in READERS
        or not expected
        or not hmac.compare_digest(secret.encode(), expected.encode())
    ):
        return HttpResponse(status=403)
    ok, refused = ANSWERS[provider]
    if len(request.body) > MAX_BODY:
        return JsonResponse(refused, status=400)
    try:
        items = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        return JsonResponse(refused, status=400)
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        return JsonResponse(refused, status=400)
    for item in items:
        provider_id, delivered, error, at = READERS[provider](item)
        services.receipt_record(
            provider=provider, provider_id=provider_id, delivered=delivered, error=error, at=at
        )
    return JsonResponse(ok)
