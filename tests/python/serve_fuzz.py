"""Malformed requests never crash `airace serve`, and each gets a plain refusal.

    /usr/bin/python3 tests/python/serve_fuzz.py AIRACE_BINARY [--seed N]

A few hundred requests, the same ones for a given seed: bad JSON (random mutations of good
bodies, truncations, NaN and Infinity literals, nesting 10,000 deep), wrong types, unknown
levers, values out of range or off the step grid, bodies of 10 MB, unknown routes, path
traversal (/../../etc/passwd, %2e%2e, %2f, NUL), wrong and invented methods, header floods, bad
and missing codes, and requests cut short or dropped. Each answer must be 4xx (or 503, refused
by design) with a JSON {"error": ...} on /api routes; a 200 is allowed only where noted (HEAD
and OPTIONS of a page, or a path that normalises to a static file, which must then be that
file). No answer may contain /etc/passwd. After every request the server must be alive and
answer /api/info, and at the end the game must be where it was: no refused request changed it.
Takes well under a minute.
"""
import json
import random
import socket
import sys
import threading
import time

from serve_util import Failure, Server, main_guard

TIMEOUT_S = 5
SLOW_TIMEOUT_S = 20  # for the requests only the server's read timeout (10 s) can end
PASSWD_MARK = b"root:x:0:0"


class Answer:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body


# The Host the requests name: on loopback the server refuses any other (DNS rebinding), so the
# cases below name this one to reach the checks they are about ("Host: x" stands for it).
HOST_HEADER = b"127.0.0.1"


def raw(host, port, data, close_after_send=False, read=True, timeout_s=TIMEOUT_S):
    """Send bytes on a fresh connection; the parsed answer, or None if the server closed first."""
    data = data.replace(b"\r\nHost: x\r\n", b"\r\nHost: " + HOST_HEADER + b"\r\n")
    s = socket.create_connection((host, port), timeout=timeout_s)
    try:
        try:
            s.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may refuse before reading everything; its answer may still be there
        if close_after_send or not read:
            return None
        return read_answer(s)
    finally:
        s.close()


def read_answer(s):
    buf = b""
    try:
        while b"\r\n\r\n" not in buf:
            chunk = s.recv(65536)
            if not chunk:
                return None if not buf else Answer(-1, {}, buf)
            buf += chunk
        head, body = buf.split(b"\r\n\r\n", 1)
        lines = head.decode("latin-1").split("\r\n")
        parts = lines[0].split(" ", 2)
        status = int(parts[1])
        headers = {}
        for line in lines[1:]:
            if ":" in line:
                k, v = line.split(":", 1)
                headers[k.strip().lower()] = v.strip()
        length = int(headers.get("content-length", "0") or 0)
        while len(body) < length:
            chunk = s.recv(65536)
            if not chunk:
                break
            body += chunk
        return Answer(status, headers, body[:length])  # a pipelined answer may follow
    except (ConnectionResetError, socket.timeout) as e:
        if buf:
            return Answer(-1, {}, buf)
        return None if isinstance(e, ConnectionResetError) else Answer(-2, {}, b"timeout")


def http(method, path, body=b"", headers=None, version="HTTP/1.1"):
    h = {"Host": HOST_HEADER.decode(), "Connection": "close"}
    if body or method in ("POST", "PUT", "PATCH"):
        h["Content-Type"] = "application/json"
        h["Content-Length"] = str(len(body))
    h.update(headers or {})
    head = "%s %s %s\r\n" % (method, path, version) + "".join(
        "%s: %s\r\n" % (k, v) for k, v in h.items()) + "\r\n"
    return head.encode("latin-1") + body


