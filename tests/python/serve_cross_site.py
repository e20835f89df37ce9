"""`airace serve` refuses what another site's page could send, and says so in every answer.

    /usr/bin/python3 tests/python/serve_cross_site.py AIRACE_BINARY

A POST that is not JSON (text/plain, a form, none) is refused with 415: a page on another site
can send those without the browser asking first. A POST whose Origin is another site's is
refused with 403. On loopback the Host header must name localhost, 127.x.x.x or [::1] with the
server's port (else a page whose DNS name was re-bound to 127.0.0.1 could use the server); with
--bind 0.0.0.0 any Host is taken (codes guard that server). A chunked body (Transfer-Encoding)
is refused with 411 and two Content-Length headers with 400. Every answer, pages, API answers
and errors alike, carries the security headers. Takes a few seconds.
"""
import json
import sys

from serve_util import Failure, Server, main_guard, raw_request

SECURITY_HEADERS = {
    "content-security-policy": "default-src 'self'",
    "x-content-type-options": "nosniff",
    "cache-control": "no-store",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
}


def request(server, method, path, body=b"", headers=None, host=None, version="HTTP/1.1"):
    h = {"Host": host if host is not None else server.host_header, "Connection": "close"}
    if host == "":
        del h["Host"]
    h.update(headers or {})
    if (body or method == "POST") and "Transfer-Encoding" not in h:
        h["Content-Length"] = str(len(body))
    head = "%s %s %s\r\n" % (method, path, version) + "".join(
        "%s: %s\r\n" % kv for kv in h.items()) + "\r\n"
    a = raw_request(server, head.encode("latin-1") + body)
    if a is None:
        raise Failure("%s %s (%r): the server closed the connection without an answer"
                      % (method, path, headers))
    return a


def expect(what, answer, status, problems):
    if answer.status != status:
        problems.append("%s: answered %d, expected %d: %r" % (what, answer.status, status,
                                                               answer.body[:200]))
    elif status >= 400:
        try:
            ok = isinstance(json.loads(answer.body).get("error"), str)
        except ValueError:
            ok = False
        if not ok:
            problems.append("%s: %d without a JSON error: %r" % (what, status, answer.body[:200]))
    for name, value in SECURITY_HEADERS.items():
        if value not in answer.headers.get(name, ""):
            problems.append("%s: no %s: %s header" % (what, name, value))
    csp = answer.headers.get("content-security-policy", "")
    if "frame-ancestors 'none'" not in csp or "unsafe" in csp:
        problems.append("%s: Content-Security-Policy %r" % (what, csp))


