"""Where a text message goes: chosen by SMS_BACKEND.

- `console` (the default): nothing leaves the machine; the message is logged with the
  number masked (the outbox row is the record).
- `memory`: kept in `MemoryBackend.sent` (tests, the soak's provider double).
- `aliyun`: Alibaba Cloud SMS (dysmsapi 2017-05-25) through its official SDK.
- `tencent`: Tencent Cloud SMS (2021-01-11) through its official SDK.

A backend raises `TemporaryFailure` when trying again later may help (network, provider
busy or down, flow control) and `PermanentFailure` when it cannot (a bad number, a
template or signature the provider refuses). SMS_ENDPOINT points an SDK at another host (a
private gateway, or the tests' double); only there may the scheme be http.
"""

import json
import logging
import math
import threading
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from notify.models import mask_phone

logger = logging.getLogger(__name__)


@dataclass
class SendResult:
    provider_id: str
    units: int = 1


class TemporaryFailure(Exception):
    """The provider may take the message later: try again with back-off."""


class PermanentFailure(Exception):
    """The provider will never take this message as it is: stop, tell staff."""


def units_for(text_length: int) -> int:
    """Billed messages for a text of this many characters (signature included): one up to
    70, then 67 a part (the carriers' rule both providers bill by)."""
    return 1 if text_length <= 70 else math.ceil(text_length / 67)


def split_endpoint(endpoint: str) -> tuple[str, str]:
    """(scheme, host[:port]) of SMS_ENDPOINT; a bare host means https."""
    if "://" not in endpoint:
        return "https", endpoint
    parts = urlsplit(endpoint)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ImproperlyConfigured(f"SMS_ENDPOINT must be http(s)://host[:port], got {endpoint!r}")
    return parts.scheme, parts.netloc


class Backend:
    name = ""
    # The longest value a template variable may take; longer values are trimmed.
    max_variable_chars = 35

    def send(
        self, *, phone: str, template_code: str, variables: list, sign_name: str, out_id: str
    ) -> SendResult:
        raise NotImplementedError


class ConsoleBackend(Backend):
    name = "console"

    def send(self, *, phone, template_code, variables, sign_name, out_id) -> SendResult:
        # The card code opens the household's card page: a log line never holds it.
        text = " ".join(
            f"{name}={'*****' if name == 'code' else value}" for name, value in variables
        )
        logger.warning("SMS (console, not sent) to %s [%s] %s", mask_phone(phone), out_id, text)
        print(f"短信(未发出，仅显示) {mask_phone(phone)} [{template_code}] {text}")
        return SendResult(provider_id=f"console-{out_id}"[:64])


class MemoryBackend(Backend):
    """Keeps what it is given. `fail` (a callable taking the call's number) lets a test or
    the soak make the provider refuse some calls."""

    name = "memory"
    sent: list[dict] = []
    calls = 0
    fail = None

    @classmethod
    def reset(cls) -> None:
        cls.sent = []
        cls.calls = 0
        cls.fail = None

    def send(self, *, phone, template_code, variables, sign_name, out_id) -> SendResult:
        cls = type(self)
        cls.calls += 1
        if cls.fail is not None and cls.fail(cls.calls):
            raise TemporaryFailure("memory backend: provider unavailable")
        cls.sent.append(
            {
                "phone": phone,
                "template_code": template_code,
                "variables": [list(pair) for pair in variables],
                "sign_name": sign_name,
                "out_id": out_id,
            }
        )
        return SendResult(provider_id=f"mem-{len(cls.sent)}")


# Alibaba Cloud SendSms codes worth trying again (flow control, the platform busy); any
# other code other than OK will not change by waiting.
ALIYUN_TEMPORARY = {
    "isp.SYSTEM_ERROR",
    "isp.RAM_PERMISSION_DENY",
    "isv.BUSINESS_LIMIT_CONTROL",
    "isv.OUT_OF_SERVICE",
    "isv.AMOUNT_NOT_ENOUGH",
    "Throttling.User",
    "Throttling",
    "SignatureNonceUsed",
}


