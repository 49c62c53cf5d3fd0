"""coop/ops/requestid.py: a sane proxy id is kept, anything else replaced; the id is on the
response and on every log record written during the request, `-` outside one."""

import logging
import re

from django.http import HttpResponse
from django.test import RequestFactory

from coop.ops.requestid import HEADER, RequestIdFilter, RequestIdMiddleware, current, request_id_for


def _record():
    return logging.LogRecord("atelier", logging.INFO, __file__, 1, "hello", (), None)


def test_request_id_for_keeps_safe_tokens_only():
    assert request_id_for("abc-123_x.y") == "abc-123_x.y"
    for bad in ("", "short", "x" * 65, "has space in it", "semi;colon;here"):
        made = request_id_for(bad)
        assert made != bad and re.fullmatch(r"[0-9a-f]{32}", made)


def test_middleware_sets_the_header_and_the_log_context():
    seen = {}

    def view(request):
        record = _record()
        RequestIdFilter().filter(record)
        seen["record"] = record.request_id
        return HttpResponse("ok")

    response = RequestIdMiddleware(view)(RequestFactory().get("/", HTTP_X_REQUEST_ID="proxy-id-0001"))
    assert response[HEADER] == "proxy-id-0001" and seen["record"] == "proxy-id-0001"
    assert current.get() == "-"  # reset after the request
    outside = _record()
    RequestIdFilter().filter(outside)
    assert outside.request_id == "-"


def test_the_filter_keeps_an_id_already_on_the_record():
    record = _record()
    record.request_id = "given"
    assert RequestIdFilter().filter(record) and record.request_id == "given"
