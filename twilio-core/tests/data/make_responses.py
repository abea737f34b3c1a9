#!/usr/bin/env python3
"""Writes the recorded-style Twilio responses in responses/ (CRLF line ends, exact lengths).

Shapes follow Twilio's documented responses: the v2010 message and call resources, the
{code, message, more_info, status} error body, and the headers api.twilio.com sends.
Run from this directory: python3 make_responses.py
"""
import json
import os

ACCOUNT = "AC" + "0123456789abcdef" * 2
MSG_SID = "SM" + "f1e2d3c4b5a697887766554433221100"
CALL_SID = "CA" + "a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5"
DATE = "Sun, 22 Nov 2026 19:40:12 GMT"
RFC2822 = "Sun, 22 Nov 2026 19:40:12 +0000"

COMMON = [
    ("Date", DATE),
    ("Connection", "keep-alive"),
    ("Twilio-Concurrent-Requests", "1"),
    ("Twilio-Request-Id", "RQ" + "9" * 32),
    ("Twilio-Request-Duration", "0.087"),
    ("X-Home-Region", "us1"),
    ("X-API-Domain", "api.twilio.com"),
    ("Strict-Transport-Security", "max-age=31536000"),
    ("Access-Control-Allow-Origin", "*"),
    ("Access-Control-Allow-Headers", "Accept, Authorization, Content-Type, If-Match, "
     "If-Modified-Since, If-None-Match, If-Unmodified-Since, Idempotency-Key"),
    ("Access-Control-Allow-Methods", "GET, POST, DELETE, OPTIONS"),
    ("Access-Control-Expose-Headers", "ETag"),
    ("Access-Control-Allow-Credentials", "true"),
    ("X-Powered-By", "AT-5000"),
    ("X-Shenanigans", "none"),
]

message = {
    "account_sid": ACCOUNT, "api_version": "2010-04-01",
    "body": "ALERT boiler-2: temp 31.2\u00b0C > 30\u00b0C \"critical\"",
    "date_created": RFC2822, "date_sent": None, "date_updated": RFC2822,
    "direction": "outbound-api", "error_code": None, "error_message": None,
    "from": "+15005550001", "messaging_service_sid": None, "num_media": "0",
    "num_segments": "1", "price": None, "price_unit": "USD", "sid": MSG_SID, "status": "queued",
    "subresource_uris": {"media": f"/2010-04-01/Accounts/{ACCOUNT}/Messages/{MSG_SID}/Media.json"},
    "tags": ["a", {"b": [1, 2.5e3, True, None]}],
    "to": "+15005550006", "uri": f"/2010-04-01/Accounts/{ACCOUNT}/Messages/{MSG_SID}.json",
}
call = {
    "account_sid": ACCOUNT, "annotation": None, "answered_by": None, "api_version": "2010-04-01",
    "caller_name": None, "date_created": None, "date_updated": None, "direction": "outbound-api",
    "duration": None, "end_time": None, "forwarded_from": None, "from": "+15005550001",
    "from_formatted": "(500) 555-0001", "group_sid": None, "parent_call_sid": None,
    "phone_number_sid": "PN" + "1" * 32, "price": None, "price_unit": "USD", "sid": CALL_SID,
    "start_time": None, "status": "queued",
    "subresource_uris": {"notifications": f"/2010-04-01/Accounts/{ACCOUNT}/Calls/{CALL_SID}/Notifications.json"},
    "to": "+15005550006", "to_formatted": "(500) 555-0006", "trunk_sid": None,
    "uri": f"/2010-04-01/Accounts/{ACCOUNT}/Calls/{CALL_SID}.json", "queue_time": "0",
}


def error(code, message, status, **extra):
    body = {"code": code, "message": message,
            "more_info": f"https://www.twilio.com/docs/errors/{code}", "status": status}
    body.update(extra)
    return body


def response(status_line, headers, body, chunks=None):
    head = f"HTTP/1.1 {status_line}\r\n"
    hs = list(headers)
    if chunks is None:
        hs.append(("Content-Length", str(len(body))))
    else:
        hs.append(("Transfer-Encoding", "chunked"))
    head += "".join(f"{k}: {v}\r\n" for k, v in hs) + "\r\n"
    out = head.encode()
    if chunks is None:
        return out + body
    pos = 0
    for i, size in enumerate(chunks + [len(body)]):
        piece = body[pos:pos + size]
        if not piece:
            break
        ext = ";name=value" if i == 1 else ""
        out += f"{len(piece):x}{ext}\r\n".encode() + piece + b"\r\n"
        pos += len(piece)
    return out + b"0\r\nX-Trailer: done\r\n\r\n"


def js(obj):
    return json.dumps(obj).encode()


