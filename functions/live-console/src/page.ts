/**
 * The page and its script. The script renders every piece of device data with textContent and
 * SVG attributes it sets itself, never innerHTML, and the CSP forbids inline script: a device
 * can send any string, and it must stay a string.
 */
export const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>kiot live console</title>
<link rel="stylesheet" href="?asset=style.css">
<script src="?asset=app.js" defer></script>
</head>
<body>
<header><h1>kiot live console</h1><span id="status">connecting…</span></header>
<section id="charts" aria-label="charts"></section>
<table id="events" aria-label="events">
<thead><tr><th>time</th><th>type</th><th>application</th><th>device</th><th>channel</th><th>data</th></tr></thead>
<tbody></tbody>
</table>
</body>
</html>
`;

export const STYLE = `body{font:14px system-ui,sans-serif;margin:1rem;color:#222}
header{display:flex;gap:1rem;align-items:baseline}
#status{color:#666}
table{border-collapse:collapse;width:100%;margin-top:1rem}
td,th{border-bottom:1px solid #ddd;padding:.25rem .5rem;text-align:left;vertical-align:top}
td.data{font-family:monospace;white-space:pre-wrap;word-break:break-all;max-width:40rem}
tr.rejected{background:#fde8e8}
tr.rejected td.errors{color:#a00;font-weight:600}
#charts{display:flex;flex-wrap:wrap;gap:1rem}
figure{margin:0;border:1px solid #ddd;padding:.5rem}
figcaption{font-size:12px;color:#444}
svg polyline{fill:none;stroke:#1565c0;stroke-width:1.5}
svg circle{fill:#1565c0}
`;

export const SCRIPT = `'use strict';
(function () {
  var since = 0;
  var series = {};
  var rows = document.querySelector('#events tbody');
  var charts = document.getElementById('charts');
  var status = document.getElementById('status');
  var MAX_ROWS = 200, MAX_POINTS = 120, SVG = 'http://www.w3.org/2000/svg';

  function cell(tr, text, cls) {
    var td = document.createElement('td');
    td.textContent = text;
    if (cls) td.className = cls;
    tr.appendChild(td);
  }
  function shortType(t) { return String(t).replace('io.kiot.telemetry.', ''); }
  function numbers(values, prefix, out) {
    Object.keys(values || {}).forEach(function (k) {
      var v = values[k], key = prefix ? prefix + '.' + k : k;
      if (typeof v === 'number' && isFinite(v)) out[key] = v;
      else if (v && typeof v === 'object' && !Array.isArray(v)) numbers(v, key, out);
    });
    return out;
  }
  function plot(key, device, field, time, value) {
    var s = series[key];
    if (!s) {
      var fig = document.createElement('figure');
      var cap = document.createElement('figcaption');
      cap.textContent = device + ' · ' + field;
      var svg = document.createElementNS(SVG, 'svg');
      svg.setAttribute('width', '320'); svg.setAttribute('height', '120'); svg.setAttribute('viewBox', '0 0 320 120');
      var line = document.createElementNS(SVG, 'polyline');
      var dot = document.createElementNS(SVG, 'circle');
      dot.setAttribute('r', '3');
      svg.appendChild(line); svg.appendChild(dot); fig.appendChild(svg); fig.appendChild(cap); charts.appendChild(fig);
      fig.setAttribute('data-series', key);
      s = series[key] = { points: [], line: line, dot: dot, caption: cap, device: device, field: field };
    }
    // Events arrive in any order (the broker delivers concurrently): keep the series in time order.
    s.points.push([Date.parse(time), value]);
    s.points.sort(function (a, b) { return a[0] - b[0]; });
    if (s.points.length > MAX_POINTS) s.points.shift();
    var xs = s.points.map(function (p) { return p[0]; }), ys = s.points.map(function (p) { return p[1]; });
    var x0 = Math.min.apply(null, xs), x1 = Math.max.apply(null, xs), y0 = Math.min.apply(null, ys), y1 = Math.max.apply(null, ys);
    var pts = s.points.map(function (p) {
      var x = x1 === x0 ? 160 : 10 + (300 * (p[0] - x0)) / (x1 - x0);
      var y = y1 === y0 ? 60 : 110 - (100 * (p[1] - y0)) / (y1 - y0);
      return x.toFixed(1) + ',' + y.toFixed(1);
    });
    s.line.setAttribute('points', pts.join(' '));
    var last = pts[pts.length - 1].split(',');
    s.dot.setAttribute('cx', last[0]); s.dot.setAttribute('cy', last[1]);
    s.caption.textContent = s.device + ' · ' + s.field + ' = ' + s.points[s.points.length - 1][1];
  }
  function show(e) {
    var tr = document.createElement('tr');
    var rejected = /rejected/.test(e.type);
    tr.className = rejected ? 'rejected' : 'event';
    cell(tr, e.time); cell(tr, shortType(e.type)); cell(tr, e.application); cell(tr, e.device); cell(tr, e.channel);
    if (rejected && e.data && Array.isArray(e.data.errors)) {
      cell(tr, e.data.errors.map(function (x) { return (x.instancePath || '/') + ' ' + x.message; }).join('; '), 'errors');
    } else cell(tr, JSON.stringify(e.data), 'data');
    rows.insertBefore(tr, rows.firstChild);
    while (rows.children.length > MAX_ROWS) rows.removeChild(rows.lastChild);
    if (/validated/.test(e.type) && e.data && Array.isArray(e.data.records)) {
      e.data.records.forEach(function (r) {
        var nums = numbers(r.values, '', {});
        Object.keys(nums).forEach(function (f) { plot(e.application + '/' + e.device + '/' + f, e.device, f, r.time, nums[f]); });
      });
    }
  }
  function poll() {
    fetch('?view=events&since=' + since, { headers: { accept: 'application/json' } })
      .then(function (r) { if (!r.ok) throw new Error(String(r.status)); return r.json(); })
      .then(function (body) {
        body.events.forEach(show);
        since = body.last;
        status.textContent = 'live · ' + since + ' events seen';
      })
      .catch(function (err) { status.textContent = 'disconnected (' + err.message + '), retrying'; })
      .then(function () { setTimeout(poll, 1000); });
  }
  poll();
})();
`;
