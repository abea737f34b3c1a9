#!/usr/bin/env bash
# alertd's web console in a real browser: headless Chromium (Debian's `chromium`, driven by
# `chromium-driver` through `python3-selenium`) against alertd and twilio-sim. It signs in with
# the bearer token; the alerts page shows the firing alerts and a label holding `<script>` as
# text (no script runs); the deliveries page shows the SMS with its Twilio SID and an error code
# with its meaning; acknowledging an escalation in the console stops it (no call at its next
# step), and one acknowledged through the API while the page is open shows up without a reload;
# a silence created from an alert's "Silence" link silences the next alert; STOP from a handset
# lists the number as opted out. A screenshot of each page goes to
# $ROOT/target/ci-output/console/. Every wait is bounded; everything started is stopped on exit.
# KEEP_WORK=1 keeps the work folder (configs and logs).
set -euo pipefail
source "$ROOT/.ci/lib.sh"
apt_install chromium chromium-driver python3-selenium fonts-dejavu-core
command -v curl > /dev/null || apt_install curl ca-certificates
cd "$ROOT"
cargo build -p alertd -p twilio-sim --locked
target="${CARGO_TARGET_DIR:-$ROOT/target}"
out="$ROOT/target/ci-output/console"
mkdir -p "$out"
rm -f "$out"/*.png
work=$(mktemp -d)
if [ -n "${KEEP_WORK:-}" ]; then echo "work dir (kept): $work"; fi
cleanup() {
  local pids=(${alertd_pid:-} ${sim_pid:-}) pid
  [ ${#pids[@]} -eq 0 ] || kill "${pids[@]}" 2> /dev/null || true
  for _ in $(seq 1 50); do
    running "${pids[@]}" || break
    sleep 0.1
  done
  for pid in "${pids[@]}"; do kill -9 "$pid" 2> /dev/null || true; done
  [ -n "${KEEP_WORK:-}" ] || rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "FAILED: $*"
  for log in alertd.log sim.log; do
    [ -f "$work/$log" ] && { echo "--- $log (tail)"; tail -n 30 "$work/$log"; }
  done
  exit 1
}

api_port=$(free_port)
api="http://127.0.0.1:$api_port"
token="ci-console-token-$RANDOM$RANDOM"
account=AC0123456789abcdef0123456789abcdef
auth=fedcba9876543210fedcba9876543210

start_sim "$target/debug/twilio-sim" "$work" --account-sid "$account" --auth-token "$auth"

# The escalation calls 40 s after it starts unless acknowledged; the check acknowledges within
# seconds and then makes sure no call went out.
cat > "$work/alertd.toml" << TOML
[server]
listen = "127.0.0.1:$api_port"
public_url = "http://127.0.0.1:$api_port"
bearer_token = "$token"
[store]
path = "alertd.db"
[twilio]
from = "+15005550006"
api_base = "$sim"
ca_file = "sim-ca.pem"
# Twilio's default of one message a second would queue the escalations' texts behind the
# others for longer than the check waits.
mps = 100.0
[alerts]
resolve_timeout = "1h"
[[rosters]]
name = "oncall"
numbers = ["+15551230001"]
[[escalations]]
name = "critical"
steps = [
  { channel = "sms", to = "oncall", after = "0s" },
  { channel = "voice", to = "oncall", after = "40s" },
]
[[receivers]]
name = "oncall"
sms = ["+15551230001", "+15551230009"]
[route]
receiver = "oncall"
group_by = ["alertname", "instance"]
group_wait = "0s"
escalation = "critical"
TOML
(cd "$work" && exec env TWILIO_ACCOUNT_SID="$account" TWILIO_AUTH_TOKEN="$auth" \
  "$target/debug/alertd" run --config alertd.toml > alertd.log 2>&1) &
alertd_pid=$!
wait_for 20 "alertd's /healthz" curl -sf "$api/healthz"

# The second on-call number's texts come back undelivered with 30006 (landline).
curl -sf --cacert "$work/sim-ca.pem" -X POST "$sim/_sim/scripts/messages/%2B15551230009" \
  -d '{"type": "undelivered", "error_code": 30006}' > /dev/null

# Debian's python3 (a python3 earlier on PATH may lack the selenium package).
cat > "$work/console_check.py" << 'PY'
import json, os, ssl, sys, time, urllib.request
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException

API, SIM, TOKEN, OUT, CA = (os.environ[k] for k in ("API", "SIM", "TOKEN", "OUT", "CA"))
ONCALL, LANDLINE = "+15551230001", "+15551230009"
ctx = ssl.create_default_context(cafile=CA)
started = time.monotonic()

def request(url, body=None, token=None, method=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", "Bearer " + token)
    with urllib.request.urlopen(req, context=ctx if url.startswith("https") else None, timeout=10) as r:
        text = r.read().decode()
        return json.loads(text) if text else None

def post_alerts(alerts):
    request(API + "/api/v1/alerts", alerts, TOKEN)

def sim(path):
    return request(SIM + "/_sim/" + path)

def wait(what, cond, seconds=15):
    deadline = time.monotonic() + seconds
    while True:
        # A page being loaded, or a live part being swapped in, leaves elements stale.
        try:
            value = cond()
        except (NoSuchElementException, StaleElementReferenceException):
            value = None
        if value:
            return value
        if time.monotonic() > deadline:
            sys.exit("FAILED: timed out waiting for " + what)
        time.sleep(0.2)

def shot(name):
    path = os.path.join(OUT, name + ".png")
    driver.save_screenshot(path)
    print("screenshot:", path)

def act(what, do):
    """Does `do` once it goes through (an element it found may be replaced meanwhile)."""
    wait(what, lambda: do() or True)

def body_text():
    return driver.find_element(By.TAG_NAME, "body").text

XSS_LABEL = "<script>document.title='pwned';window.__xss=1</script>"
post_alerts([
    {"labels": {"alertname": "BoilerOverTemp", "site": "north", "severity": "critical"},
     "annotations": {"summary": "boiler-3 at 92.5C, limit 90C"}},
    {"labels": {"alertname": "PumpPressureLow", "site": "south", "severity": "critical"},
     "annotations": {"summary": "pump-2 at 1.1 bar"}},
    {"labels": {"alertname": "ConsoleEscaping", "severity": "warning", "payload": XSS_LABEL},
     "annotations": {"summary": "<img src=x onerror=\"window.__xss=2\">"}},
    {"labels": {"alertname": "NoisySensor", "instance": "1", "severity": "warning"}},
])

options = webdriver.ChromeOptions()
for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--window-size=1280,1000", "--lang=en-US"):
    options.add_argument(arg)
options.binary_location = "/usr/bin/chromium"
driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
driver.set_page_load_timeout(20)
try:
    # Sign in: the console sends a visitor without a session to the login page.
    driver.get(API + "/console/alerts")
    assert driver.current_url.endswith("/console/login"), driver.current_url
    shot("login")
    driver.find_element(By.NAME, "token").send_keys("wrong")
    driver.find_element(By.CSS_SELECTOR, "form button").click()
    wait("the refusal", lambda: "not the bearer token" in body_text())
    driver.find_element(By.NAME, "token").send_keys(TOKEN)
    driver.find_element(By.CSS_SELECTOR, "form button").click()
    wait("the alerts page", lambda: driver.current_url.endswith("/console/alerts"))

    # Escalations first: their call is due 40 s after they start.
    wait("both escalations", lambda: len(request(API + "/api/v1/escalations", token=TOKEN) or []) == 2)
    driver.get(API + "/console/escalations")
    card = lambda name: driver.find_element(By.XPATH, f"//li[contains(@class,'card')][.//strong[text()='{name}']]")
    wait("the escalation's SMS result", lambda: "delivered" in card("BoilerOverTemp").text)
    shot("escalations")
    act("a click on Acknowledge", lambda: card("BoilerOverTemp").find_element(By.XPATH, ".//button[text()='Acknowledge']").click())
    wait("the acknowledgement", lambda: "Escalation acknowledged." in body_text())
    wait("the acknowledged card", lambda: "acked" in card("BoilerOverTemp").text and "api:console" in card("BoilerOverTemp").text)
    # Acknowledged elsewhere (as by phone) while the page is open: it shows without a reload.
    driver.execute_script("window.__stay = 1")
    pump = [e for e in request(API + "/api/v1/escalations", token=TOKEN) if e["alert_name"] == "PumpPressureLow"][0]
    request(API + "/api/v1/alerts/" + pump["short_id"] + "/ack", {"by": "phone-test"}, TOKEN)
    wait("the live update", lambda: "phone-test" in card("PumpPressureLow").text, 10)
    assert driver.execute_script("return window.__stay") == 1, "the page reloaded"
    shot("escalations-acked")

    # Alerts: every alert, the label holding <script> shown as text, nothing run.
    driver.get(API + "/console/alerts")
    text = wait("the alerts page's text", body_text)
    for needle in ("BoilerOverTemp", "boiler-3 at 92.5C, limit 90C", "PumpPressureLow", "NoisySensor", XSS_LABEL,
                   "<img src=x onerror=\"window.__xss=2\">"):
        assert needle in text, (needle, text)
    assert driver.execute_script("return window.__xss") is None, "a label's script ran"
    assert "pwned" not in driver.title, driver.title
    assert not driver.find_elements(By.CSS_SELECTOR, "main script, main img"), "markup from a label"
    shot("alerts")

    # Deliveries: the SMS with its SID and Twilio's status; the landline's error code explained.
    driver.get(API + "/console/deliveries")
    wait("the undelivered SMS", lambda: "30006" in body_text())
    text = wait("the deliveries page's text", body_text)
    assert "landline or unreachable carrier" in text and "undelivered" in text and "delivered" in text, text
    sids = [m["sid"] for m in sim("messages") if m["to"] == ONCALL]
    assert sids and all(s in text for s in sids), (sids, text)
    assert "GSM-7" in text, text
    shot("deliveries")

    # A silence from the alert's "Silence" link, then the next alert it matches is not sent.
    driver.get(API + "/console/alerts")
    group = "//section[contains(@class,'group')][.//strong[text()='NoisySensor']]"
    act("a click on Silence group", lambda: driver.find_element(By.XPATH, group).find_element(By.LINK_TEXT, "Silence group").click())
    wait("the silence form", lambda: "/console/silences?" in driver.current_url)
    area = driver.find_element(By.NAME, "matchers")
    assert 'alertname="NoisySensor"' in area.get_attribute("value"), area.get_attribute("value")
    area.clear()
    area.send_keys('alertname="NoisySensor"')
    driver.find_element(By.NAME, "comment").send_keys("sensor being replaced")
    shot("silence-form")
    driver.find_element(By.XPATH, "//button[text()='Create silence']").click()
    wait("the silence", lambda: "Silence created." in body_text())
    assert "sensor being replaced" in body_text()
    shot("silences")
    before = len([m for m in sim("messages") if "NoisySensor" in m["body"]])
    post_alerts([{"labels": {"alertname": "NoisySensor", "instance": "2", "severity": "warning"}},
                 {"labels": {"alertname": "ControlAlert", "severity": "warning"}}])
    wait("the unsilenced alert's SMS", lambda: any("ControlAlert" in m["body"] for m in sim("messages")))
    time.sleep(2)
    after = len([m for m in sim("messages") if "NoisySensor" in m["body"]])
    assert after == before, f"the silenced alert was sent ({before} -> {after})"
    driver.get(API + "/console/alerts")
    noisy2 = "//li[contains(@class,'card')][.//span[contains(., 'instance')][contains(., '2')]]"
    wait("the silenced alert marked", lambda: "silenced" in driver.find_element(By.XPATH, noisy2).text)

    # A handset texts STOP: the number is listed as opted out.
    sim_in = {"from": LANDLINE, "to": "+15005550006", "body": "STOP", "webhook_url": API + "/twilio/inbound"}
    request(SIM + "/_sim/inbound", sim_in)
    driver.get(API + "/console/opt-outs")
    wait("the opted-out number", lambda: LANDLINE in body_text())
    shot("opt-outs")

    driver.get(API + "/console/health")
    text = wait("the health page's text", body_text)
    assert "Store" in text and "answers in" in text and "Queue" in text and "Sender" in text, text
    shot("health")

    # A phone's screen.
    driver.set_window_size(390, 844)
    for page in ("alerts", "escalations", "deliveries"):
        driver.get(API + "/console/" + page)
        shot(page + "-phone")

    # Both escalations were acknowledged before their call was due: no call at all.
    remaining = 45 - (time.monotonic() - started)
    if remaining > 0:
        time.sleep(remaining)
    calls = sim("calls")
    assert calls == [], calls
    esc = {e["alert_name"]: e["state"] for e in request(API + "/api/v1/escalations", token=TOKEN)}
    assert esc == {"BoilerOverTemp": "acked", "PumpPressureLow": "acked"}, esc
    print("console checks passed in %.0f s" % (time.monotonic() - started))
finally:
    driver.quit()
PY
API="$api" SIM="$sim" TOKEN="$token" OUT="$out" CA="$work/sim-ca.pem" timeout 150 /usr/bin/python3 "$work/console_check.py" ||
  fail "the console checks in Chromium"
ls -l "$out"
echo "the console in Chromium passed"
