"""A local stand-in for the providers' SMS APIs, answering as their documentation says, so
that the tests, the soak and the bench drive the real SDKs (SMS_ENDPOINT=http://127.0.0.1:<port>).

- Alibaba Cloud dysmsapi 2017-05-25, RPC style: POST / with header x-acs-action: SendSms
  (signed ACS3-HMAC-SHA256) and the request's fields (PhoneNumbers, SignName, TemplateCode,
  TemplateParam as JSON, OutId) in the query;
  answers {"Code": "OK", "Message": "OK", "BizId": …, "RequestId": …}, or a business code
  such as "isv.MOBILE_NUMBER_ILLEGAL" / "isp.SYSTEM_ERROR" with HTTP 200.
- Tencent Cloud SMS 2021-01-11: POST / with header X-TC-Action: SendSms and a JSON body
  (PhoneNumberSet, SmsSdkAppId, SignName, TemplateId, TemplateParamSet, SessionContext);
  answers {"Response": {"SendStatusSet": [{"SerialNo", "PhoneNumber", "Fee", "Code": "Ok",
  …}], "RequestId"}}, or {"Response": {"Error": {"Code", "Message"}, "RequestId"}}.

`down` makes it answer every call with the provider's "system busy" error (a provider down);
`fail_every` fails one call in that many; `refuse` answers a permanent refusal.
"""

import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit


class ProviderDouble:
    def __init__(self):
        self.calls: list[dict] = []
        self.accepted: list[dict] = []
        self.down = False
        self.fail_every = 0
        self.refuse = ""
        self._lock = threading.Lock()
        double = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                if self.headers.get("X-TC-Action"):
                    status, answer = double._tencent(self.headers, body)
                else:
                    status, answer = double._aliyun(self.headers, self.path, body)
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def _failing(self) -> bool:
        with self._lock:
            n = len(self.calls)
        return self.down or (self.fail_every and n % self.fail_every == 0)

    def _record(self, call: dict) -> None:
        with self._lock:
            self.calls.append(call)

    def _aliyun(self, headers, path: str, body: bytes):
        fields = dict(parse_qsl(urlsplit(path).query))
        fields.update(parse_qsl(body.decode()))
        call = {
            "provider": "aliyun",
            "action": headers.get("x-acs-action") or fields.get("Action"),
            "phone": fields.get("PhoneNumbers"),
            "sign": fields.get("SignName"),
            "template": fields.get("TemplateCode"),
            "params": json.loads(fields.get("TemplateParam") or "{}"),
            "out_id": fields.get("OutId"),
            "signed": (headers.get("Authorization") or "").startswith("ACS3-HMAC-SHA256"),
        }
        self._record(call)
        request_id = str(uuid.uuid4()).upper()
        if self._failing():
            return 200, {
                "Code": "isp.SYSTEM_ERROR",
                "Message": "系统出现错误",
                "RequestId": request_id,
            }
        if self.refuse:
            return 200, {"Code": self.refuse, "Message": "refused", "RequestId": request_id}
        biz_id = f"{len(self.calls):06d}{uuid.uuid4().hex[:10]}^0"
        with self._lock:
            self.accepted.append({**call, "id": biz_id})
        return 200, {"Code": "OK", "Message": "OK", "BizId": biz_id, "RequestId": request_id}

    def _tencent(self, headers, body: bytes):
        payload = json.loads(body or b"{}")
        phones = payload.get("PhoneNumberSet") or [""]
        call = {
            "provider": "tencent",
            "action": headers.get("X-TC-Action"),
            "phone": phones[0],
            "sign": payload.get("SignName"),
            "template": payload.get("TemplateId"),
            "params": payload.get("TemplateParamSet"),
            "app_id": payload.get("SmsSdkAppId"),
            "out_id": payload.get("SessionContext"),
            "signed": (headers.get("Authorization") or "").startswith("TC3-HMAC-SHA256"),
        }
        self._record(call)
        request_id = str(uuid.uuid4())
        if self._failing():
            error = {"Code": "InternalError.Timeout", "Message": "请求下发短信超时"}
            return 200, {"Response": {"Error": error, "RequestId": request_id}}
        if self.refuse:
            status = {
                "SerialNo": "",
                "PhoneNumber": phones[0],
                "Fee": 0,
                "SessionContext": "",
                "Code": self.refuse,
                "Message": "refused",
                "IsoCode": "CN",
            }
            return 200, {"Response": {"SendStatusSet": [status], "RequestId": request_id}}
        serial = f"2028:{uuid.uuid4().int % 10**20}"
        with self._lock:
            self.accepted.append({**call, "id": serial})
        status = {
            "SerialNo": serial,
            "PhoneNumber": phones[0],
            "Fee": 1,
            "SessionContext": payload.get("SessionContext", ""),
            "Code": "Ok",
            "Message": "send success",
            "IsoCode": "CN",
        }
        return 200, {"Response": {"SendStatusSet": [status], "RequestId": request_id}}