def main():
    binary = sys.argv[1]
    problems = []
    run = json.dumps({"levers": {}}).encode()
    JSON = {"Content-Type": "application/json"}
    with Server(binary) as s:
        own = "http://" + s.host_header
        before = s.json("GET", "/api/game/state", code=s.facilitator)
        # Pages, API answers and errors all carry the security headers.
        for path in ("/", "/index.html", "/app.js", "/app.css", "/chart.js", "/api/info"):
            expect("GET " + path, request(s, "GET", path), 200, problems)
        expect("POST /api/run", request(s, "POST", "/api/run", run, JSON), 200, problems)
        expect("GET a missing page", request(s, "GET", "/nope"), 404, problems)
        expect("GET /api/run", request(s, "GET", "/api/run"), 405, problems)
        expect("game state without a code", request(s, "GET", "/api/game/state"), 403, problems)
        expect("a 9 KiB header", request(s, "GET", "/api/info", headers={"X-Big": "b" * 9000}),
               431, problems)
        expect("a 100 KiB body", request(s, "POST", "/api/run", b"{" + b" " * 100000 + b"}", JSON),
               413, problems)

        # Only JSON changes state: what a cross-site form or text/plain fetch can send is refused.
        for ctype in ("text/plain", "text/plain;charset=UTF-8", "application/x-www-form-urlencoded",
                      "multipart/form-data; boundary=x", None):
            h = {"Content-Type": ctype} if ctype else {}
            expect("POST /api/run as %s" % ctype, request(s, "POST", "/api/run", run, h), 415,
                   problems)
            expect("POST /api/game/advance as %s" % ctype,
                   request(s, "POST", "/api/game/advance", b"{}",
                           dict(h, **{"X-Airace-Code": s.facilitator})), 415, problems)
        expect("POST as application/json; charset=utf-8",
               request(s, "POST", "/api/run", run, {"Content-Type": "application/json; charset=utf-8"}),
               200, problems)
        # Another site's page: refused; our own page (as the browser sends it): taken.
        for origin in ("http://evil.example", "http://evil.example:%d" % s.port, "null",
                       "https://" + s.host_header, own + ".evil.example"):
            expect("POST with Origin %s" % origin,
                   request(s, "POST", "/api/run", run, dict(JSON, Origin=origin)), 403, problems)
        expect("POST with our own Origin", request(s, "POST", "/api/run", run, dict(JSON, Origin=own)),
               200, problems)
        expect("POST from localhost's page",
               request(s, "POST", "/api/run", run, dict(JSON, Origin="http://localhost:%d" % s.port),
                       host="localhost:%d" % s.port), 200, problems)

        # DNS rebinding: a foreign name in Host is refused on loopback, even with a matching Origin.
        for host in ("evil.example:%d" % s.port, "evil.example", "127.0.0.1", "127.0.0.1:1",
                     "localhost.evil.example:%d" % s.port, "127.0.0.1.evil.example:%d" % s.port,
                     "[::2]:%d" % s.port, "10.0.0.1:%d" % s.port):
            expect("Host %s" % host, request(s, "GET", "/api/info", host=host), 403, problems)
        expect("a rebinding page's POST",
               request(s, "POST", "/api/run", run,
                       dict(JSON, Origin="http://evil.example:%d" % s.port),
                       host="evil.example:%d" % s.port), 403, problems)
        expect("no Host", request(s, "GET", "/api/info", host="", version="HTTP/1.0"), 400, problems)
        for host in ("localhost:%d" % s.port, "LOCALHOST:%d" % s.port, "127.0.0.1:%d" % s.port,
                     "127.1.2.3:%d" % s.port, "[::1]:%d" % s.port):
            expect("Host %s" % host, request(s, "GET", "/api/info", host=host), 200, problems)

        # Bodies whose end is ambiguous or unbounded are refused before they are read.
        expect("a chunked POST",
               request(s, "POST", "/api/run", b"2\r\n{}\r\n0\r\n\r\n",
                       dict(JSON, **{"Transfer-Encoding": "chunked"})), 411, problems)
        a = raw_request(s, ("POST /api/run HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\n"
                            "Content-Length: 2\r\nContent-Length: 2\r\n\r\n{}" % s.host_header).encode())
        expect("two Content-Length headers", a, 400, problems)
        after = s.json("GET", "/api/game/state", code=s.facilitator)
        if before["turn"] != after["turn"] or before["history"] != after["history"]:
            problems.append("refused requests changed the game")

    # On a network address codes guard the server: any Host is taken, the other rules hold.
    with Server(binary, extra_args=["--bind", "0.0.0.0"]) as s:
        code = {"X-Airace-Code": s.team_code("us")}
        expect("network: Host seminar.example",
               request(s, "GET", "/api/info", host="seminar.example:8080"), 200, problems)
        expect("network: POST from the page's own origin",
               request(s, "POST", "/api/run", run,
                       dict(JSON, Origin="http://seminar.example:8080", **code),
                       host="seminar.example:8080"), 200, problems)
        expect("network: POST from another site",
               request(s, "POST", "/api/run", run, dict(JSON, Origin="http://evil.example", **code)),
               403, problems)
        expect("network: text/plain POST",
               request(s, "POST", "/api/run", run, dict({"Content-Type": "text/plain"}, **code)), 415,
               problems)
        status = s.stop()
        if status != 0:
            problems.append("airace serve exited with %s on SIGTERM" % status)
    if problems:
        raise Failure("%d problems:\n  %s" % (len(problems), "\n  ".join(problems)))
    print("cross-site requests, foreign Hosts and ambiguous bodies are refused; every answer "
          "carries the security headers")


if __name__ == "__main__":
    main_guard(main)
