#!/usr/bin/env python3
"""The official `twilio` Python package against a running alertd relay (run by
.ci/checks/75-relay-stock-client.sh with REQUESTS_CA_BUNDLE set to the relay's test CA).

usage: stock_client_check.py RELAY_BASE_URL ACCOUNT_SID DEVICE_TOKEN THRIFTY_KEY THRIFTY_SECRET
(the thrifty device authenticates with an API key and may spend $0.02 a day).
Prints the relay SIDs it was given, one per line as `message SM...` / `call CA...`.
"""
import sys

from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

base, account, token, thrifty_key, thrifty_secret = sys.argv[1:6]
TO, FROM = "+15551230001", "+15005550006"


def client(secret, user=None):
    c = Client(user or account, secret, account)
    c.api.base_url = base
    return c


good = client(token)
message = good.messages.create(to=TO, from_=FROM, body="Stock client via the relay")
assert message.sid.startswith("SM") and message.status == "queued", (message.sid, message.status)
assert message.body == "Stock client via the relay"
fetched = good.messages(message.sid).fetch()
assert fetched.sid == message.sid, fetched.sid

call = good.calls.create(to=TO, from_=FROM, twiml="<Response><Say>Relay check</Say></Response>")
assert call.sid.startswith("CA") and call.status == "queued", (call.sid, call.status)

try:
    client("wrong-token").messages.create(to=TO, from_=FROM, body="x")
    raise SystemExit("bad credentials were accepted")
except TwilioRestException as e:
    assert (e.status, e.code) == (401, 20003), (e.status, e.code, e.msg)

try:
    good.messages.create(to=TO, from_=FROM, body="")
    raise SystemExit("a message without a body was accepted")
except TwilioRestException as e:
    assert (e.status, e.code) == (400, 21602), (e.status, e.code, e.msg)



def refused(what, code, create):
    """`create()` must raise Twilio's 400 with `code`, and nothing is created."""
    try:
        create()
    except TwilioRestException as e:
        assert (e.status, e.code) == (400, code), (what, e.status, e.code, e.msg)
        return
    raise SystemExit("%s was accepted" % what)


# What a thief with the device's secret would try: premium destinations, calls handed to
# someone else's TwiML, and messages of dozens of segments.
refused("an SMS to a premium number", 21408,
        lambda: good.messages.create(to="+19005550123", from_=FROM, body="x"))
refused("a call to a premium number", 21215,
        lambda: good.calls.create(to="+19005550123", from_=FROM,
                                  twiml="<Response><Say>x</Say></Response>"))
for twiml in ["<Response><Dial>+88213200001</Dial></Response>",
              "<Response><Dial><Sip>sip:a@premium.example</Sip></Dial></Response>",
              "<Response><Redirect>https://evil.example/t.xml</Redirect></Response>",
              "<Response><Enqueue>q</Enqueue></Response>"]:
    refused(twiml, 12200, lambda: good.calls.create(to=TO, from_=FROM, twiml=twiml))
refused("a call with a Url", 21205,
        lambda: good.calls.create(to=TO, from_=FROM, url="https://evil.example/t.xml"))
refused("a call that records", 20001,
        lambda: good.calls.create(to=TO, from_=FROM, record=True,
                                  twiml="<Response><Say>x</Say></Response>"))
refused("TwiML over 4,000 characters", 12100,
        lambda: good.calls.create(to=TO, from_=FROM,
                                  twiml="<Response><Say>%s</Say></Response>" % ("x" * 4000)))
refused("1,600 emoji (49 segments)", 21617,
        lambda: good.messages.create(to=TO, from_=FROM, body="\U0001F525" * 1600))

# The daily spend limit: two one-segment texts at $0.0083 fit in $0.02, the third does not.
thrifty = client(thrifty_secret, thrifty_key)
for i in range(2):
    thrifty.messages.create(to=TO, from_=FROM, body="thrifty %d" % i)
try:
    thrifty.messages.create(to=TO, from_=FROM, body="thrifty 2")
    raise SystemExit("a message over the daily spend limit was accepted")
except TwilioRestException as e:
    assert (e.status, e.code) == (429, 20429), (e.status, e.code, e.msg)
    assert "daily spend limit" in e.msg, e.msg

print("message %s" % message.sid)
print("call %s" % call.sid)
