/* Run index: totals, findings-by-kind bars, changes since the last run, and the
   article table.  Rows are built once; filtering only flips `hidden` and sorting
   only moves the existing rows, so a run of hundreds of articles stays quick. */
(function () {
  'use strict';
  var el = CA.el, add = CA.add;
  var D = CA.data();
  var A = D.articles || [];

  function articleLink(id, dir, label) {
    if (!dir) return el('span', null, label);
    var a = el('a', null, label);
    // dir is [A-Za-z0-9._-] only (made so in Python); encode anyway.
    a.href = 'articles/' + encodeURIComponent(dir) + '/report.html';
    return a;
  }

  function meta() {
    var run = D.run || {};
    var box = document.getElementById('run-meta');
    [['run', run.run_id], ['started', run.started_at], ['finished', run.finished_at],
     ['previous run', run.previous_run_id], ['scored', run.scored], ['reused unchanged', run.reused],
     ['Entrez requests', run.entrez_requests], ['resumed', run.resumed ? 'yes' : null],
     ['degraded run', run.degraded_because]].forEach(function (kv) {
      if (kv[1] === undefined || kv[1] === null || kv[1] === '') return;
      var s = add(box, el('span', 'meta-item'));
      add(s, el('span', 'meta-key', kv[0] + ': '));
      add(s, el('span', 'meta-val', kv[1]));
    });
  }

  function totals() {
    var t = D.totals || {};
    var box = document.getElementById('totals');
    [['articles', t.articles], ['with findings', t.with_findings], ['could not be read', t.errors],
     ['with no citations', t.no_citations], ['claims', t.claims], ['references', t.references],
     ['findings', t.findings]].forEach(function (kv) {
      var c = add(box, el('div', 'card'));
      add(c, el('strong', null, kv[1] || 0));
      add(c, el('span', null, kv[0]));
    });
    CA.SEVERITIES.forEach(function (s) {
      var c = add(box, el('div', 'card sev-' + s));
      add(c, el('strong', null, t[s] || 0));
      add(c, CA.badge('sev', s));
    });
    var kinds = D.by_kind || {};
    var names = Object.keys(kinds);
    var chart = document.getElementById('kind-chart');
    if (!names.length) { add(chart, el('p', 'hint', 'No findings in this run.')); return; }
    var max = Math.max.apply(null, names.map(function (k) { return kinds[k]; }));
    var tbl = add(chart, el('table', 'bars'));
    tbl.setAttribute('role', 'img');
    tbl.setAttribute('aria-label', 'Findings by kind');
    names.forEach(function (k) {
      var tr = add(tbl, el('tr'));
      add(tr, el('th', null, k.replace(/_/g, ' ')));
      var td = add(tr, el('td', 'bar-cell'));
      var bar = add(td, el('span', 'bar'));
      bar.style.width = Math.max(1, Math.round(100 * kinds[k] / max)) + '%';
      add(tr, el('td', 'num', kinds[k]));
    });
  }

  function changes() {
    var ch = D.changes;
    if (!ch) return;
    document.getElementById('changes-section').hidden = false;
    var box = document.getElementById('changes');
    var cards = add(box, el('div', 'totals'));
    [['new', 'new findings'], ['persisting', 'persisting'], ['resolved', 'resolved']].forEach(function (kv) {
      var c = add(cards, el('div', 'card change-' + kv[0]));
      c.id = 'count-' + kv[0];
      add(c, el('strong', null, (ch[kv[0]] || {}).count || 0));
      add(c, el('span', null, kv[1]));
    });
    ['new', 'persisting', 'resolved'].forEach(function (k) {
      var part = ch[k] || { count: 0, rows: [] };
      if (!part.count) return;
      var det = add(box, el('details', 'change-list'));
      det.id = 'changes-' + k;
      if (k !== 'persisting') det.open = true;
      add(det, el('summary', null, k.charAt(0).toUpperCase() + k.slice(1) + ' (' + part.count + ')'));
      var tbl = add(det, el('table', 'changes'));
      var hr = add(add(tbl, el('thead')), el('tr'));
      ['article', 'severity', 'kind', 'finding', 'claim'].forEach(function (h) { add(hr, el('th', null, h)); });
      var tb = add(tbl, el('tbody'));
      part.rows.forEach(function (f) {
        var tr = add(tb, el('tr'));
        // Resolved findings may belong to an article that is gone: no link then.
        add(add(tr, el('td')), articleLink(f.article_id, f.dir, f.article_id));
        add(add(tr, el('td')), f.severity ? CA.badge('sev', f.severity) : null);
        add(tr, el('td', null, String(f.kind || '').replace(/_/g, ' ')));
        add(tr, el('td', null, f.message || ''));
        add(tr, el('td', 'claim-cell', f.claim_text || ''));
      });
      if (part.count > part.rows.length) {
        add(det, el('p', 'hint', (part.count - part.rows.length) + ' more in run.json.'));
      }
    });
  }

  var COLS = [
    { key: 'id', label: 'Article', type: 's' },
    { key: 'title', label: 'Title', type: 's' },
    { key: 'claims', label: 'Claims', type: 'n' },
    { key: 'references', label: 'Refs', type: 'n' },
    { key: 'findings', label: 'Findings', type: 'n' },
    { key: 'high', label: 'High', type: 'n' },
    { key: 'medium', label: 'Medium', type: 'n' },
    { key: 'low', label: 'Low', type: 'n' },
    { key: 'new', label: 'New', type: 'n' },
    { key: 'note', label: 'Note', type: 's' }
  ];
  var rows = [];   // {tr, a, hay}
  var sortKey = null, sortDir = 1;

  function note(a) {
    if (a.error) return 'could not be read: ' + a.error;
    if (a.no_citations) return 'no citations';
    return '';
  }

  function table() {
    var tbl = document.getElementById('articles');
    var hr = tbl.tHead.rows[0];
    var hasNew = !!D.changes;
    COLS.forEach(function (c) {
      if (c.key === 'new' && !hasNew) return;
      var th = add(hr, el('th', c.type === 'n' ? 'num' : null));
      th.dataset.key = c.key;
      th.setAttribute('aria-sort', 'none');
      var b = add(th, el('button', 'sort', c.label));
      b.type = 'button';
      b.addEventListener('click', function () { sortBy(c.key, c.type); });
    });
    var tb = tbl.tBodies[0];
    var frag = document.createDocumentFragment();
    A.forEach(function (a, i) {
      a.note = note(a);
      a._i = i;
      var tr = el('tr', a.error ? 'row-error' : a.no_citations ? 'row-nocite' : null);
      tr.dataset.id = a.id;
      COLS.forEach(function (c) {
        if (c.key === 'new' && !hasNew) return;
        var td = add(tr, el('td', c.type === 'n' ? 'num' : null));
        if (c.key === 'id') add(td, articleLink(a.id, a.dir, a.id));
        else if (c.key === 'note') td.textContent = a.note;
        else if (CA.SEVERITIES.indexOf(c.key) >= 0 && a[c.key]) {
          add(td, el('span', 'sevnum sev-' + c.key, a[c.key]));
        } else td.textContent = a[c.key] === undefined ? '' : a[c.key];
      });
      frag.appendChild(tr);
      rows.push({ tr: tr, a: a, hay: (a.id + '\n' + a.title + '\n' + a.note).toLowerCase() });
    });
    tb.appendChild(frag);
    var errs = A.filter(function (a) { return a.error; });
    if (errs.length) {
      document.getElementById('errors-section').hidden = false;
      var ul = document.getElementById('errors');
      errs.forEach(function (a) {
        var li = add(ul, el('li'));
        add(li, articleLink(a.id, a.dir, a.id));
        add(li, el('span', 'error-text', ': ' + a.error));
      });
    }
  }

  function sortBy(key, type) {
    if (sortKey === key) sortDir = -sortDir;
    else { sortKey = key; sortDir = type === 'n' ? -1 : 1; }
    rows.sort(function (x, y) {
      var a = x.a[key], b = y.a[key], r;
      if (type === 'n') r = (a || 0) - (b || 0);
      else r = String(a || '').localeCompare(String(b || ''), undefined, { numeric: true, sensitivity: 'base' });
      return r * sortDir || x.a._i - y.a._i;
    });
    var frag = document.createDocumentFragment();
    rows.forEach(function (r) { frag.appendChild(r.tr); });
    document.getElementById('articles').tBodies[0].appendChild(frag);
    document.querySelectorAll('#articles th').forEach(function (th) {
      th.setAttribute('aria-sort', th.dataset.key === key ? (sortDir > 0 ? 'ascending' : 'descending') : 'none');
    });
  }

  function matches(a, sv) {
    switch (sv) {
      case '': return true;
      case 'high': case 'medium': case 'low': return a[sv] > 0;
      case 'any': return a.findings > 0;
      case 'none': return !a.findings && !a.error;
      case 'new': return a['new'] > 0;
      case 'error': return !!a.error;
      case 'nocite': return a.no_citations;
    }
    return true;
  }

  function filter() {
    var q = document.getElementById('text-filter').value.trim().toLowerCase();
    var sv = document.getElementById('sev-filter').value;
    var shown = 0;
    for (var i = 0; i < rows.length; i++) {
      var r = rows[i];
      var ok = (!q || r.hay.indexOf(q) >= 0) && matches(r.a, sv);
      if (r.tr.hidden === ok) r.tr.hidden = !ok;   // touch the DOM only when it changes
      if (ok) shown++;
    }
    document.getElementById('shown-count').textContent = shown + ' of ' + rows.length + ' articles shown';
  }

  meta();
  totals();
  changes();
  table();
  document.getElementById('text-filter').addEventListener('input', filter);
  document.getElementById('sev-filter').addEventListener('change', filter);
  filter();
  // Print shows everything: closed lists open.
  window.addEventListener('beforeprint', function () {
    document.querySelectorAll('details').forEach(function (d) { d.open = true; });
  });
  document.body.dataset.ready = '1';
})();
