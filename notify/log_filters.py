"""Log lines never carry the delivery callbacks' shared secret.

The providers post receipts and replies to /sms/receipts/<provider>/<secret>/ (neither signs
them; the secret in the address is the check). Django logs the path of every refused or
failed request (django.request, django.security): without this filter a probe of the
address, a malformed body or an error would write the secret into the log, and whoever
reads the log could then post false receipts or 退订 replies.
"""

import logging
import re

CALLBACK_SECRET = re.compile(r"(/sms/(?:receipts|replies)/[^/\s]+/)[^/\s'\"?]+")


def redact(text: str) -> str:
    """The text with every callback address's secret replaced by ***."""
    return CALLBACK_SECRET.sub(r"\1***", text)


class RedactCallbackSecret(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "/sms/" in message:
            record.msg, record.args = redact(message), ()
        return True
