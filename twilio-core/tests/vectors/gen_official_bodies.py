#!/usr/bin/env python3
"""Generates official_bodies.json: request bodies (Messages, Calls, Verify v2 Verifications and
VerificationCheck, Lookup v2 PhoneNumbers) exactly as Twilio's official Python helper
library (twilio-python, via requests) encodes them, used as an oracle by twilio-core's tests.

No network: a capturing HTTP client records what the library would send and prepares it with
`requests` exactly as twilio.http.http_client.TwilioHttpClient does.

Run: python3 twilio-core/tests/vectors/gen_official_bodies.py > twilio-core/tests/vectors/official_bodies.json
"""
import json
import sys

import requests
import twilio
from twilio.http import HttpClient
from twilio.http.response import Response
from twilio.rest import Client

ACCOUNT = "AC0123456789abcdef0123456789abcdef"
TOKEN = "fedcba9876543210fedcba9876543210"
KEY = "SK00112233445566778899aabbccddeeff"


class Capture(HttpClient):
    """Records the prepared request instead of sending it."""

    def __init__(self):
        super().__init__(None, False)
        self.last = None

    def request(self, method, url, params=None, data=None, headers=None, auth=None,
                timeout=None, allow_redirects=False):
        prepared = requests.Session().prepare_request(requests.Request(
            method=method.upper(), url=url, params=params, data=data, headers=headers, auth=auth))
        self.last = prepared
        return Response(201 if method.upper() == "POST" else 200, json.dumps({
            "sid": "SM00000000000000000000000000000000",
            "account_sid": ACCOUNT,
        }))


# Each case: the Twilio parameters (as twilio-python kwargs), in the form the Rust tests replay.
MESSAGE_CASES = [
    ("sms", {"to": "+15551234567", "from_": "+15005550006", "body": "Freezer 2 at -4 C"}),
    ("sms_punctuation", {"to": "+15551234567", "from_": "ALERTS",
                         "body": "Tank 3: 95% full & rising! (limit=90%) #ops ~ok* a+b/c?d"}),
    ("sms_unicode", {"to": "+447700900123", "from_": "+15005550006",
                     "body": "Température 41,5 °C — ÜBER LIMIT 🚨 日本"}),
    ("sms_newlines", {"to": "+15551234567", "from_": "+15005550006",
                      "body": "line 1\nline 2\r\nend\ttab"}),
    ("mms_two_media", {"to": "+15551234567", "from_": "+15005550006", "body": "Door opened",
                       "media_url": ["https://cam.example.com/door/1.jpg?size=large&t=1",
                                     "https://cam.example.com/door/2.jpg"]}),
    ("whatsapp_template", {"to": "whatsapp:+15551234567", "from_": "whatsapp:+14155238886",
                           "content_sid": "HX0123456789abcdef0123456789abcdef",
                           "content_variables": json.dumps({"1": "Boiler 3", "2": "92 °C"})}),
    ("service_options", {"to": "+15551234567",
                         "messaging_service_sid": "MG0123456789abcdef0123456789abcdef",
                         "body": "Scheduled check", "status_callback": "https://gw.example.com/twilio/status?id=7",
                         "validity_period": 600, "max_price": "0.05", "provide_feedback": True,
                         "attempt": 2, "smart_encoded": False, "shorten_urls": True,
                         "send_as_mms": False, "schedule_type": "fixed",
                         "send_at": "2026-11-23T08:00:00Z"}),
]