class AliyunBackend(Backend):
    name = "aliyun"
    max_variable_chars = 35  # a notification template's variable: 1 to 35 characters

    def __init__(self):
        from alibabacloud_dysmsapi20170525.client import Client
        from alibabacloud_tea_openapi.utils_models import Config

        scheme, host = split_endpoint(settings.SMS_ENDPOINT or "dysmsapi.aliyuncs.com")
        self.client = Client(
            Config(
                access_key_id=settings.SMS_ACCESS_KEY_ID,
                access_key_secret=settings.SMS_ACCESS_KEY_SECRET,
                endpoint=host,
                protocol=scheme,
                region_id=settings.SMS_REGION or "cn-hangzhou",
            )
        )

    def send(self, *, phone, template_code, variables, sign_name, out_id) -> SendResult:
        from alibabacloud_dysmsapi20170525.models import SendSmsRequest
        from darabonba.runtime import RuntimeOptions

        request = SendSmsRequest(
            phone_numbers=phone,
            sign_name=sign_name,
            template_code=template_code,
            template_param=json.dumps(dict(variables), ensure_ascii=False),
            out_id=out_id[:64],
        )
        runtime = RuntimeOptions(autoretry=False, connect_timeout=5000, read_timeout=10000)
        try:
            response = self.client.send_sms_with_options(request, runtime)
        except Exception as error:  # network, HTTP 5xx, the SDK's own errors: try later
            code = getattr(error, "code", "") or type(error).__name__
            if code in ALIYUN_TEMPORARY or not str(code).startswith("isv."):
                raise TemporaryFailure(f"aliyun: {code}") from error
            raise PermanentFailure(f"aliyun: {code}") from error
        body = response.body
        if body.code == "OK":
            return SendResult(provider_id=body.biz_id or "")
        if body.code in ALIYUN_TEMPORARY:
            raise TemporaryFailure(f"aliyun: {body.code}")
        raise PermanentFailure(f"aliyun: {body.code} {body.message or ''}".strip())


TENCENT_TEMPORARY_PREFIXES = ("InternalError", "LimitExceeded.", "RequestLimitExceeded")
TENCENT_PERMANENT = {"LimitExceeded.PhoneNumberDailyLimit", "LimitExceeded.PhoneNumberCountLimit"}


class TencentBackend(Backend):
    name = "tencent"
    max_variable_chars = 12  # a non-code variable of an enterprise account: up to 12

    def __init__(self):
        from tencentcloud.common import credential
        from tencentcloud.common.profile.client_profile import ClientProfile
        from tencentcloud.common.profile.http_profile import HttpProfile
        from tencentcloud.sms.v20210111 import sms_client

        scheme, host = split_endpoint(settings.SMS_ENDPOINT or "sms.tencentcloudapi.com")
        profile = ClientProfile(
            httpProfile=HttpProfile(protocol=scheme, endpoint=host, reqTimeout=10)
        )
        self.client = sms_client.SmsClient(
            credential.Credential(settings.SMS_ACCESS_KEY_ID, settings.SMS_ACCESS_KEY_SECRET),
            settings.SMS_REGION or "ap-guangzhou",
            profile,
        )

    def send(self, *, phone, template_code, variables, sign_name, out_id) -> SendResult:
        from tencentcloud.common.exception.tencent_cloud_sdk_exception import (
            TencentCloudSDKException,
        )
        from tencentcloud.sms.v20210111 import models

        request = models.SendSmsRequest()
        request.PhoneNumberSet = [f"+86{phone}"]
        request.SmsSdkAppId = settings.SMS_APP_ID
        request.SignName = sign_name
        request.TemplateId = template_code
        request.TemplateParamSet = [str(value) for _name, value in variables]
        request.SessionContext = out_id[:512]
        try:
            response = self.client.SendSms(request)
        except TencentCloudSDKException as error:
            code = error.get_code() or ""
            if code.startswith(TENCENT_TEMPORARY_PREFIXES) or code.startswith("ClientNetworkError"):
                raise TemporaryFailure(f"tencent: {code}") from error
            raise PermanentFailure(f"tencent: {code}") from error
        except Exception as error:
            raise TemporaryFailure(f"tencent: {type(error).__name__}") from error
        status = (response.SendStatusSet or [None])[0]
        if status is None:
            raise TemporaryFailure("tencent: empty SendStatusSet")
        if status.Code == "Ok":
            return SendResult(provider_id=status.SerialNo or "", units=status.Fee or 1)
        if status.Code in TENCENT_PERMANENT or not status.Code.startswith(
            TENCENT_TEMPORARY_PREFIXES
        ):
            raise PermanentFailure(f"tencent: {status.Code}")
        raise TemporaryFailure(f"tencent: {status.Code}")


BACKENDS = {
    "console": ConsoleBackend,
    "memory": MemoryBackend,
    "aliyun": AliyunBackend,
    "tencent": TencentBackend,
}


_built = threading.local()


def get_backend() -> Backend:
    """The configured backend, built once per worker thread and settings (building an SDK
    client per message would cost more than the message; one per thread, as the SDKs do
    not promise to be shared between threads)."""
    key = (
        settings.SMS_BACKEND,
        settings.SMS_ENDPOINT,
        settings.SMS_ACCESS_KEY_ID,
        settings.SMS_REGION,
    )
    if getattr(_built, "key", None) != key:
        _built.backend = BACKENDS[settings.SMS_BACKEND]()
        _built.key = key
    return _built.backend
