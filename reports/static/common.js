/* citeaudit report helpers.  Every string from an article or a PubMed record
   reaches the page through textContent or a DOM property, never as markup. */
var CA = (function () {
  'use strict';

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  function add(parent, child) {
    if (child !== null && child !== undefined) parent.appendChild(child);
    return child;
  }

  function data() {
    var node = document.getElementById('report-data');
    return JSON.parse(node ? node.textContent : '{}');
  }

  var PMID = /^[1-9][0-9]{0,9}$/;

  // Only a plain number becomes part of a URL.
  function pubmedUrl(pmid) {
    var s = pmid === null || pmid === undefined ? '' : String(pmid);
    return PMID.test(s) ? 'https://pubmed.ncbi.nlm.nih.gov/' + s + '/' : null;
  }

  function pubmedLink(pmid, label) {
    var url = pubmedUrl(pmid);
    if (!url) return null;
    var a = el('a', 'pubmed-link', label || ('PubMed ' + pmid));
    a.href = url;
    a.target = '_blank';
    a.rel = 'noopener noreferrer';
    return a;
  }

  // Text with [start, end) ranges wrapped in <mark> (class cls, default 'shared').
  function marked(parent, text, marks, cls) {
    text = text || '';
    var pos = 0;
    (marks || []).forEach(function (m) {
      var s = Math.max(m[0], pos), e = Math.min(m[1], text.length);
      if (e <= s) return;
      if (s > pos) parent.appendChild(document.createTextNode(text.slice(pos, s)));
      parent.appendChild(el('mark', cls || 'shared', text.slice(s, e)));
      pos = e;
    });
    if (pos < text.length) parent.appendChild(document.createTextNode(text.slice(pos)));
    return parent;
  }

  var SEVERITIES = ['high', 'medium', 'low'];

  function badge(kind, value) {
    return el('span', 'badge ' + kind + '-' + String(value).replace(/[^a-z_]/gi, ''), String(value).replace(/_/g, ' '));
  }

  function fmt(x) {
    return typeof x === 'number' ? (Math.round(x * 100) / 100).toFixed(2) : '–';
  }

  return { el: el, add: add, data: data, pubmedUrl: pubmedUrl, pubmedLink: pubmedLink,
           marked: marked, SEVERITIES: SEVERITIES, badge: badge, fmt: fmt };
})();