CALL_CASES = [
    ("call_twiml_events", {"to": "+15551234567", "from_": "+15005550006",
                           "twiml": "<Response><Say voice=\"alice\">Boiler 3 is at 92 degrees & rising. Press 1 to acknowledge.</Say></Response>",
                           "status_callback": "https://gw.example.com/twilio/call-status",
                           "status_callback_event": ["initiated", "ringing", "answered"],
                           "status_callback_method": "POST", "timeout": 30}),
    ("call_url_amd", {"to": "+15551234567", "from_": "+15005550006",
                      "url": "https://gw.example.com/twiml/escalate?alert=42", "method": "GET",
                      "record": True, "machine_detection": "DetectMessageEnd",
                      "machine_detection_timeout": 15, "async_amd": "true",
                      "async_amd_status_callback": "https://gw.example.com/twilio/amd",
                      "async_amd_status_callback_method": "POST",
                      "caller_id": "+15005550006", "time_limit": 120}),
    ("call_application", {"to": "client:oncall", "from_": "+15005550006",
                          "application_sid": "AP0123456789abcdef0123456789abcdef"}),
]

SERVICE = "VA0123456789abcdef0123456789abcdef"

VERIFICATION_CASES = [
    ("verify_sms", {"to": "+15551234567", "channel": "sms"}),
    ("verify_call_locale", {"to": "+447700900123", "channel": "call", "locale": "en-GB"}),
    ("verify_whatsapp", {"to": "+15551234567", "channel": "whatsapp", "locale": "pt-BR"}),
]

VERIFICATION_CHECK_CASES = [
    ("check_by_number", {"to": "+15551234567", "code": "123456"}),
    ("check_by_sid", {"verification_sid": "VE0123456789abcdef0123456789abcdef", "code": "0042"}),
]

LOOKUP_CASES = [
    ("lookup_line_type", "+15551234567", "line_type_intelligence"),
    ("lookup_basic", "+447700900123", None),
]


def main():
    capture = Capture()
    client = Client(ACCOUNT, TOKEN, http_client=capture)
    out = {"generator": f"twilio-python {twilio.__version__} + requests {requests.__version__}",
           "account_sid": ACCOUNT, "auth_token": TOKEN, "messages": [], "calls": []}
    for name, kwargs in MESSAGE_CASES:
        client.messages.create(**kwargs)
        out["messages"].append(record(name, kwargs, capture.last))
    for name, kwargs in CALL_CASES:
        client.calls.create(**kwargs)
        out["calls"].append(record(name, kwargs, capture.last))
    client.messages("SM0123456789abcdef0123456789abcdef").fetch()
    out["fetch_message"] = {"method": capture.last.method, "url": capture.last.url}
    client.calls("CA0123456789abcdef0123456789abcdef").fetch()
    out["fetch_call"] = {"method": capture.last.method, "url": capture.last.url}
    api_key = Client(KEY, "key-secret", ACCOUNT, http_client=capture)
    api_key.messages.create(to="+15551234567", from_="+15005550006", body="x")
    out["api_key"] = {"key_sid": KEY, "secret": "key-secret",
                      "authorization": capture.last.headers["Authorization"],
                      "url": capture.last.url}
    out["verifications"] = []
    for name, kwargs in VERIFICATION_CASES:
        client.verify.v2.services(SERVICE).verifications.create(**kwargs)
        out["verifications"].append(record(name, kwargs, capture.last))
    out["verification_checks"] = []
    for name, kwargs in VERIFICATION_CHECK_CASES:
        client.verify.v2.services(SERVICE).verification_checks.create(**kwargs)
        out["verification_checks"].append(record(name, kwargs, capture.last))
    out["lookups"] = []
    for name, number, fields in LOOKUP_CASES:
        kwargs = {"fields": fields} if fields else {}
        client.lookups.v2.phone_numbers(number).fetch(**kwargs)
        out["lookups"].append({"name": name, "phone_number": number, "fields": fields,
                               "method": capture.last.method, "url": capture.last.url,
                               "authorization": capture.last.headers.get("Authorization")})
    json.dump(out, sys.stdout, indent=1, ensure_ascii=False)
    sys.stdout.write("\n")


def record(name, kwargs, prepared):
    params = {k.rstrip("_"): v for k, v in kwargs.items()}
    return {"name": name, "params": params, "method": prepared.method, "url": prepared.url,
            "content_type": prepared.headers.get("Content-Type"),
            "authorization": prepared.headers.get("Authorization"),
            "body": prepared.body}


if __name__ == "__main__":
    main()