class Fuzz:
    def __init__(self, server, seed):
        self.server = server
        self.rng = random.Random(seed)
        host_port = server.url.split("//", 1)[1].rstrip("/")
        self.host, port = host_port.rsplit(":", 1)
        self.port = int(port)
        self.count = 0
        self.problems = []
        self.statuses = {}
        self.static = {}
        self.slow = []  # requests answered after more than 2 s (reported, not failures)
        self.threads = []

    def check_alive(self, what):
        if not self.server.alive():
            raise Failure("the server died after: %s\n%s" % (what, self.server.log()))
        try:
            status, _, body = self.server.request("GET", "/api/info", timeout=TIMEOUT_S)
        except OSError as e:
            time.sleep(0.5)
            state = "died" if not self.server.alive() else "is up"
            raise Failure("/api/info got no answer (%s; the server %s) after: %s\n%s"
                          % (e, state, what, self.server.log()))
        if status != 200 or b"scenario" not in body:
            raise Failure("/api/info answered %d after: %s" % (status, what))

    def send(self, what, data, api=True, allow=(), close_after_send=False, expect_answer=True):
        """One request; `allow` lists statuses other than 4xx/503 that are fine here."""
        self.count += 1
        t0 = time.monotonic()
        try:
            a = raw(self.host, self.port, data, close_after_send=close_after_send)
        except OSError as e:
            a = None
            self.problems.append("%s: connection failed: %s" % (what, e))
        if a is not None:
            self.statuses[a.status] = self.statuses.get(a.status, 0) + 1
            self.judge(what, a, api, allow, expect_answer)
        elif expect_answer and not close_after_send:
            self.statuses["closed"] = self.statuses.get("closed", 0) + 1
            self.problems.append("%s: the server closed the connection without an answer" % what)
        if time.monotonic() - t0 > 2:
            self.slow.append("%s (%.1f s)" % (what, time.monotonic() - t0))
        self.check_alive(what)

    def send_slow(self, what, data):
        """A request the server can only refuse after its read timeout (10 s): a body shorter
        than its Content-Length, or a length it cannot trust. Sent from a thread, so these
        waits overlap the other requests; finish() collects them."""
        def go():
            t0 = time.monotonic()
            try:
                a = raw(self.host, self.port, data, timeout_s=SLOW_TIMEOUT_S)
            except OSError as e:
                self.problems.append("%s: connection failed: %s" % (what, e))
                return
            if a is None:
                self.problems.append("%s: the server closed the connection without an answer" % what)
                return
            self.statuses[a.status] = self.statuses.get(a.status, 0) + 1
            self.judge(what, a, True, (), True)
            self.slow.append("%s (%d after %.1f s)" % (what, a.status, time.monotonic() - t0))
        self.count += 1
        t = threading.Thread(target=go)
        t.start()
        self.threads.append(t)

    def finish(self):
        for t in self.threads:
            t.join()
        self.check_alive("the requests refused after the read timeout")

    def judge(self, what, a, api, allow, expect_answer):
        if PASSWD_MARK in a.body:
            self.problems.append("%s: the answer holds /etc/passwd" % what)
        if a.status == -2:
            if expect_answer:
                self.problems.append("%s: no answer within %d s" % (what, TIMEOUT_S))
            return
        if a.status == -1:
            self.problems.append("%s: the answer is not HTTP: %r" % (what, a.body[:80]))
            return
        if a.status in allow:
            if a.status == 200 and "static" in allow_kinds(allow) and a.body:
                if a.body not in self.static.values():
                    self.problems.append("%s: 200 with a body that is no static file" % what)
            return
        if not (400 <= a.status < 500 or a.status == 503):
            self.problems.append("%s: answered %d" % (what, a.status))
            return
        if api:
            ctype = a.headers.get("content-type", "")
            try:
                err = json.loads(a.body)
                ok = isinstance(err, dict) and isinstance(err.get("error"), str) and err["error"]
            except ValueError:
                ok = False
            if not ok or "json" not in ctype:
                self.problems.append("%s: %d without a JSON error (%s): %r"
                                     % (what, a.status, ctype, a.body[:120]))


class StaticOk(tuple):
    """An `allow` that also accepts a 200 whose body is one of the static files."""


def allow_kinds(allow):
    return ("static",) if isinstance(allow, StaticOk) else ()


def mutate(rng, text):
    b = bytearray(text.encode())
    for _ in range(rng.randint(1, 4)):
        op = rng.randrange(5)
        i = rng.randrange(len(b) + 1)
        if op == 0 and b:
            del b[min(i, len(b) - 1)]
        elif op == 1:
            b.insert(i, rng.choice(b'{}[]",:\\-+.eE0123456789 \x00\xff\n'))
        elif op == 2 and b:
            b[min(i, len(b) - 1)] = rng.randrange(256)
        elif op == 3:
            b = b[:i]
        else:
            b[i:i] = rng.choice([b"NaN", b"Infinity", b"-Infinity", b"1e999", b"null", b"true",
                                 b"\"\\ud800\"", b"\xef\xbb\xbf", b"//", b"/*"])
    return bytes(b)


