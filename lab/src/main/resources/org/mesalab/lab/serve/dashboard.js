// The mesalab dashboard's pages, filled from the JSON API (/api/...). Charts are uPlot (hover shows the
// values, drag zooms, double-click zooms out). Pages poll while runs train: no reload needed.
(function () {
  'use strict';
  var page = document.body.dataset.page;
  var PERCENT = {progress: 1, train_success: 1, test_intended: 1, test_misgeneralized: 1};
  var COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#17becf', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#393b79', '#637939'];

  function get(url) {
    return fetch(url, {cache: 'no-store'}).then(function (r) {
      return r.json().then(function (body) {
        if (!r.ok) { throw new Error(body.error || (url + ': HTTP ' + r.status)); }
        return body;
      });
    });
  }
  function pct(v) { return v == null ? '' : (100 * v).toFixed(1) + '%'; }
  function make(tag, text, cls) {
    var e = document.createElement(tag);
    if (text != null) { e.textContent = text; }
    if (cls) { e.className = cls; }
    return e;
  }
  function notice(message) { var b = document.getElementById('busy'); if (b) { b.textContent = message || ''; } }
  function enc(s) { return encodeURIComponent(s); }

  // A learning-curve chart: x = env steps, one series per entry of `series` ({label, values, scale}).
  function chart(box, xs, series, yLabel) {
    var opts = {
      width: Math.max(400, box.clientWidth || 900), height: 320,
      scales: {x: {time: false}, y: {range: [0, 1]}},
      series: [{label: 'step', value: function (u, v) { return v == null ? '--' : Math.round(v).toLocaleString('en-US'); }}],
      axes: [{label: 'env steps'}, {label: yLabel, scale: 'y'}],
      cursor: {drag: {x: true, y: false}}
    };
    var data = [xs];
    series.forEach(function (s, i) {
      var scale = s.scale || 'y';
      if (scale !== 'y' && !opts.scales[scale]) {
        opts.scales[scale] = {};
        opts.axes.push({label: s.label, scale: scale, side: 1, grid: {show: false}});
      }
      opts.series.push({label: s.label, scale: scale, stroke: COLOURS[i % COLOURS.length], width: 2, spanGaps: true,
        value: function (u, v) { return v == null ? '--' : v.toFixed(3); }});
      data.push(s.values);
    });
    return new uPlot(opts, data, box);
  }

  // ---- the run list ----
  var runs = [], sortKey = 'experiment', sortDir = 1, picked = {};
  function value(r, key) {
    if (key === 'progress') { return r.last_step != null && r.steps ? Math.min(1, r.last_step / r.steps) : null; }
    if (key === 'mesalab') { return r.versions ? r.versions.mesalab : null; }
    return r[key];
  }
  function shown(r, key) {
    var v = value(r, key);
    if (v == null) { return ''; }
    if (PERCENT[key]) { return pct(v); }
    if (key === 'git_commit') { return String(v).slice(0, 8); }
    return String(v);
  }
  function keys() { return Array.prototype.map.call(document.querySelectorAll('#runs th[data-key]'), function (th) { return th.dataset.key; }); }
  function renderRuns() {
    var q = document.getElementById('filter').value.trim().toLowerCase();
    var ks = keys();
    var list = runs.filter(function (r) {
      return !q || r.run_id.toLowerCase().indexOf(q) >= 0 || ks.some(function (k) { return shown(r, k).toLowerCase().indexOf(q) >= 0; });
    });
    list.sort(function (a, b) {
      var x = value(a, sortKey), y = value(b, sortKey);
      if (x == null && y == null) { return a.run_id < b.run_id ? -1 : 1; }
      if (x == null) { return 1; }
      if (y == null) { return -1; }
      var c = (typeof x === 'number' && typeof y === 'number') ? x - y : String(x).localeCompare(String(y));
      return c !== 0 ? sortDir * c : (a.run_id < b.run_id ? -1 : 1);
    });
    var body = document.querySelector('#runs tbody');
    body.textContent = '';
    list.forEach(function (r) {
      var tr = make('tr');
      tr.dataset.id = r.run_id;
      var box = make('input');
      box.type = 'checkbox';
      box.checked = !!picked[r.run_id];
      box.onchange = function () { if (box.checked) { picked[r.run_id] = r; } else { delete picked[r.run_id]; } };
      var td0 = make('td');
      td0.appendChild(box);
      tr.appendChild(td0);
      ks.forEach(function (k) {
        var td = make('td', null, k === 'status' ? 'status status-' + r.status : null);
        if (k === 'condition') {
          var a = make('a', shown(r, k));
          a.href = '/run?id=' + enc(r.run_id);
          td.appendChild(a);
        } else {
          td.textContent = shown(r, k);
        }
        tr.appendChild(td);
      });
      body.appendChild(tr);
    });
    document.getElementById('count').textContent = list.length + ' of ' + runs.length + ' runs';
    document.querySelectorAll('#runs th[data-key]').forEach(function (th) {
      th.className = th.dataset.key === sortKey ? (sortDir > 0 ? 'sorted-up' : 'sorted-down') : '';
    });
  }
  function renderExperiments(list) {
    var body = document.querySelector('#experiments tbody');
    body.textContent = '';
    list.forEach(function (e) {
      var tr = make('tr');
      tr.appendChild(make('td', e.name));
      tr.appendChild(make('td', e.description || ''));
      tr.appendChild(make('td', String(e.runs)));
      tr.appendChild(make('td', e.updated || ''));
      var td = make('td');
      var a = make('a', 'report');
      a.href = '/experiments/' + enc(e.name) + '/report';
      td.appendChild(a);
      tr.appendChild(td);
      body.appendChild(tr);
    });
  }
  function refreshIndex() {
    Promise.all([get('/api/experiments'), get('/api/runs'), get('/api/status')]).then(function (all) {
      renderExperiments(all[0]);
      runs = all[1];
      renderRuns();
      notice(all[2].store_busy ? 'store busy: an experiment is writing a run; showing what was read last' : '');
    }).catch(function (e) { notice('cannot refresh: ' + e.message); })
      .then(function () { setTimeout(refreshIndex, 3000); });
  }
  function indexPage() {
    document.getElementById('filter').oninput = renderRuns;
    document.querySelectorAll('#runs th[data-key]').forEach(function (th) {
      th.onclick = function () { if (sortKey === th.dataset.key) { sortDir = -sortDir; } else { sortKey = th.dataset.key; sortDir = 1; } renderRuns(); };
    });
    document.getElementById('compare').onclick = function () {
      var ids = Object.keys(picked);
      if (ids.length) { location.href = '/compare?' + ids.map(function (i) { return 'id=' + enc(i); }).join('&'); }
    };
    document.getElementById('compare-conditions').onclick = function () {
      var seen = {};
      Object.keys(picked).forEach(function (i) { var r = picked[i]; if (r.experiment) { seen[r.experiment + '/' + r.condition] = 1; } });
      var cs = Object.keys(seen);
      if (cs.length) { location.href = '/compare?' + cs.map(function (c) { return 'condition=' + enc(c); }).join('&'); }
    };
    refreshIndex();
  }

  // ---- one run ----
  function runPage() {
    var box = document.getElementById('curve');
    var id = box.dataset.id, xs = [], success = [], ret = [], last = -1, u = null;
    function add(points) {
      points.forEach(function (p) {
        xs.push(p.global_step);
        success.push(p.train_success == null ? null : p.train_success);
        ret.push(p.mean_return == null ? null : p.mean_return);
        last = p.global_step;
      });
    }
    function progress(status, steps) {
      document.getElementById('status').textContent = status;
      document.getElementById('progress').textContent = last >= 0 && steps ? '(' + last.toLocaleString('en-US') + ' / ' + steps.toLocaleString('en-US')
        + ' steps, ' + xs.length + ' points)' : '(' + xs.length + ' points)';
    }
    function poll(steps) {
      setTimeout(function () {
        get('/api/metrics?id=' + enc(id) + '&after=' + last).then(function (m) {
          if (m.points.length) { add(m.points); u.setData([xs, success, ret]); }
          progress(m.status, steps);
          if (m.status === 'finished') { location.reload(); return; } // stored: evaluations and diagnoses are there now
          poll(steps);
        }).catch(function (e) { notice('cannot refresh: ' + e.message); poll(steps); });
      }, 2000);
    }
    get('/api/run?id=' + enc(id)).then(function (d) {
      add(d.metrics);
      u = chart(box, xs, [{label: 'train success', values: success}, {label: 'mean return', values: ret, scale: 'ret'}], 'train success');
      progress(d.run.status, d.run.steps);
      if (d.live) { poll(d.run.steps); }
    }).catch(function (e) { notice(e.message); });
  }

  // ---- compare ----
  function comparePage() {
    var box = document.getElementById('curve');
    get('/api/compare?' + document.body.dataset.query).then(function (d) {
      var steps = {};
      d.selections.forEach(function (s) { s.curve.forEach(function (p) { steps[p[0]] = 1; }); });
      var xs = Object.keys(steps).map(Number).sort(function (a, b) { return a - b; });
      var series = d.selections.map(function (s) {
        var at = {};
        s.curve.forEach(function (p) { at[p[0]] = p[1]; });
        return {label: s.name, values: xs.map(function (x) { return at[x] == null ? null : at[x]; })};
      });
      chart(box, xs, series, 'train success');
    }).catch(function (e) { notice(e.message); });
  }

  if (page === 'index') { indexPage(); }
  if (page === 'run') { runPage(); }
  if (page === 'compare') { comparePage(); }
})();
