#!/usr/bin/env python3
"""Records the exact HTTP requests the official `twilio` Python package sends, as test data
for alertd's relay (alertd/tests/relay.rs replays them byte for byte).

The package is the oracle: a local capture server (plain HTTP, 127.0.0.1) stands in for
api.twilio.com, saves each raw request and answers 201 with a Twilio-shaped resource so the
client is satisfied. Re-run after upgrading the package:

    python3 -m venv /tmp/twilio-venv && /tmp/twilio-venv/bin/pip install twilio
    /tmp/twilio-venv/bin/python alertd/tests/data/relay/record_python_twilio.py

Writes messages_create.http and calls_create.http next to this script, and prints the
package version (recorded in versions.txt).
"""
import json
import os
import socket
import threading

import twilio
from twilio.rest import Client

# Test credentials (not real): the relay test configures a device with exactly these.
ACCOUNT_SID = "AC0123456789abcdef0123456789abcdef"
AUTH_TOKEN = "python-oracle-device-token-000001"
FROM = "+15005550006"
TO = "+15551230001"
BODY = "Freezer 2 at -4 C & rising: check door"
TWIML = "<Response><Say>Freezer 2 is warm</Say></Response>"
HERE = os.path.dirname(os.path.abspath(__file__))


def read_request(conn):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = conn.recv(65536)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n" + body


def serve(listener, captured, count):
    for _ in range(count):
        conn, _ = listener.accept()
        raw = read_request(conn)
        captured.append(raw)
        is_call = b"/Calls.json" in raw.split(b"\r\n", 1)[0]
        resource = {
            "account_sid": ACCOUNT_SID,
            "sid": ("CA" if is_call else "SM") + "0" * 32,
            "status": "queued",
            "to": TO,
            "from": FROM,
        }
        if not is_call:
            resource["body"] = BODY
        payload = json.dumps(resource).encode()
        conn.sendall(
            b"HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nConnection: close\r\n"
            + b"Content-Length: " + str(len(payload)).encode() + b"\r\n\r\n" + payload
        )
        conn.close()


def main():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(4)
    port = listener.getsockname()[1]
    captured = []
    thread = threading.Thread(target=serve, args=(listener, captured, 2), daemon=True)
    thread.start()

    client = Client(ACCOUNT_SID, AUTH_TOKEN)
    client.api.base_url = "http://127.0.0.1:%d" % port
    message = client.messages.create(to=TO, from_=FROM, body=BODY)
    call = client.calls.create(to=TO, from_=FROM, twiml=TWIML)
    thread.join(10)
    assert message.sid.startswith("SM") and call.sid.startswith("CA")

    for name, raw in zip(["messages_create.http", "calls_create.http"], captured):
        with open(os.path.join(HERE, name), "wb") as f:
            f.write(raw)
    with open(os.path.join(HERE, "versions.txt"), "w") as f:
        f.write("twilio %s\n" % twilio.__version__)
    print("recorded with twilio %s" % twilio.__version__)


if __name__ == "__main__":
    main()