def valid_json(data):
    """True when the body is a JSON object that could be a valid request (such are skipped)."""
    try:
        v = json.loads(data.decode("utf-8"), parse_constant=lambda c: (_ for _ in ()).throw(ValueError(c)))
    except (ValueError, UnicodeDecodeError, RecursionError):
        return False
    return True


def cases_bad_json(f, info, codes):
    lever = info["levers"][0]
    lid = lever["id"]
    us_lever = next(l for l in info["levers"] if l["team"] == "us")
    cn_lever = next(l for l in info["levers"] if l["team"] == "cn")
    good = {
        "/api/run": json.dumps({"levers": {lid: lever["value"]}}),
        "/api/game/join": json.dumps({"code": codes["teams"]["us"]}),
        "/api/game/submit": json.dumps({"levers": {us_lever["id"]: us_lever["value"]}}),
    }
    fixed = [b"", b"{", b"}", b"[]", b"null", b"true", b"1", b"\"levers\"", b"{\"levers\":",
             b"{\"levers\": null}", b"{\"levers\": []}", b"{\"levers\": \"x\"}",
             b"{\"levers\": 1}", b"\x00", b"\xff\xfe{\x00}\x00",
             b"[" * 10000 + b"]" * 10000, b"{\"levers\": 1, \"a\":" + b"{\"a\":" * 10000 + b"1" + b"}" * 10001,
             b"{\"levers\": " + b"{\"a\":" * 10000 + b"1" + b"}" * 10001,
             b"{\"levers\": {\"" + b"x" * 60000 + b"\": 1}}"]
    for v in (["NaN", "Infinity", "-Infinity", "1e999", "-1e999", "1e308", "-1e308",
               str(10 ** 30), "\"2\"", "[2]", "{\"v\": 2}", "true", "null", "0x10", "01",
               ".5", "1.", "+1", "-0.0000001", "\"\\u0000\""]):
        fixed.append(("{\"levers\": {\"%s\": %s}}" % (lid, v)).encode())
    off = lever["min"] + lever["step"] / 3.0
    for v in (lever["min"] - lever["step"], lever["max"] + lever["step"], off):
        fixed.append(json.dumps({"levers": {lid: v}}).encode())
    fixed.append(json.dumps({"levers": {"no_such_lever": 1}}).encode())
    fixed.append(json.dumps({"levers": {"../../etc/passwd": 1}}).encode())
    fixed.append(json.dumps({"levers": {"": 1}}).encode())
    for body in fixed:
        f.send("POST /api/run %r" % body[:40], http("POST", "/api/run", body))
    # A byte order mark before good JSON: RFC 8259 lets a parser ignore it or refuse it.
    f.send("POST /api/run with a BOM", http("POST", "/api/run", b"\xef\xbb\xbf" + good["/api/run"].encode()),
           allow=(200,))
    for body in (b"", b"{}", b"{\"code\": 1}", b"{\"code\": null}", b"{\"code\": [\"x\"]}",
                 b"{\"code\": \"\"}", b"{\"code\": \"" + b"A" * 60000 + b"\"}",
                 b"{\"code\": \"ABCD-EFGH\"}", b"{\"code\": \"\\u0000\"}", b"[\"code\"]"):
        f.send("POST /api/game/join %r" % body[:40], http("POST", "/api/game/join", body))
    us = {"X-Airace-Code": codes["teams"]["us"]}
    for body in fixed[:20] + [json.dumps({"levers": {cn_lever["id"]: cn_lever["value"]}}).encode(),
                              json.dumps({"levers": {us_lever["id"]: us_lever["max"] + 1}}).encode()]:
        f.send("POST /api/game/submit %r" % body[:40], http("POST", "/api/game/submit", body, us))
    # Seeded random mutations of good bodies; those still valid JSON are skipped (they could
    # be good requests and start runs).
    made = 0
    while made < 120:
        route = f.rng.choice(sorted(good))
        body = mutate(f.rng, good[route])
        if valid_json(body):
            continue
        made += 1
        headers = us if route == "/api/game/submit" else {}
        f.send("POST %s mutated %r" % (route, body[:40]), http("POST", route, body, headers))


