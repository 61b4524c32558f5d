// pgloom's live page: polls /live/state.json every 2 s and fills the page with textContent only (values from
// clients and PostgreSQL are never parsed as HTML). No framework, no external files.
"use strict";
(function () {
  var PERIOD_MS = 2000;
  var STATE_URL = new URL("/live/state.json", location.origin); // location.origin: no credentials in the URL
  var $ = function (id) { return document.getElementById(id); };

  function text(id, v) { $(id).textContent = v; }
  function el(tag, content, cls) {
    var e = document.createElement(tag);
    if (content !== undefined) e.textContent = content;
    if (cls) e.className = cls;
    return e;
  }
  function row(cells) {
    var tr = document.createElement("tr");
    cells.forEach(function (c) { tr.appendChild(c instanceof Node ? c : el("td", String(c))); });
    return tr;
  }
  function replace(id, nodes) {
    var box = $(id);
    while (box.firstChild) box.removeChild(box.firstChild);
    nodes.forEach(function (n) { box.appendChild(n); });
  }
  function runbookLink(anchor, label) {
    var a = el("a", label);
    a.href = "/live/runbook#" + encodeURIComponent(anchor);
    return a;
  }
  function seconds(s) { return s < 10 ? s.toFixed(1) + " s" : Math.round(s) + " s"; }

  function render(s) {
    text("version", s.version);
    text("listen-address", s.listener.address);
    var tlsMissing = s.listener.tls !== "disable" && !s.listener.tls_loaded;
    text("listen-tls", s.listener.tls + (tlsMissing ? " (not loaded)" : ""));
    text("listen-accepting", s.listener.accepting ? "yes" : "NO");
    text("clients-total", s.clients.total);
    text("clients-max", s.clients.max);
    text("clients-active", s.clients.active);
    text("clients-idle", s.clients.idle);
    text("clients-waiting", s.clients.waiting);
    $("clients-waiting").className = s.clients.waiting > 0 ? "waiting" : "";
    text("clients-idle-in-transaction", s.clients.idle_in_transaction);
    var versions = {};
    replace("pools", s.pools.map(function (p) {
      if (p.server_version) versions[p.database] = p.server_version;
      var tr = row([p.database + "/" + p.user, p.mode + (p.paused ? " (paused)" : ""),
        (p.servers_active) + " / " + p.size, p.servers_idle, p.clients_active, p.clients_idle,
        el("td", String(p.clients_waiting), p.clients_waiting > 0 ? "waiting" : ""), seconds(p.maxwait_seconds)]);
      tr.dataset.pool = p.database + "/" + p.user;
      return tr;
    }));
    text("pools-caption", "per database/user" + (s.pools_total > s.pools.length
      ? ": the " + s.pools.length + " busiest of " + s.pools_total : ""));
    replace("backends", s.backends.map(function (b) {
      var tr = row([b.database + " → " + b.host + (b.current ? " (current)" : ""),
        el("td", b.state + (b.state === "down" && b.last_error ? ": " + b.last_error : ""), "state-" + b.state),
        b.role, versions[b.database] || "–", b.connections,
        b.last_check_seconds_ago < 0 ? "not checked" : seconds(b.last_check_seconds_ago) + " ago"]);
      tr.dataset.database = b.database;
      tr.dataset.host = b.host;
      tr.dataset.state = b.state;
      return tr;
    }));
    text("backends-caption", "per database" + (s.backends_total > s.backends.length
      ? ": " + s.backends.length + " of " + s.backends_total : ""));
    replace("attention", s.attention.length === 0 ? [el("li", "nothing: every check is fine")]
      : s.attention.map(function (a) {
        var li = el("li");
        li.appendChild(el("span", a.severity + ": ", "severity-" + a.severity));
        li.appendChild(document.createTextNode(a.text + " — "));
        li.appendChild(runbookLink(a.runbook, "runbook"));
        return li;
      }));
    text("flights-count", s.flights.length);
    $("flights-runbook").href = "/live/runbook#" + encodeURIComponent(s.flights_runbook);
    replace("flights", s.flights.map(function (f) {
      var li = el("li", new Date(f.at).toLocaleTimeString() + " " + f.client + " reason=" + f.reason);
      li.appendChild(el("pre", f.messages));
      return li;
    }));
    text("period", s.period_seconds);
    charts(s.series);
    text("status", (s.shutting_down ? "SHUTTING DOWN · " : "") + "up " + seconds(s.uptime_seconds)
      + " · updated " + new Date(s.now).toLocaleTimeString());
  }

  function last(a) { return a.length ? a[a.length - 1] : 0; }

  // The x axis is the ring's whole span (the newest point at the right edge), so the time scale never changes.
  function draw(id, lines, capacity) {
    var svg = $(id), W = 300, H = 80, max = 0, step = W / Math.max(1, capacity - 1);
    lines.forEach(function (l) { l.forEach(function (v) { max = Math.max(max, v); }); });
    while (svg.firstChild) svg.removeChild(svg.firstChild);
    var ns = "http://www.w3.org/2000/svg";
    lines.forEach(function (l, i) {
      var pl = document.createElementNS(ns, "polyline");
      pl.setAttribute("points", l.map(function (v, x) {
        var y = H - 2 - (max > 0 ? v / max * (H - 12) : 0);
        return (W - (l.length - 1 - x) * step).toFixed(1) + "," + y.toFixed(1);
      }).join(" "));
      if (i > 0) pl.setAttribute("class", "alt");
      svg.appendChild(pl);
    });
    var label = document.createElementNS(ns, "text");
    label.setAttribute("x", "3");
    label.setAttribute("y", "9");
    label.textContent = "max " + (Math.round(max * 100) / 100);
    svg.appendChild(label);
  }

  function charts(series) {
    draw("chart-tps", [series.tps], series.capacity);
    text("tps-now", (Math.round(last(series.tps) * 10) / 10).toString());
    draw("chart-wait", [series.wait_ms], series.capacity);
    text("wait-now", (Math.round(last(series.wait_ms) * 100) / 100).toString());
    var classes = {};
    series.errors.forEach(function (e) { Object.keys(e).forEach(function (c) { classes[c] = true; }); });
    var names = Object.keys(classes).sort();
    draw("chart-errors", names.length ? names.map(function (c) {
      return series.errors.map(function (e) { return e[c] || 0; });
    }) : [series.errors.map(function () { return 0; })], series.capacity);
    var now = series.errors.length ? series.errors[series.errors.length - 1] : {};
    text("errors-now", names.length ? names.map(function (c) {
      return c + "xxx " + (Math.round((now[c] || 0) * 100) / 100);
    }).join(", ") + " (solid: " + names[0] + "xxx; dashed: the others)" : "none");
  }

  function poll() {
    var xhr = new XMLHttpRequest();
    xhr.open("GET", STATE_URL.href);
    xhr.onload = function () {
      if (xhr.status === 200) render(JSON.parse(xhr.responseText));
      else text("status", "could not read the state: HTTP " + xhr.status + " (reload the page to sign in again)");
      setTimeout(poll, PERIOD_MS);
    };
    xhr.onerror = function () {
      text("status", "pgloom does not answer; trying again every " + PERIOD_MS / 1000 + " s");
      setTimeout(poll, PERIOD_MS);
    };
    xhr.send();
  }
  poll();
})();
