#!/usr/bin/env python3
"""The official `twilio` Python package against a running alertd relay (run by
.ci/checks/75-relay-stock-client.sh with REQUESTS_CA_BUNDLE set to the relay's test CA).

usage: stock_client_check.py RELAY_BASE_URL ACCOUNT_SID DEVICE_TOKEN
Prints the relay SIDs it was given, one per line as `message SM...` / `call CA...`.
"""
import sys

from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

base, account, token = sys.argv[1:4]
TO, FROM = "+15551230001", "+15005550006"


def client(secret):
    c = Client(account, secret)
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

print("message %s" % message.sid)
print("call %s" % call.sid)
