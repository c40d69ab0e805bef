/* Article page: the text with claims and verdict-coloured markers, the findings
   list (filters, j/k keys) and the claim-beside-source panel. */
(function () {
  'use strict';
  var el = CA.el, add = CA.add;
  var D = CA.data();
  var VERDICT_WORDS = {
    relevant: 'relevant: the source is about what the claim says',
    weak: 'weak: the source touches the claim only partly, or its evidence is too narrow',
    off_topic: 'off topic: the source is about something else',
    unverifiable: 'unverifiable: the source could not be checked (no record or no abstract)',
    missing: 'missing: the marker has no usable entry in the reference list, or PubMed has no such record'
  };

  // A marker's colour is the most severe finding on its citation; with none, whether it was checked.
  var MARKER_WORDS = {
    high: 'high: a finding that needs fixing before publication',
    medium: 'medium: a finding to check',
    low: 'low: advisory',
    ok: 'no finding: the source was checked against the claim',
    unchecked: 'no finding, but not checked: no record, no abstract or no reference entry'
  };
  // Distinct words: a reference "found in PubMed" is not a finding "fixed".
  var STATUS_WORDS = { resolved: 'found in PubMed', not_found: 'not in PubMed', unresolved: 'not identified',
                       fetch_failed: 'could not be fetched', pending: 'not looked up' };
  function statusBadge(st) {
    var b = CA.badge('status', st || 'pending');
    b.textContent = STATUS_WORDS[st || 'pending'] || String(st).replace(/_/g, ' ');
    return b;
  }
  function markerClass(v, sev) {
    var s = sev || (v === 'unverifiable' || v === 'missing' ? 'unchecked' : 'ok');
    return 'marker v-' + String(v).replace(/[^a-z_]/g, '') + ' s-' + s.replace(/[^a-z]/g, '');
  }

  var claims = {}, refs = {}, pairs = {}, drifts = {}, verdicts = {}, markerSev = {}, problemsOf = {};
  (D.claims || []).forEach(function (c) { claims[c.id] = c; });
  (D.references || []).forEach(function (r) { refs[r.id] = r; });
  (D.pairs || []).forEach(function (p) { pairs[p.claim_id + '\u0000' + p.reference_id] = p; });
  (D.drifts || []).forEach(function (d) { drifts[d.claim_id] = d; });
  (D.marker_verdicts || []).forEach(function (t) { verdicts[t[0] + '\u0000' + t[1]] = t[2]; });
  (D.marker_severity || []).forEach(function (t) { markerSev[t[0] + '\u0000' + t[1]] = t[2]; });
  (D.problems || []).forEach(function (p) {
    (p.markers || []).forEach(function (m) {
      var k = m[0] + '\u0000' + m[1];
      (problemsOf[k] = problemsOf[k] || []).push(p);
    });
  });

  var claimNodes = {};    // claim id -> first span of the claim in the text
  var markerNodes = {};   // claim id \0 ref id -> marker button
  var current = null;     // the highlighted claim/marker nodes

  // ---------------------------------------------------------------- header
  function header() {
    var a = D.article || {};
    var meta = document.getElementById('article-meta');
    [['id', a.id], ['file', a.path], ['format', a.format], ['subject', a.subject],
     ['sha256', a.sha256 ? String(a.sha256).slice(0, 12) : '']].forEach(function (kv) {
      if (!kv[1]) return;
      var s = add(meta, el('span', 'meta-item'));
      add(s, el('span', 'meta-key', kv[0] + ': '));
      add(s, el('span', 'meta-val', kv[1]));
    });
    var sum = D.summary || {};
    var box = document.getElementById('summary');
    [['claims', sum.claims], ['cited claims', sum.cited_claims], ['references', sum.references],
     ['pairs', sum.pairs], ['findings', sum.findings]].forEach(function (kv) {
      var s = add(box, el('span', 'stat'));
      add(s, el('strong', null, kv[1] === undefined ? 0 : kv[1]));
      add(s, el('span', null, ' ' + kv[0]));
    });
    var bs = sum.by_severity || {};
    CA.SEVERITIES.forEach(function (sv) {
      var s = add(box, el('span', 'stat'));
      add(s, CA.badge('sev', sv));
      add(s, el('span', null, ' ' + (bs[sv] || 0)));
    });
    if (D.error) {
      var e = add(document.getElementById('error-box'), el('div', 'notice error'));
      add(e, el('strong', null, 'This article could not be read: '));
      add(e, el('span', 'error-text', D.error));
    } else if (sum.claims && !sum.cited_claims) {
      add(document.getElementById('error-box'), el('div', 'notice', 'No claim in this article cites a reference.'));
    }
  }

  // ---------------------------------------------------------------- text
  function legend() {
    var lg = document.getElementById('legend');
    add(lg, el('span', null, 'A marker\u2019s colour is the most severe finding on that citation: '));
    Object.keys(MARKER_WORDS).forEach(function (v) {
      var b = add(lg, el('span', 'marker s-' + v, v === 'ok' ? 'no finding' : v === 'unchecked' ? 'not checked' : v));
      b.title = MARKER_WORDS[v];
    });
    add(lg, el('span', 'hint', ' A dashed marker was added here: the text does not show it (a range, or a format that drops markers).'));
  }

  function text() {
    var box = document.getElementById('article-text');
    var frag = document.createDocumentFragment();
    var claimSpan = null, claimId = null;
    (D.segments || []).forEach(function (sg) {
      if (!sg.c) {
        claimSpan = null; claimId = null;
        frag.appendChild(document.createTextNode(sg.t));
        return;
      }
      if (claimId !== sg.c) {
        claimSpan = add(frag, el('span', 'claim'));
        claimSpan.dataset.claim = sg.c;
        claimSpan.id = 'claim-' + sg.c.replace(/[^A-Za-z0-9_-]/g, '_');
        claimSpan.title = 'claim ' + sg.c;
        if (drifts[sg.c] && drifts[sg.c].drifts) claimSpan.classList.add('drifts');
        claimNodes[sg.c] = claimSpan;
        claimId = sg.c;
      }
      if (sg.r === undefined) {
        claimSpan.appendChild(document.createTextNode(sg.t));
        return;
      }
      var v = sg.v || 'missing';
      var b = el('button', markerClass(v, sg.s) + (sg.x ? ' added' : ''), sg.x ? '[' + sg.t + ']' : sg.t);
      b.type = 'button';
      var ps = problemsOf[sg.c + '\u0000' + sg.r] || [];
      b.title = 'reference ' + sg.r + ' \u2014 ' + (ps.length ? ps.map(function (p) { return p.what; }).join(' ') :
        MARKER_WORDS[v === 'unverifiable' || v === 'missing' ? 'unchecked' : 'ok']);
      b.dataset.claim = sg.c;
      b.dataset.ref = sg.r;
      b.addEventListener('click', function (ev) { ev.stopPropagation(); select({ claim: sg.c, ref: sg.r }); });
      if (!markerNodes[sg.c + '\u0000' + sg.r]) markerNodes[sg.c + '\u0000' + sg.r] = b;
      claimSpan.appendChild(b);
    });
    box.appendChild(frag);
    box.addEventListener('click', function (ev) {
      var t = ev.target.closest ? ev.target.closest('.claim') : null;
      if (t && t.dataset.claim) select({ claim: t.dataset.claim });
    });
    var un = D.unplaced || [];
    if (un.length) {
      var sec = document.getElementById('unplaced-claims');
      add(sec, el('h3', null, 'Claims not found in the text'));
      var ul = add(sec, el('ul', 'unplaced'));
      un.forEach(function (cid) {
        var li = add(ul, el('li', 'claim-item'));
        var c = claims[cid] || {};
        add(li, el('span', 'claim', c.text || ''));
        (c.citations || []).forEach(function (r) {
          var v = verdicts[cid + '\u0000' + r] || 'missing';
          var b = add(li, el('button', markerClass(v, markerSev[cid + '\u0000' + r]), r));
          b.type = 'button';
          b.addEventListener('click', function () { select({ claim: cid, ref: r }); });
          if (!markerNodes[cid + '\u0000' + r]) markerNodes[cid + '\u0000' + r] = b;
        });
        claimNodes[cid] = li;
      });
    }
  }

  // ---------------------------------------------------------------- references
  function sourceBlock(parent, r, pair) {
    var box = add(parent, el('div', 'source'));
    if (!r) {
      add(box, el('p', 'notice', 'The reference list has no entry for this marker.'));
      return box;
    }
    var h = add(box, el('h4', 'source-title'));
    if (r.title) CA.marked(h, r.title, pair ? pair.title_marks : null);
    else h.textContent = r.cited_title || r.raw || ('reference ' + r.id);
    var line = add(box, el('p', 'source-meta'));
    [r.first_author, r.journal || r.cited_journal, r.year || r.cited_year].forEach(function (x, i) {
      if (!x) return;
      if (line.childNodes.length) line.appendChild(document.createTextNode(' · '));
      add(line, el('span', ['author', 'journal', 'year'][i], x));
    });
    var st = add(box, el('p', 'source-status'));
    add(st, statusBadge(r.status));
    if (r.reason) add(st, el('span', 'reason', ' ' + r.reason));
    if (r.retracted) add(box, el('p', 'notice error', 'This publication has been retracted.'));
    if (r.expression_of_concern) add(box, el('p', 'notice', 'An expression of concern was published for this record.'));
    if ((r.publication_types || []).length) {
      var pt = add(box, el('p', 'pubtypes'));
      add(pt, el('span', 'label', 'Publication types: '));
      add(pt, el('span', null, r.publication_types.join('; ')));
    }
    if ((r.mesh || []).length) {
      var mp = add(box, el('div', 'mesh'));
      add(mp, el('span', 'label', 'MeSH headings (★ major topic): '));
      var ul = add(mp, el('ul', 'mesh-list'));
      r.mesh.forEach(function (m) {
        var li = add(ul, el('li', m.major ? 'major' : null, (m.major ? '★ ' : '') + m.descriptor));
        if (m.major) li.title = 'major topic';
      });
    }
    if (r.abstract) {
      var ab = add(box, el('div', 'abstract'));
      add(ab, el('span', 'label', 'Abstract'));
      CA.marked(add(ab, el('p', 'abstract-text')), r.abstract, pair ? pair.abstract_marks : null);
    } else if (r.status === 'resolved') {
      add(box, el('p', 'hint', 'The PubMed record has no abstract.'));
    }
    var links = add(box, el('p', 'links'));
    add(links, CA.pubmedLink(r.pmid, 'Open PMID ' + r.pmid + ' on PubMed'));
    if (r.doi) add(links, el('span', 'doi', ' DOI: ' + r.doi));
    add(box, el('p', 'raw', 'As cited: ' + (r.raw || '(no entry in the reference list)')));
    return box;
  }

  function references() {
    var ol = document.getElementById('references');
    (D.references || []).forEach(function (r) {
      var li = add(ol, el('li', 'reference'));
      li.id = 'ref-' + String(r.id).replace(/[^A-Za-z0-9_-]/g, '_');
      var head = add(li, el('div', 'ref-head'));
      add(head, el('strong', null, '[' + r.id + '] '));
      add(head, el('span', 'raw', r.raw || '(no entry in the reference list)'));
      var st = add(li, el('div', 'ref-status'));
      add(st, statusBadge(r.status));
      if (r.retracted) add(st, CA.badge('sev', 'retracted'));
      if (r.title) add(st, el('span', 'ref-title', ' ' + r.title));
      if (r.reason) add(st, el('span', 'reason', ' — ' + r.reason));
      add(st, document.createTextNode(' '));
      add(st, CA.pubmedLink(r.pmid));
      var uses = (D.pairs || []).filter(function (p) { return String(p.reference_id) === String(r.id); });
      if (uses.length) {
        var ul = add(li, el('ul', 'ref-uses'));
        uses.forEach(function (p) {
          var u = add(ul, el('li'));
          var b = add(u, el('button', 'linklike', 'claim ' + p.claim_id));
          b.type = 'button';
          b.addEventListener('click', function () { select({ claim: p.claim_id, ref: p.reference_id }); });
          add(u, document.createTextNode(' '));
          add(u, CA.badge('verdict', p.verdict));
          add(u, el('span', 'explanation', ' ' + (p.plain_explanation || '')));
        });
      }
    });
  }

  // ---------------------------------------------------------------- detail
  function pairBlock(parent, p) {
    var box = add(parent, el('div', 'pair'));
    add(box, el('p', 'explanation', p.plain_explanation || VERDICT_WORDS[p.verdict] || ''));
    // The relevance verdict, the scores and the MeSH tree numbers: for who wants the reasons.
    var det = add(box, el('details', 'pair-details'));
    add(det, el('summary', null, 'details: relevance verdict and scores'));
    var h = add(det, el('p', 'verdict-line'));
    add(h, el('span', 'label', 'Relevance verdict: '));
    add(h, CA.badge('verdict', p.verdict));
    add(det, el('p', 'explanation-full', p.explanation || ''));
    var dl = add(det, el('dl', 'scores'));
    [['relevance to claim', CA.fmt(p.relevance)],
     ['source on article subject', CA.fmt(p.source_subject)],
     ['claim on article subject', CA.fmt(p.claim_subject)],
     ['evidence type', (p.evidence_type || '–') + (p.weak_evidence ? ' (too narrow for the claim)' : '')]
    ].forEach(function (kv) { add(dl, el('dt', null, kv[0])); add(dl, el('dd', null, kv[1])); });
    if ((p.unsupported_numbers || []).length) {
      add(box, el('p', 'notice', 'Numbers in the claim that the abstract does not give: ' + p.unsupported_numbers.join(', ')));
    }
    if ((p.shared_terms || []).length) {
      add(box, el('p', 'shared-terms', 'Shared terms: ' + p.shared_terms.join(', ')));
    }
    if (p.stance) stanceBlock(box, p);
    return box;
  }

  // What the source says about the claim: the claim beside the quoted evidence sentence,
  // the words that disagree marked, and the verdict in words.
  var STANCE_WORDS = {
    supports: 'supports: the source says the same thing',
    contradicts: 'contradicts: the source says otherwise',
    not_enough_info: 'not enough information: no sentence of the abstract states it'
  };
  function stanceBlock(parent, p) {
    var s = p.stance;
    var box = add(parent, el('div', 'stance stance-' + String(s.verdict).replace(/[^a-z_]/g, '')));
    var h = add(box, el('p', 'verdict-line'));
    add(h, el('span', 'label', 'Stance: '));
    add(h, CA.badge('stance', s.overstated ? 'overstated' : s.verdict));
    add(h, el('span', 'hint', ' ' + (STANCE_WORDS[s.verdict] || s.verdict) +
      ' (P = ' + CA.fmt(s.probability) + ')'));
    add(box, el('p', 'stance-explanation', s.explanation || ''));
    var two = add(box, el('div', 'stance-quotes'));
    var c = claims[p.claim_id];
    var cq = add(two, el('figure', 'stance-claim'));
    add(cq, el('figcaption', null, 'The claim'));
    CA.marked(add(cq, el('blockquote')), c ? c.text : '', s.claim_marks, 'conflict');
    var eq = add(two, el('figure', 'stance-evidence'));
    add(eq, el('figcaption', null, 'The source says (sentence ' + (Number(s.evidence_index) + 1) + ' of the abstract)'));
    CA.marked(add(eq, el('blockquote', 'evidence-quote')), s.evidence, s.evidence_marks, 'conflict');
  }

  function claimBlock(parent, cid, pair) {
    var c = claims[cid];
    var box = add(parent, el('div', 'claim-detail'));
    // Word and PDF claims say where they stand (paragraph, footnote, page and column), text files their line
    add(box, el('h3', null, 'Claim ' + cid + (c && c.location ? ' (' + c.location + ')' : c && c.line ? ' (line ' + c.line + ')' : '')));
    if (!c) { add(box, el('p', 'hint', 'No such claim.')); return box; }
    CA.marked(add(box, el('blockquote', 'claim-text')), c.text, pair ? pair.claim_marks : null);
    var d = drifts[cid];
    if (d) {
      add(box, el('p', d.drifts ? 'notice' : 'hint',
        (d.drifts ? 'The claim leaves the article\u2019s subject. ' : 'The claim stays on the article\u2019s subject. ') +
        (d.plain_explanation || '')));
      var dd = add(box, el('details', 'drift-details'));
      add(dd, el('summary', null, 'details'));
      add(dd, el('p', null, 'score ' + CA.fmt(d.score) + ': ' + (d.explanation || '')));
    }
    return box;
  }

  function showDetail(sel) {
    var body = document.getElementById('detail-body');
    body.textContent = '';
    var shown = sel.problem ? [sel.problem] : (sel.claim && sel.ref !== undefined && sel.ref !== null ?
      (problemsOf[sel.claim + '\u0000' + sel.ref] || []) : []);
    shown.forEach(function (pr) { problemCard(add(body, el('div', 'finding-detail sev-' + pr.severity)), pr, false); });
    var cid = sel.claim, rid = sel.ref;
    var refIds = rid !== undefined && rid !== null ? [String(rid)] : [];
    if (cid && !refIds.length && claims[cid]) refIds = (claims[cid].citations || []).map(String);
    var cols = add(body, el('div', 'side-by-side'));
    if (cid) {
      var firstPair = refIds.length ? pairs[cid + '\u0000' + refIds[0]] : null;
      claimBlock(cols, cid, firstPair);
    }
    refIds.forEach(function (r) {
      var p = cid ? pairs[cid + '\u0000' + r] : null;
      var col = add(cols, el('div', 'source-col'));
      add(col, el('h3', null, 'Source [' + r + ']'));
      if (p) pairBlock(col, p);
      else if (cid) {
        var v = verdicts[cid + '\u0000' + r] || 'missing';
        add(col, el('p', 'explanation', VERDICT_WORDS[v] || v));
      }
      sourceBlock(col, refs[r], p);
    });
    var lead = sel.problem ? (D.findings || [])[sel.problem.findings[0]] : null;
    if (!cid && !refIds.length && lead && lead.pmid) add(body, CA.pubmedLink(lead.pmid));
  }

  function highlight(sel) {
    if (current) current.forEach(function (n) { n.classList.remove('current'); });
    current = [];
    var target = null;
    if (sel.claim && claimNodes[sel.claim]) {
      document.querySelectorAll('.claim[data-claim]').forEach(function (n) {
        if (n.dataset.claim === sel.claim) { n.classList.add('current'); current.push(n); }
      });
      target = claimNodes[sel.claim];
    }
    var m = sel.claim && sel.ref !== undefined && sel.ref !== null ? markerNodes[sel.claim + '\u0000' + sel.ref] : null;
    if (m) { m.classList.add('current'); current.push(m); target = m; }
    if (!target && sel.ref !== undefined && sel.ref !== null) {
      target = document.getElementById('ref-' + String(sel.ref).replace(/[^A-Za-z0-9_-]/g, '_'));
      if (target) { target.classList.add('current'); current.push(target); }
    }
    if (target && target.scrollIntoView) target.scrollIntoView({ block: 'nearest' });
  }

  function select(sel) {
    showDetail(sel);
    highlight(sel);
  }

  // ---------------------------------------------------------------- findings
  var items = [];   // {li, f}
  var cursor = -1;

  // One card per problem: its marker, the claim quoted, what is wrong and what to do, its
  // other parts and suggestions; the full messages (tree numbers, scores) behind "details".
  function problemCard(li, pr, compact) {
    var head = add(li, el('div', 'finding-head'));
    add(head, CA.badge('sev', pr.severity));
    add(head, el('span', 'kind', ' ' + String(pr.kind || '').replace(/_/g, ' ')));
    if (pr.status === 'new' && !(pr.review && pr.review.decision === 'dismissed')) add(head, el('span', 'badge new', 'new'));
    if (pr.review) add(head, el('span', 'badge review review-' + String(pr.review.decision).replace(/[^a-z]/g, ''),
                                pr.review.decision === 'dismissed' ? 'dismissed as a false alarm' : pr.review.decision));
    var txt = add(li, el('div', 'finding-text'));
    var where = add(txt, el('p', 'where'));
    if (pr.marker) {
      pr.marker.split(' ').forEach(function (m) {
        var k = (pr.markers || []).filter(function (mk) { return '[' + mk[1] + ']' === m; })[0];
        var chip = add(where, el('span', 'marker-ref s-' + String(pr.severity).replace(/[^a-z]/g, ''), m));
        if (k) chip.dataset.claim = k[0];
      });
      add(where, document.createTextNode(' '));
    }
    if (pr.quote) add(where, el('q', 'quote', pr.quote));
    else if (!pr.marker) add(where, el('span', 'hint', 'the article as a whole'));
    add(txt, el('p', 'what', pr.what));
    if (pr.todo) {
      var td = add(txt, el('p', 'todo'));
      add(td, el('strong', null, 'To do: '));
      add(td, document.createTextNode(pr.todo));
    }
    if ((pr.parts || []).length && compact) {
      add(txt, el('div', 'parts', 'also: ' + pr.parts.map(function (pt) { return String(pt.kind || '').replace(/_/g, ' '); })
        .filter(function (k, i, a) { return a.indexOf(k) === i; }).join(', ')));
    } else if ((pr.parts || []).length) {
      var ps = add(txt, el('div', 'parts'));
      pr.parts.forEach(function (pt) {
        var d = add(ps, el('div', 'part'));
        add(d, el('span', 'part-kind', 'also ' + String(pt.kind || '').replace(/_/g, ' ') + ': '));
        add(d, document.createTextNode(pt.text));
      });
    }
    var sg = pr.suggestions;
    if (sg && compact) {
      var n1 = (sg.supporting || []).length, n2 = (sg.related || []).length;
      add(txt, el('div', 'parts suggestion-count', [n1 ? n1 + ' record(s) that support the claim' : '',
        n2 ? n2 + ' related record(s) to look at' : ''].filter(Boolean).join('; ')));
    } else if (sg) {
      [['supporting', 'Records that support the claim (suggestions for the author)'],
       ['related', 'Related records to look at (not shown to support the claim)']].forEach(function (kv) {
        var list = sg[kv[0]] || [];
        if (!list.length) return;
        var box = add(txt, el('div', 'suggestions ' + kv[0]));
        add(box, el('p', 'label', kv[1]));
        var ul = add(box, el('div', 'cands'));
        list.forEach(function (c) {
          var it = add(ul, el('div', 'cand'));
          add(it, el('span', 'cand-title', c.title || '(no title)'));
          add(it, el('span', 'hint', ' ' + [c.journal, c.year].filter(Boolean).join(' \u00b7 ') + ' '));
          add(it, CA.pubmedLink(c.pmid, 'PMID ' + c.pmid));
        });
      });
    }
    if (pr.review && pr.review.note) add(txt, el('p', 'review-note', 'Reviewer\u2019s note: ' + pr.review.note));
    var det = add(li, el('details', 'finding-details'));
    add(det, el('summary', null, 'details'));
    var ul2 = add(det, el('div', 'messages'));
    (pr.findings || []).forEach(function (i) {
      var f = (D.findings || [])[i] || {};
      var m = add(ul2, el('div', 'msg'));
      add(m, CA.badge('sev', f.severity));
      add(m, el('span', 'kind', ' ' + String(f.kind || '').replace(/_/g, ' ') + ': '));
      add(m, el('span', 'message', f.message || ''));
    });
    det.addEventListener('click', function (ev) { ev.stopPropagation(); });
    return li;
  }

  function findings() {
    var ol = document.getElementById('findings');
    var ps = D.problems || [];
    var kinds = {}, sevs = {};
    var frag = document.createDocumentFragment();
    ps.forEach(function (pr, i) {
      (pr.kinds || [pr.kind]).forEach(function (k) { kinds[k] = (kinds[k] || 0) + 1; });
      sevs[pr.severity] = (sevs[pr.severity] || 0) + 1;
      var li = el('li', 'finding sev-' + String(pr.severity).replace(/[^a-z]/g, ''));
      li.tabIndex = -1;
      li.dataset.index = i;
      li.dataset.problem = pr.id;
      if (pr.claim_id) li.dataset.claim = pr.claim_id;
      problemCard(li, pr, true);
      li.addEventListener('click', function () { go(items.indexOf(item)); });
      var item = { li: li, p: pr };
      items.push(item);
      frag.appendChild(li);
    });
    ol.appendChild(frag);
    if (!ps.length) add(ol, el('li', 'hint', D.error ? 'No findings: the article could not be read.' : 'No findings.'));
    fill('sev-filter', CA.SEVERITIES.filter(function (s) { return sevs[s]; }).concat(Object.keys(sevs).filter(function (s) { return CA.SEVERITIES.indexOf(s) < 0; })), sevs);
    fill('kind-filter', Object.keys(kinds).sort(), kinds);
    document.getElementById('sev-filter').addEventListener('change', filter);
    document.getElementById('kind-filter').addEventListener('change', filter);
    filter();
  }

  function fill(id, values, counts) {
    var s = document.getElementById(id);
    values.forEach(function (v) {
      var o = add(s, el('option', null, String(v).replace(/_/g, ' ') + ' (' + counts[v] + ')'));
      o.value = v;
    });
  }

  function filter() {
    var sv = document.getElementById('sev-filter').value;
    var kd = document.getElementById('kind-filter').value;
    var shown = 0;
    items.forEach(function (it) {
      var ok = (!sv || it.p.severity === sv) && (!kd || (it.p.kinds || [it.p.kind]).indexOf(kd) >= 0);
      it.li.hidden = !ok;
      if (ok) shown++;
    });
    document.getElementById('findings-count').textContent = '(' + shown + ' of ' + items.length + ')';
    if (cursor >= 0 && items[cursor] && items[cursor].li.hidden) setCursor(-1);
  }

  function setCursor(i) {
    if (cursor >= 0 && items[cursor]) {
      items[cursor].li.classList.remove('active');
      items[cursor].li.removeAttribute('aria-current');
    }
    cursor = i;
    if (i < 0) return;
    var li = items[i].li;
    li.classList.add('active');
    li.setAttribute('aria-current', 'true');
    li.focus({ preventScroll: true });
    li.scrollIntoView({ block: 'nearest' });
  }

  function go(i) {
    if (i < 0 || i >= items.length) return;
    setCursor(i);
    var pr = items[i].p;
    var mk = (pr.markers || [])[0];
    select({ problem: pr, claim: pr.claim_id || null, ref: pr.reference_id !== null && pr.reference_id !== undefined ? pr.reference_id : (mk ? mk[1] : null) });
  }

  function step(dir) {
    var i = cursor;
    for (var n = 0; n < items.length; n++) {
      i = i + dir;
      if (i < 0 || i >= items.length) return;
      if (!items[i].li.hidden) { go(i); return; }
    }
  }

  document.addEventListener('keydown', function (ev) {
    var t = ev.target;
    if (ev.altKey || ev.ctrlKey || ev.metaKey) return;
    if (t && (t.tagName === 'INPUT' || t.tagName === 'SELECT' || t.tagName === 'TEXTAREA')) return;
    if (ev.key === 'j' || ev.key === 'ArrowDown') { step(1); ev.preventDefault(); }
    else if (ev.key === 'k' || ev.key === 'ArrowUp') { step(-1); ev.preventDefault(); }
    else if (ev.key === 'Enter' && cursor >= 0 && t && t.classList && t.classList.contains('finding')) { go(cursor); ev.preventDefault(); }
    else if (ev.key === 'Escape') {
      setCursor(-1);
      if (current) current.forEach(function (n) { n.classList.remove('current'); });
      var body = document.getElementById('detail-body');
      body.textContent = '';
      add(body, el('p', 'hint', 'Click a citation marker or a finding to see the claim beside its source.'));
    }
  });

  // What changed since the previous audit, first: claims matched by their text, so an
  // edit that renumbers the claims does not make old findings look new.
  function changes() {
    var ch = D.changes;
    if (!ch) return;
    var sec = document.getElementById('changes-section');
    sec.hidden = false;
    var cards = add(document.getElementById('changes-counts'), el('div', 'totals'));
    [['new', ch['new'].length, 'new'], ['persisting', ch.persisting, 'still present'],
     ['fixed', ch.fixed.length, 'fixed'], ['dismissed', ch.dismissed || 0, 'dismissed by a reviewer']].forEach(function (kv) {
      var c = add(cards, el('div', 'card change-' + kv[0]));
      c.id = 'change-' + kv[0];
      add(c, el('strong', null, kv[1]));
      add(c, el('span', null, kv[2]));
    });
    [['new', 'New since the previous audit', ch['new']], ['fixed', 'Fixed since the previous audit', ch.fixed]].forEach(function (kv) {
      if (!kv[2].length) return;
      var box = add(document.getElementById('changes-lists'), el('div', 'change-list'));
      box.id = kv[0] + '-list';
      add(box, el('h3', null, kv[1] + ' (' + kv[2].length + ')'));
      var ul = add(box, el('ul', 'changes'));
      kv[2].forEach(function (x) {
        var li = add(ul, el('li'));
        if (x.severity) add(li, CA.badge('sev', x.severity));
        add(li, el('span', 'kind', ' ' + String(x.kind || '').replace(/_/g, ' ') + ' '));
        if (x.marker) add(li, el('span', 'marker-ref s-' + String(x.severity).replace(/[^a-z]/g, ''), x.marker));
        if (x.quote) { add(li, document.createTextNode(' ')); add(li, el('q', 'quote', x.quote)); }
        add(li, el('div', 'what', x.what || ''));
        if (x.problem) {
          li.classList.add('linked');
          li.addEventListener('click', function () {
            var i = items.map(function (it) { return it.p.id; }).indexOf(x.problem);
            if (i >= 0) go(i);
          });
        }
      });
    });
  }

  // ---------------------------------------------------------------- sources searched for (audit.sources)
  var SEARCH_STATUS = {
    identified: 'likely source identified (not given in the article)',
    not_identified: 'source not identified',
    suggested: 'records offered for a citation that does not support its claim',
    none_found: 'no record found to offer',
    search_failed: 'search failed'
  };

  function sourceSearches() {
    var list = D.sources || [];
    if (!list.length) return;
    document.getElementById('sources-section').hidden = false;
    var box = document.getElementById('sources');
    list.forEach(function (s) {
      var sec = add(box, el('div', 'source-search ' + s.purpose + ' ' + s.status));
      sec.dataset.claim = s.claim_id;
      var h = add(sec, el('h3', null));
      add(h, el('span', 'claim-id', 'Claim ' + s.claim_id + (s.reference_id ? ', reference ' + s.reference_id : '') + ': '));
      add(h, el('span', 'search-status', SEARCH_STATUS[s.status] || s.status));
      var c = claims[s.claim_id];
      if (c) add(sec, el('blockquote', 'claim-text', c.text));
      if (s.mode === 'offline') add(sec, el('p', 'notice offline', 'Offline: only the local records were searched, not PubMed.'));
      if (s.mode === 'mirror') add(sec, el('p', 'notice offline', 'The PubMed mirror was searched (PubMed\'s records up to its last update file), not PubMed\'s own search.'));
      if (s.note) add(sec, el('p', 'hint', s.note));
      var cues = Object.keys(s.cues || {}).map(function (k) { return k + ': ' + s.cues[k]; });
      if (cues.length) add(sec, el('p', 'cues', 'The claim names ' + cues.join('; ')));
      var ol = add(sec, el('ol', 'candidates'));
      (s.candidates || []).forEach(function (cd, i) {
        var li = add(ol, el('li', 'candidate'));
        li.dataset.pmid = cd.pmid;
        if (s.purpose === 'suggest') add(li, el('span', 'badge suggestion', cd.supports ? 'supports the claim' : 'related: look at it'));
        if (s.status === 'identified' && i === 0) add(li, el('span', 'badge identified', 'identified, not given'));
        add(li, el('span', 'cand-title', ' ' + (cd.title || '(no title)')));
        var meta = add(li, el('div', 'source-meta'));
        add(meta, el('span', 'journal', [cd.journal, cd.year].filter(Boolean).join(' · ')));
        add(meta, el('span', 'score', ' · score ' + CA.fmt(cd.score) + ' · support ' + CA.fmt(cd.relevance) + ' · '));
        add(meta, CA.badge('verdict', cd.verdict));
        add(li, el('div', 'why', cd.why));
        add(li, CA.pubmedLink(cd.pmid, 'PMID ' + cd.pmid));
      });
      if (!(s.candidates || []).length) add(sec, el('p', 'hint', s.status === 'search_failed' ? 'Search failed: nothing can be said about PubMed; re-run.' : 'No candidate record was found.'));
      var det = add(sec, el('details', 'query-log'));
      add(det, el('summary', null, 'Queries sent (' + (s.queries || []).length + ')'));
      var tb = add(add(det, el('table', 'queries')), el('tbody'));
      (s.queries || []).forEach(function (q) {
        var tr = add(tb, el('tr'));
        add(tr, el('td', 'where', q.where));
        var qt = add(tr, el('td', 'query'));
        add(qt, el('code', null, q.query));
        if (q.url) { var a = add(qt, el('a', 'repeat', ' repeat in PubMed')); a.href = q.url; a.target = '_blank'; a.rel = 'noopener noreferrer'; }
        add(tr, el('td', 'found', q.error ? 'error: ' + q.error : (q.count + ' found' + (q.found.length ? ': ' + q.found.slice(0, 10).join(', ') : ''))));
      });
    });
  }

  // ---------------------------------------------------------------- set aside
  // What reading left out as page chrome (toolbars, disclaimers, site notices), collapsed:
  // nothing of the input disappears unseen.
  function setAside() {
    var items = D.set_aside || [];
    if (!items.length) return;
    var box = el('details', 'set-aside');
    box.id = 'set-aside';
    add(box, el('summary', null, 'Set aside as page chrome (' + items.length + ')'));
    var ol = add(box, el('ol', 'set-aside-list'));
    items.forEach(function (s) {
      var li = add(ol, el('li'));
      add(li, el('span', 'line', (s.location || 'line ' + s.line) + ': '));
      add(li, el('span', 'text', s.text));
      if (s.reason) add(li, el('span', 'hint', ' (' + s.reason + ')'));
    });
    var main = document.getElementById('main');
    main.insertBefore(box, document.getElementById('unplaced-claims'));
  }

  header();
  legend();
  text();
  setAside();
  references();
  sourceSearches();
  findings();
  changes();
  document.body.dataset.ready = '1';
})();
