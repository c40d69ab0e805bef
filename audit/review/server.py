"""``citeaudit review``: the history's reports, and a page per article to confirm or dismiss findings.

One process (Starlette on uvicorn), no build step, no script on its pages: a
reviewer marks each problem of an article *confirmed* or *dismissed as a false
alarm*, with a short note.  Decisions go to the history (``History.set_decisions``)
and are marked at once in the static reports (``reports.writer.apply_decisions``),
which stay usable without this server.

Guards: it binds 127.0.0.1 unless told otherwise, and another address needs a
token (``--token`` or ``CITEAUDIT_REVIEW_TOKEN``), asked of every request (once
as ``?token=``, then a same-site cookie).  Every change is a POST carrying the
process's CSRF token; a POST without it, or from another origin, is refused.
Everything from an article, a record or a note is escaped text.
"""
from __future__ import annotations

import hmac
import html
import json
import secrets
from pathlib import Path
from urllib.parse import urlsplit

from audit.errors import BadInputError
from audit.review import decisions as dec
from audit.history import History
from reports.writer import apply_decisions, article_folder

LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")
COOKIE = "citeaudit_review"
TOKEN_ENV = "CITEAUDIT_REVIEW_TOKEN"
_CSS = """body{font:15px/1.5 system-ui,sans-serif;margin:0 auto;max-width:70rem;padding:0 1rem 2rem;color:#1d2330}
h1{font-size:1.4rem}.p{border:1px solid #d9dde5;border-left:4px solid #5b6475;border-radius:4px;padding:.4rem .7rem;margin:.6rem 0}
.high{border-left-color:#b3261e}.medium{border-left-color:#b25e00}.low{border-left-color:#3b6ea8}
.sev{font-weight:700;text-transform:uppercase;font-size:.8rem}.q{font-style:italic}.hint{color:#5b6475;font-size:.9rem}
.state{font-weight:600}.dismissed{color:#555}.confirmed{color:#7a1a14}.note{white-space:pre-wrap;background:#f4f6f9;padding:.2rem .4rem}
textarea{width:100%;max-width:40rem;height:3.2rem;font:inherit}button{margin-right:.4rem}
table{border-collapse:collapse}td,th{border-bottom:1px solid #d9dde5;padding:.2rem .5rem;text-align:left}"""


def check_bind(host: str, token: str | None) -> None:
    """Refuse to serve another address than this machine's without a token."""
    if host not in LOCAL_HOSTS and not token:
        raise BadInputError("--host", f"binding to {host} lets other machines change decisions: give a token "
                                      f"(--token or {TOKEN_ENV}), or bind 127.0.0.1")


def _e(x) -> str:
    return html.escape("" if x is None else str(x), quote=True)


def _csp() -> str:
    import base64
    import hashlib
    h = base64.b64encode(hashlib.sha256(_CSS.encode()).digest()).decode()
    return (f"default-src 'none'; style-src 'sha256-{h}'; form-action 'self'; base-uri 'none'; "
            "frame-ancestors 'none'; img-src data:")


def _page(title: str, body: str) -> str:
    return (f"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{_e(title)}</title>"
            f"<meta name=\"referrer\" content=\"same-origin\"><style>{_CSS}</style></head>"
            f"<body class=\"review-page\">{body}</body></html>")


