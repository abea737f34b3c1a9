#!/usr/bin/env python3
"""Generates signature_vectors.json with the official `twilio` package as the oracle.

Each vector: the token, the URL Twilio signed, the URL the validator sees, the decoded params
(repeats kept), the urlencoded body Twilio would post, the X-Twilio-Signature, and whether
twilio-python's RequestValidator.validate accepts it. JSON-body vectors carry `json_body`.
Run from this directory: python3 make_signature_vectors.py
"""
import json
from urllib.parse import urlencode

import twilio
from twilio.request_validator import RequestValidator


class MultiDict(dict):
    """Enough of Flask's MultiDict for RequestValidator: repeated keys via getall()."""

    def __init__(self, pairs):
        super().__init__()
        self.pairs = pairs
        for k, v in pairs:
            self.setdefault(k, v)

    def getall(self, key):
        return [v for k, v in self.pairs if k == key]


CALL = [("CallSid", "CA1234567890ABCDE"), ("Caller", "+14158675309"), ("Digits", "1234"),
        ("From", "+14158675309"), ("To", "+18005551212")]
STATUS = [("MessageSid", "SM" + "a" * 32), ("MessageStatus", "undelivered"),
          ("SmsStatus", "undelivered"), ("ErrorCode", "30006"), ("AccountSid", "AC" + "b" * 32),
          ("To", "+15005550006"), ("From", "+15005550001"), ("ApiVersion", "2010-04-01")]

FORM_CASES = [
    # name, token, signed_url, request_url, params
    ("basic", "12345", "https://mycompany.com/myapp.php?foo=1&bar=2",
     "https://mycompany.com/myapp.php?foo=1&bar=2", CALL),
    ("status_callback", "0123456789abcdef0123456789abcdef", "https://gw.example.net/twilio/status",
     "https://gw.example.net/twilio/status", STATUS),
    ("repeated_keys_sorted_and_deduped", "12345", "https://mycompany.com/myapp.php",
     "https://mycompany.com/myapp.php",
     [("Sid", "CA123"), ("SidAccount", "AC123"), ("Digits", "5678"), ("Digits", "1234"),
      ("Digits", "1234")]),
    ("repeated_key_value_order", "12345", "https://example.com/hook",
     "https://example.com/hook",
     [("MessagingBinding.Address", "+1415xxxxxxx"), ("MessagingBinding.Address", "+1325xxxxxxx")]),
    ("prefix_keys", "secret", "https://example.com/hook", "https://example.com/hook",
     [("A", "2"), ("AB", "1"), ("A", "10"), ("B", "")]),
    ("empty_value_keeps_key", "12345", "https://gw.example.net/twilio/ack?alert=42",
     "https://gw.example.net/twilio/ack?alert=42",
     [("CallSid", "CA" + "c" * 32), ("Digits", "1"), ("FinishedOnKey", "")]),
    ("unicode_values", "12345", "https://gw.example.net/twilio/in", "https://gw.example.net/twilio/in",
     [("Body", "Temp\u00e9rature > 30\u00b0C \u2713 \U0001F525"), ("From", "+15005550006"),
      ("To", "+15005550001"), ("\u00c9tat", "ok")]),
    ("reserved_chars_in_values", "12345", "https://gw.example.net/in", "https://gw.example.net/in",
     [("Body", "a+b=c&d %25 100% ~!*'()"), ("From", "+15005550006")]),
    ("https_port_removed", "12345", "https://mycompany.com/myapp.php?foo=1&bar=2",
     "https://mycompany.com:1234/myapp.php?foo=1&bar=2", CALL),
    ("https_default_port_added", "12345", "https://mycompany.com:443/myapp.php?foo=1&bar=2",
     "https://mycompany.com/myapp.php?foo=1&bar=2", CALL),
    ("http_default_port_added", "12345", "http://mycompany.com:80/myapp.php",
     "http://mycompany.com/myapp.php", CALL),
    ("http_explicit_port_kept", "12345", "http://mycompany.com:8080/myapp.php",
     "http://mycompany.com:8080/myapp.php", CALL),
    ("https_explicit_port_443_removed", "12345", "https://mycompany.com/x",
     "https://mycompany.com:443/x", CALL),
    ("credentials_in_url", "12345", "https://user:pass@mycompany.com/myapp.php",
     "https://user:pass@mycompany.com/myapp.php", CALL),
    ("no_params_get", "12345", "https://example.com/twiml?alert=7&lang=en",
     "https://example.com/twiml?alert=7&lang=en", []),
    ("signed_with_other_port_fails", "12345", "https://mycompany.com:8443/myapp.php",
     "https://mycompany.com:9443/myapp.php", CALL),
    ("signed_other_path_fails", "12345", "https://mycompany.com/a", "https://mycompany.com/b", CALL),
]

JSON_CASES = [
    # name, token, signed_url_template, request_url_template, body; {h} is the body hash
    ("json_body", "12345", "https://mycompany.com/myapp.php?foo=1&bar=2&bodySHA256={h}",
     "https://mycompany.com/myapp.php?foo=1&bar=2&bodySHA256={h}",
     '{"property": "value", "boolean": true}'),
    ("json_body_signed_with_443", "12345", "https://mycompany.com:443/hook?bodySHA256={h}",
     "https://mycompany.com/hook?bodySHA256={h}", "{}"),
    ("json_unicode_body", "s3cr3t", "https://gw.example.net/events?bodySHA256={h}",
     "https://gw.example.net/events?bodySHA256={h}", '{"text": "caf\u00e9 \u2713"}'),
]


def main():
    vectors = []
    for name, token, signed_url, request_url, params in FORM_CASES:
        v = RequestValidator(token)
        signature = v.compute_signature(signed_url, MultiDict(params))
        vectors.append({
            "name": name, "auth_token": token, "signed_url": signed_url,
            "request_url": request_url, "params": params, "form_body": urlencode(params),
            "signature": signature,
            "expect_valid": v.validate(request_url, MultiDict(params), signature),
        })
    for name, token, signed_t, request_t, body in JSON_CASES:
        v = RequestValidator(token)
        h = v.compute_hash(body)
        signed_url, request_url = signed_t.format(h=h), request_t.format(h=h)
        signature = v.compute_signature(signed_url, {})
        vectors.append({
            "name": name, "auth_token": token, "signed_url": signed_url,
            "request_url": request_url, "json_body": body, "signature": signature,
            "expect_valid": v.validate(request_url, body, signature),
        })
    # A shared-key webhook signed with HMAC-SHA256.
    v = RequestValidator("shared-key-secret")
    url = "https://gw.example.net/twilio/status"
    signature = v.compute_signature(url, MultiDict(STATUS), "HMAC_SHA256")
    vectors.append({
        "name": "hmac_sha256_shared_key", "auth_token": "shared-key-secret", "signed_url": url,
        "request_url": url, "params": STATUS, "form_body": urlencode(STATUS),
        "signature": signature, "algorithm": "HMAC_SHA256",
        "expect_valid": v.validate(url, MultiDict(STATUS), signature, "HMAC_SHA256"),
    })
    out = {"oracle": f"twilio (PyPI) {twilio.__version__} RequestValidator", "vectors": vectors}
    with open("signature_vectors.json", "w", encoding="utf-8") as f:
        json.dump(out, f, indent=1, ensure_ascii=False)
        f.write("\n")
    print(len(vectors), "vectors")


if __name__ == "__main__":
    main()