def cases_sizes(f):
    big = b"{\"levers\": {\"x\": \"" + b"a" * (10 * 1024 * 1024) + b"\"}}"
    f.send("POST /api/run with a 10 MB body", http("POST", "/api/run", big))
    f.send("POST /api/game/join with a 10 MB body", http("POST", "/api/game/join", big))
    # Declares 10 MB and sends 10 bytes, or declares 50 and sends 2, then waits.
    f.send_slow("Content-Length 10 MB, 10 bytes sent",
                http("POST", "/api/run", b"", {"Content-Length": str(10 * 1024 * 1024)}) +
                b"{\"levers\":")
    f.send_slow("Content-Length 50, 2 bytes sent",
                http("POST", "/api/game/join", b"", {"Content-Length": "50"}) + b"{}")
    f.send_slow("POST without Content-Length",
                b"POST /api/run HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    for cl in ("-1", "99999999999999999999999", ""):
        f.send_slow("Content-Length %r" % cl,
                    http("POST", "/api/run", b"", {"Content-Length": cl}) + b"{}")
    for cl in ("abc", "1, 2", "0x10"):
        f.send("Content-Length %r" % cl,
               http("POST", "/api/run", b"", {"Content-Length": cl}) + b"{}")
    f.send("two Content-Lengths",
           b"POST /api/run HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 5\r\n"
           b"Connection: close\r\n\r\n{}xyz")
    f.send("chunked with a bad size",
           b"POST /api/run HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
           b"Connection: close\r\n\r\nzz\r\n{}\r\n0\r\n\r\n", expect_answer=False)
    f.send("chunked with a huge size",
           b"POST /api/run HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
           b"Connection: close\r\n\r\nffffffffffffffff\r\n{}\r\n0\r\n\r\n", expect_answer=False)


def cases_routes(f, info):
    paths = ["/api", "/api/", "/api/nope", "/api/info/x", "/api/runs", "/api/runs/",
             "/api/runs/r999999/scenario.yaml", "/api/runs/r999999/result.h5",
             "/api/runs/r1/other", "/api/runs/../../etc/passwd", "/api/runs/%2e%2e/%2e%2e/etc/passwd",
             "/api/runs/r1%2f..%2f..%2fetc%2fpasswd/result.h5", "/api/runs/" + "9" * 40 + "/result.h5",
             "/api/runs/-1/result.h5", "/api/game/nope", "/api/game/", "/api/game/export.zip",
             "/nope", "/index.htm", "/app.jsx", "/chart.js.map", "/../../etc/passwd",
             "/..%2f..%2fetc%2fpasswd", "/%2e%2e/%2e%2e/etc/passwd", "/%2E%2E/%2E%2E/etc/passwd",
             "/.%2e/.%2e/etc/passwd", "/%252e%252e/%252e%252e/etc/passwd", "//etc/passwd",
             "/etc/passwd", "/app.js/../../../etc/passwd", "/static/../../../../etc/passwd",
             "/..\\..\\etc\\passwd", "/%5c..%5c..%5cetc%5cpasswd", "/chart.js%00.txt", "/%00",
             "/app.js%00", "/%ff%fe", "/%", "/%zz", "/?" + "a" * 9000, "/" + "a" * 100000,
             "/api/" + "a/" * 5000, "*", "http://example.com/",
             "/" + "%2e%2e/" * 20 + "etc/passwd"]
    for p in paths:
        api = p.startswith("/api")
        f.send("GET %s" % p[:60], http("GET", p), api=api, allow=StaticOk((200,)))


def cases_methods(f):
    routes = {"/": "GET", "/app.js": "GET", "/app.css": "GET", "/chart.js": "GET",
              "/api/info": "GET", "/api/run": "POST", "/api/game/join": "POST",
              "/api/game/state": "GET", "/api/game/submit": "POST", "/api/game/advance": "POST",
              "/api/game/undo": "POST", "/api/game/export.yaml": "GET"}
    for route, right in routes.items():
        api = route.startswith("/api")
        for m in ("GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD", "TRACE", "CONNECT",
                  "FOO", "get", "G\x00ET"):
            if m == right:
                continue
            # An empty POST to a page or /api/info is still not a game action.
            allow = (200, 204) if m in ("HEAD", "OPTIONS") or (m == "GET" and right == "GET") else ()
            if m == "GET" and right == "POST":
                allow = ()
            f.send("%s %s" % (m.encode("unicode_escape").decode(), route),
                   http(m, route, b"{}" if m in ("POST", "PUT", "PATCH") else b""),
                   api=api and m != "HEAD", allow=allow)


def cases_codes(f, codes):
    routes = [("GET", "/api/game/state"), ("POST", "/api/game/submit"), ("POST", "/api/game/advance"),
              ("POST", "/api/game/pause"), ("POST", "/api/game/undo"), ("POST", "/api/game/end"),
              ("GET", "/api/game/export.yaml"), ("GET", "/api/game/export.h5"),
              ("POST", "/api/game/agreement/propose"), ("POST", "/api/game/agreement/break")]
    bad = [None, "", "WRONG-CODE", codes["facilitator"].lower(),
           codes["facilitator"][:-1], "A" * 10000, "\u00e9\u00e9", codes["teams"]["us"] + "x"]
    for method, route in routes:
        for code in bad:
            h = {} if code is None else {"X-Airace-Code": code}
            f.send("%s %s code %r" % (method, route, (code or "")[:20]),
                   http(method, route, b"{}" if method == "POST" else b"", h))
    # A team's code on the facilitator's actions.
    for route in ("/api/game/advance", "/api/game/pause", "/api/game/undo", "/api/game/end",
                  "/api/game/resume"):
        f.send("POST %s with a team's code" % route,
               http("POST", route, b"{}", {"X-Airace-Code": codes["teams"]["cn"]}))
    # Agreements are the teams' moves: not the facilitator's, and only with an agreement's id.
    for move in ("propose", "accept", "decline", "withdraw", "break"):
        route = "/api/game/agreement/" + move
        f.send("POST %s with the facilitator's code" % route,
               http("POST", route, b'{"agreement": "nope"}',
                    {"X-Airace-Code": codes["facilitator"]}))
        for body in (b"", b"{}", b'{"agreement": 5}', b'{"agreement": null}',
                     b'{"agreement": "no_such_agreement"}', b'{"agreement": "x", "levers": {}}',
                     b'["agreement"]'):
            f.send("POST %s %r" % (route, body[:40]),
                   http("POST", route, body, {"X-Airace-Code": codes["teams"]["us"]}))
    f.send("two code headers", b"GET /api/game/state HTTP/1.1\r\nHost: x\r\nX-Airace-Code: WRONG\r\n"
           b"X-Airace-Code: " + codes["facilitator"].encode() + b"\r\nConnection: close\r\n\r\n",
           allow=(200,))
    f.send("a code with a CR", b"GET /api/game/state HTTP/1.1\r\nHost: x\r\nX-Airace-Code: AB\rCD\r\n"
           b"Connection: close\r\n\r\n")


def cases_headers(f):
    many = "".join("X-H%d: %d\r\n" % (i, i) for i in range(2000))
    f.send("2000 headers", ("GET /api/info HTTP/1.1\r\nHost: x\r\n%sConnection: close\r\n\r\n"
                            % many).encode(), allow=(200,))
    f.send("a 200 KB header", ("GET /api/info HTTP/1.1\r\nHost: x\r\nX-Big: %s\r\n"
                               "Connection: close\r\n\r\n" % ("b" * 200000)).encode(), allow=(200,))
    f.send("a header without a colon", b"GET /api/info HTTP/1.1\r\nHost x\r\nJunk\r\n"
           b"Connection: close\r\n\r\n", allow=(200,))
    f.send("HTTP/9.9", http("GET", "/api/info", version="HTTP/9.9"), allow=(200, 505))
    f.send("HTTP/0.9 style", b"GET /\r\n\r\n", api=False, expect_answer=False, allow=(200,))
    f.send("no version", b"GET /api/info\r\n\r\n", expect_answer=False, allow=(200,))
    f.send("a TLS hello", bytes.fromhex("160301020001000200030300") + b"\x00" * 200,
           expect_answer=False)
    f.send("binary garbage", bytes(f.rng.randrange(256) for _ in range(4000)), expect_answer=False)
    f.send("LF-only line ends", b"GET /api/info HTTP/1.1\nHost: x\nConnection: close\n\n",
           allow=(200,), expect_answer=False)
    f.send("pipelined", http("GET", "/api/nope", headers={"Connection": "keep-alive"}) +
           http("GET", "/api/info"), allow=(200,))


def cases_drops(f):
    parts = [b"G", b"GET /api/in", b"GET /api/info HTTP/1.1\r\n", b"GET /api/info HTTP/1.1\r\nHost:",
             b"POST /api/run HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"levers\":",
             b"POST /api/game/join HTTP/1.1\r\nHost: x\r\nContent-Length: 50\r\n\r\n{",
             http("POST", "/api/run", b"{\"levers\": {}}")[:-5]]
    for p in parts:
        f.send("dropped after %r" % p[:40], p, close_after_send=True)
    # Many connections opened and dropped at once, then a slow one.
    socks = []
    for _ in range(50):
        s = socket.create_connection((f.host, f.port), timeout=TIMEOUT_S)
        s.sendall(b"POST /api/run HTTP/1.1\r\nHost: x\r\nContent-Length: 30\r\n\r\n{")
        socks.append(s)
    for s in socks:
        s.close()
    f.count += 50
    f.check_alive("50 connections dropped mid-body")
    s = socket.create_connection((f.host, f.port), timeout=TIMEOUT_S)
    s.sendall(b"GET /api/info HTTP/1.1\r\n")
    time.sleep(1.0)
    s.close()
    f.count += 1
    f.check_alive("a slow request dropped")


def main():
    binary = sys.argv[1]
    seed = int(sys.argv[sys.argv.index("--seed") + 1]) if "--seed" in sys.argv else 20250101
    t0 = time.monotonic()
    global HOST_HEADER
    with Server(binary) as server:
        HOST_HEADER = server.host_header.encode()
        info = server.json("GET", "/api/info")
        f = Fuzz(server, seed)
        for path in ("/", "/app.js", "/app.css", "/chart.js"):
            status, _, body = server.request("GET", path)
            if status != 200:
                f.problems.append("GET %s answered %d" % (path, status))
            f.static[path] = body
        before = server.json("GET", "/api/game/state", code=server.facilitator)
        for name, cases in (("sizes", lambda: cases_sizes(f)),
                            ("bad JSON", lambda: cases_bad_json(f, info, server.codes)),
                            ("routes", lambda: cases_routes(f, info)),
                            ("methods", lambda: cases_methods(f)),
                            ("codes", lambda: cases_codes(f, server.codes)),
                            ("headers", lambda: cases_headers(f)),
                            ("drops", lambda: cases_drops(f))):
            n = f.count
            try:
                cases()
            except Failure as e:  # the server died: report it with what was found before
                f.problems.insert(0, str(e))
                break
            print("%-8s %4d requests, %d problems so far (%.1f s)"
                  % (name, f.count - n, len(f.problems), time.monotonic() - t0), flush=True)
        try:
            f.finish()
        except Failure as e:
            f.problems.insert(0, str(e))
        if server.alive():
            after = server.json("GET", "/api/game/state", code=server.facilitator)
            for key in ("turn", "status", "date", "pending", "history"):
                if before[key] != after[key]:
                    f.problems.append("refused requests changed the game's %s: %r -> %r"
                                      % (key, before[key], after[key]))
            f.check_alive("the end")
        # Stopped as a user would (SIGTERM): a clean exit, so that a sanitizer's report at
        # exit (a leak, a race) fails the test in the asan and tsan presets.
        status = server.stop()
        if status != 0:
            f.problems.append("airace serve exited with status %s on SIGTERM:\n%s"
                              % (status, server.last_log))
    print("%d requests in %.1f s; answers: %s" % (f.count, time.monotonic() - t0,
          ", ".join("%s: %d" % (k, v) for k, v in sorted(f.statuses.items(), key=str))))
    if f.slow:
        print("answered after more than 2 s: %s" % "; ".join(f.slow))
    if f.problems:
        raise Failure("%d problems:\n  %s" % (len(f.problems), "\n  ".join(f.problems[:100])))


if __name__ == "__main__":
    main_guard(main)