JSON = [("Content-Type", "application/json; charset=utf-8")]
files = {
    "201_message.http": response("201 Created", COMMON[:1] + JSON + COMMON[1:], js(message)),
    "201_call.http": response("201 Created", COMMON[:1] + JSON + COMMON[1:], js(call)),
    "400_21211.http": response("400 Bad Request", COMMON[:1] + JSON + COMMON[1:], js(
        error(21211, "The 'To' number +1555123 is not a valid phone number.", 400))),
    "401_20003.http": response("401 Unauthorized", COMMON[:1] + JSON + [
        ("WWW-Authenticate", 'Basic realm="Twilio API"')] + COMMON[1:], js(
        error(20003, "Authenticate", 401, detail="Your AccountSid or AuthToken was incorrect."))),
    "429_20429.http": response("429 Too Many Requests", COMMON[:1] + JSON + [
        ("Retry-After", "2")] + COMMON[1:], js(error(20429, "Too Many Requests", 429))),
    "500_html.http": response("500 Internal Server Error", [
        ("Date", DATE), ("Content-Type", "text/html"), ("Connection", "close")],
        b"<html>\r\n<head><title>500 Internal Server Error</title></head>\r\n"
        b"<body><center><h1>500 Internal Server Error</h1></center></body>\r\n</html>\r\n"),
    "201_message_chunked.http": response("201 Created", COMMON[:1] + JSON + COMMON[1:],
                                         js(message), chunks=[100, 7, 256]),
}

# Verify v2 and Lookup v2, shaped as verify.twilio.com and lookups.twilio.com answer.
SERVICE_SID = "VA" + "0123456789abcdef" * 2
VERIFICATION_SID = "VE" + "5a4b3c2d1e0f9a8b7c6d5e4f3a2b1c0d"
ISO = "2026-11-22T19:40:12Z"


def verification(status, valid, check=False):
    body = {
        "sid": VERIFICATION_SID, "service_sid": SERVICE_SID, "account_sid": ACCOUNT,
        "to": "+15017122661", "channel": "sms", "status": status, "valid": valid,
        "amount": None, "payee": None, "date_created": ISO, "date_updated": ISO,
        "sna_attempts_error_codes": [],
    }
    if not check:
        body.update({
            "lookup": {"carrier": {"error_code": None, "name": "Example Wireless",
                                   "mobile_country_code": "310", "mobile_network_code": "456",
                                   "type": "mobile"}},
            "send_code_attempts": [{"attempt_sid": "VL" + "7" * 32, "channel": "sms",
                                    "time": "2026-11-22T19:40:12.000Z"}],
            "sna": None,
            "url": f"https://verify.twilio.com/v2/Services/{SERVICE_SID}/Verifications/{VERIFICATION_SID}",
        })
    return body


VERIFY = [("Date", DATE), ("Content-Type", "application/json"), ("Connection", "keep-alive"),
          ("Twilio-Request-Id", "RQ" + "8" * 32), ("X-API-Domain", "verify.twilio.com")]
LOOKUPS = [("Date", DATE), ("Content-Type", "application/json"), ("Connection", "keep-alive"),
           ("Twilio-Request-Id", "RQ" + "7" * 32), ("X-API-Domain", "lookups.twilio.com")]
lookup_landline = {
    "calling_country_code": "1", "country_code": "US", "phone_number": "+15017122661",
    "national_format": "(501) 712-2661", "valid": True, "validation_errors": [],
    "caller_name": None, "sim_swap": None, "call_forwarding": None, "line_status": None,
    "line_type_intelligence": {"carrier_name": "Example Telephone \u0026 Co", "error_code": None,
                               "mobile_country_code": "313", "mobile_network_code": "981",
                               "type": "landline"},
    "identity_match": None, "reassigned_number": None, "sms_pumping_risk": None,
    "phone_number_quality_score": None, "pre_fill": None,
    "url": "https://lookups.twilio.com/v2/PhoneNumbers/+15017122661",
}
files.update({
    "201_verification.http": response("201 Created", VERIFY, js(verification("pending", False))),
    "200_check_approved.http": response("200 OK", VERIFY, js(verification("approved", True, True))),
    "200_check_wrong_code.http": response("200 OK", VERIFY, js(verification("pending", False, True))),
    "404_20404_check.http": response("404 Not Found", VERIFY, js(error(
        20404, f"The requested resource /Services/{SERVICE_SID}/VerificationCheck was not found",
        404))),
    "429_60202.http": response("429 Too Many Requests", VERIFY, js(error(
        60202, "Max check attempts reached", 429))),
    "429_60203.http": response("429 Too Many Requests", VERIFY, js(error(
        60203, "Max send attempts reached", 429))),
    "400_60200.http": response("400 Bad Request", VERIFY, js(error(
        60200, "Invalid parameter `To`: +1555", 400))),
    "200_lookup_landline.http": response("200 OK", LOOKUPS, js(lookup_landline),
                                          chunks=[120, 33]),
})
os.makedirs("responses", exist_ok=True)
for name, data in files.items():
    with open(os.path.join("responses", name), "wb") as f:
        f.write(data)
    print(name, len(data))
