"""Bytes served from the database to an <audio> element.

Safari (every iPhone) plays audio only from a server that answers byte-range requests
(`Range: bytes=0-1` first, then the rest), so a single range is honoured with 206; anything
else gets the whole body. The caller has checked who may hear it.
"""

import re

from django.http import HttpRequest, HttpResponse

RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def bytes_response(request: HttpRequest, data: bytes, content_type: str) -> HttpResponse:
    """`data` as `content_type`, whole or the one range asked for; private, not cached."""
    total = len(data)
    match = RANGE.match(request.headers.get("Range", "").strip())
    status, start, end = 200, 0, total - 1
    if match and (match.group(1) or match.group(2)) and total:
        first, last = match.group(1), match.group(2)
        if first:
            start, end = int(first), min(int(last), total - 1) if last else total - 1
        else:  # bytes=-N: the last N bytes
            start = max(total - int(last), 0)
        if start > end or start >= total:
            response = HttpResponse(status=416)
            response["Content-Range"] = f"bytes */{total}"
            return response
        status = 206
    response = HttpResponse(data[start : end + 1], content_type=content_type, status=status)
    response["Accept-Ranges"] = "bytes"
    response["Cache-Control"] = "private, no-store"
    response["Content-Disposition"] = "inline"
    if status == 206:
        response["Content-Range"] = f"bytes {start}-{end}/{total}"
    return response
