// alertd console: times in the browser's zone, and each page's live part refreshed every
// few seconds (paused while the tab is hidden or a control in it has focus).
(function () {
  "use strict";
  var fmt = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "medium" });

  function ago(ms) {
    var s = Math.round(ms / 1000), a = Math.abs(s);
    var text = a < 60 ? a + " s" : a < 3600 ? Math.round(a / 60) + " min"
      : a < 86400 ? Math.round(a / 3600) + " h" : Math.round(a / 86400) + " d";
    return s >= 0 ? text + " ago" : "in " + text;
  }

  function formatTimes(root) {
    var now = Date.now();
    root.querySelectorAll("time[datetime]").forEach(function (el) {
      var t = Date.parse(el.getAttribute("datetime"));
      if (isNaN(t) || t <= 0) { return; }
      var local = fmt.format(new Date(t));
      if (el.classList.contains("ago")) {
        el.textContent = ago(now - t);
        el.title = local;
      } else {
        el.textContent = local;
      }
    });
  }

  var live = null, state = null, busy = false, failures = 0;

  function setState(text) { if (state) { state.textContent = text; } }

  function refresh() {
    if (!live || busy || document.hidden) { return; }
    var focused = document.activeElement;
    if (focused && focused !== document.body && live.contains(focused)) { return; }
    busy = true;
    fetch(live.dataset.live, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (r) {
        if (r.status === 401) { window.location.assign("/console/login"); return null; }
        if (!r.ok) { throw new Error("HTTP " + r.status); }
        return r.text();
      })
      .then(function (html) {
        if (html === null) { return; }
        if (live.dataset.last !== html) {
          live.innerHTML = html;
          live.dataset.last = html;
          formatTimes(live);
        }
        failures = 0;
        setState("live · updated " + new Date().toLocaleTimeString());
      })
      .catch(function () {
        failures += 1;
        setState("offline: retrying");
      })
      .finally(function () { busy = false; });
  }

  document.addEventListener("DOMContentLoaded", function () {
    formatTimes(document);
    live = document.getElementById("live");
    state = document.getElementById("live-state");
    if (!live) { return; }
    setInterval(refresh, 3000);
    document.addEventListener("visibilitychange", refresh);
  });
})();