class Review:
    """What the routes share: the reports folder, the history, the tokens."""

    def __init__(self, reports_dir: Path, history, token: str | None = None):
        self.out = Path(reports_dir)
        self.history = history
        self.token = token or None
        self.csrf = secrets.token_urlsafe(32)
        self._folder = article_folder

    # -- data
    def articles(self) -> list[dict]:
        try:
            return json.loads((self.out / "run.json").read_text(encoding="utf-8")).get("articles") or []
        except (OSError, ValueError):
            return []

    def report(self, article_id: str) -> dict | None:
        if article_id not in {a.get("id") for a in self.articles()}:
            return None
        try:
            return json.loads((self._folder(self.out, article_id) / "report.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    # -- pages
    def index_page(self) -> str:
        rows = "".join(
            f"<tr><td><a href=\"/review/{_e(a.get('id'))}\">{_e(a.get('id'))}</a></td><td>{_e(a.get('title'))}</td>"
            f"<td>{_e(a.get('findings'))}</td><td>{_e(a.get('dismissed', 0))}</td>"
            f"<td><a href=\"/reports/articles/{_e(a.get('dir'))}/report.html\">report</a></td></tr>"
            for a in self.articles())
        body = ("<h1>citeaudit review</h1><p class=\"hint\">Confirm each finding or dismiss it as a false alarm. "
                "Decisions are kept in the history and hold while the claim and the cited record are unchanged. "
                "<a href=\"/reports/index.html\">Run index</a></p>"
                "<table id=\"articles\"><thead><tr><th>Article</th><th>Title</th><th>Findings</th><th>Dismissed</th>"
                f"<th></th></tr></thead><tbody>{rows}</tbody></table>")
        return _page("citeaudit review", body)

    def article_page(self, report: dict) -> str:
        art = report.get("article") or {}
        aid = art.get("id", "")
        parts = [f"<p><a href=\"/\">&larr; All articles</a> · <a href=\"/reports/articles/"
                 f"{_e(self._folder(Path(''), aid).name)}/report.html\">the report</a></p>",
                 f"<h1>Review: {_e(art.get('title') or aid)}</h1>"]
        for p in report.get("problems") or []:
            review = p.get("review") or {}
            state = review.get("decision")
            words = {"dismissed": "dismissed as a false alarm", "confirmed": "confirmed"}.get(state, "open")
            note = f"<p class=\"note\">{_e(review.get('note'))}</p>" if review.get("note") else ""
            quote = f" <span class=\"q\">\u201c{_e(p.get('quote'))}\u201d</span>" if p.get("quote") else ""
            parts.append(
                f"<section class=\"p {_e(p.get('severity'))}\" id=\"{_e(p['id'])}\" data-problem=\"{_e(p['id'])}\">"
                f"<p><span class=\"sev\">{_e(p.get('severity'))}</span> {_e(str(p.get('kind')).replace('_', ' '))} "
                f"<strong>{_e(p.get('marker'))}</strong>{quote}</p>"
                f"<p class=\"what\">{_e(p.get('what'))}</p>"
                f"<p class=\"state {_e(state or 'open')}\">Decision: {_e(words)}</p>{note}"
                f"<form method=\"post\" action=\"/decide\">"
                f"<input type=\"hidden\" name=\"csrf\" value=\"{_e(self.csrf)}\">"
                f"<input type=\"hidden\" name=\"article_id\" value=\"{_e(aid)}\">"
                f"<input type=\"hidden\" name=\"problem\" value=\"{_e(p['id'])}\">"
                f"<label>Note <textarea name=\"note\" maxlength=\"{dec.NOTE_MAX}\"></textarea></label><br>"
                f"<button name=\"decision\" value=\"confirmed\">Confirm</button>"
                f"<button name=\"decision\" value=\"dismissed\">Dismiss as a false alarm</button>"
                f"<button name=\"decision\" value=\"reopen\">Reopen</button></form></section>")
        if not report.get("problems"):
            parts.append("<p class=\"hint\">No findings.</p>")
        return _page(f"Review {aid}", "".join(parts))

    # -- changes
    def decide(self, article_id: str, problem: str, decision: str, note: str) -> bool:
        report = self.report(article_id)
        if report is None:
            return False
        prob = next((p for p in report.get("problems") or [] if p["id"] == problem), None)
        if prob is None:
            return False
        if decision == "reopen":
            self.history.clear_decisions(article_id, [report["findings"][i]["identity"] for i in prob["findings"]])
        else:
            self.history.set_decisions(dec.rows_for(report, prob["findings"], decision, note))
        apply_decisions(self.out, self.history.decisions([article_id]), [article_id])
        return True


def make_app(review: Review):
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.middleware.base import BaseHTTPMiddleware
    from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse
    from starlette.routing import Mount, Route
    from starlette.staticfiles import StaticFiles

    headers = {"Content-Security-Policy": _csp(), "X-Content-Type-Options": "nosniff",
               "Referrer-Policy": "same-origin", "X-Frame-Options": "DENY", "Cache-Control": "no-store"}

    class Guard(BaseHTTPMiddleware):
        async def dispatch(self, request, call_next):
            if review.token:
                given = request.query_params.get("token") or request.cookies.get(COOKIE) or ""
                if not hmac.compare_digest(given.encode(), review.token.encode()):
                    return PlainTextResponse("a token is needed (?token=...)", status_code=401)
                if request.query_params.get("token"):
                    resp = RedirectResponse(request.url.remove_query_params("token"), status_code=303)
                    resp.set_cookie(COOKIE, review.token, httponly=True, samesite="strict")
                    return resp
            resp = await call_next(request)
            if not request.url.path.startswith("/reports/"):     # the reports carry their own CSP
                for k, v in headers.items():
                    resp.headers.setdefault(k, v)
            return resp

    def index(request):
        return HTMLResponse(review.index_page())

    def article(request):
        rep = review.report(request.path_params["article_id"])
        if rep is None:
            return PlainTextResponse("no such article in the last run", status_code=404)
        return HTMLResponse(review.article_page(rep))

    async def decide(request):
        # The review page's forms are urlencoded; parsed here (no python-multipart), bounded.
        from urllib.parse import parse_qs
        if not request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            return PlainTextResponse("expected a form post", status_code=415)
        body = await request.body()
        if len(body) > 16384:
            return PlainTextResponse("form too large", status_code=413)
        form = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True).items()}
        origin = request.headers.get("origin")
        if origin and urlsplit(origin).netloc != request.headers.get("host"):
            return PlainTextResponse("cross-origin request refused", status_code=403)
        if not hmac.compare_digest(str(form.get("csrf") or "").encode(), review.csrf.encode()):
            return PlainTextResponse("missing or wrong CSRF token", status_code=403)
        decision = str(form.get("decision") or "")
        if decision not in dec.DECISIONS + ("reopen",):
            return PlainTextResponse("decision must be confirmed, dismissed or reopen", status_code=400)
        aid, problem = str(form.get("article_id") or ""), str(form.get("problem") or "")
        from starlette.concurrency import run_in_threadpool
        ok = await run_in_threadpool(review.decide, aid, problem, decision, str(form.get("note") or ""))
        if not ok:
            return PlainTextResponse("no such article or finding", status_code=404)
        return RedirectResponse(f"/review/{aid}#{problem}", status_code=303)

    routes = [Route("/", index), Route("/review/{article_id}", article), Route("/decide", decide, methods=["POST"]),
              Mount("/reports", app=StaticFiles(directory=str(review.out), check_dir=False))]
    return Starlette(routes=routes, middleware=[Middleware(Guard)])


def serve(cfg, host: str = "127.0.0.1", port: int = 8770, token: str | None = None) -> None:
    import uvicorn

    check_bind(host, token)
    history = History(cfg.output.history_db)
    try:
        app = make_app(Review(Path(cfg.output.reports_dir), history, token))
        print(f"citeaudit review: http://{host}:{port}/ (Ctrl-C stops)", flush=True)
        uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)
    finally:
        history.close()


def export(cfg, path: str) -> int:
    if not Path(cfg.output.history_db).is_file():
        raise BadInputError(cfg.output.history_db, "no history yet (run citeaudit nightly first)")
    with History(cfg.output.history_db) as h:
        rows = h.decisions()
    Path(path).write_text(dec.export_csv(rows), encoding="utf-8")
    return len(rows)
