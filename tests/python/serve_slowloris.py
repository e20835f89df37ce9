"""Slow clients cannot starve `airace serve` (a "slowloris" attack), on loopback.

    /usr/bin/python3 tests/python/serve_slowloris.py AIRACE_BINARY

45 connections each send a request's head one byte every 2 s. Meanwhile 4 legitimate clients
ask GET /api/info and POST /api/run (new lever values) on fresh connections. Every legitimate
request must be answered 200 or 503 within 10 s, none lost; every slow connection must be
answered 408 and closed by the server within the whole-request deadline (10 s from its first
byte, plus 2 s of slack). Takes about 20 s.
"""
import http.client
import json
import random
import socket
import sys
import threading
import time

from serve_util import Failure, Server, main_guard, random_lever_value

SLOW = 45
BYTE_EVERY_S = 2.0
DEADLINE_S = 10.0
SLACK_S = 2.0
LEGIT_CLIENTS = 4
LEGIT_FOR_S = 16.0


def slow_client(server, results, i):
    request = ("GET /api/info HTTP/1.1\r\nHost: %s\r\nX-Slow: %s\r\n\r\n"
               % (server.host_header, "s" * 40)).encode()
    sock = socket.create_connection((server.host, server.port), timeout=30)
    first = None
    got = b""
    try:
        for k in range(len(request)):
            try:
                sock.sendall(request[k:k + 1])
            except (BrokenPipeError, ConnectionResetError):
                break
            if first is None:
                first = time.monotonic()
            sock.settimeout(BYTE_EVERY_S)
            try:
                chunk = sock.recv(4096)
            except socket.timeout:
                continue
            except ConnectionResetError:
                break
            got += chunk
            if not chunk:
                break
            # The answer came; read until the server closes.
            sock.settimeout(5)
            try:
                while True:
                    chunk = sock.recv(4096)
                    if not chunk:
                        break
                    got += chunk
            except (socket.timeout, ConnectionResetError):
                pass
            break
        closed_after = time.monotonic() - first
    finally:
        sock.close()
    results[i] = (closed_after, got[:12])


def legit_client(server, levers, results, n, stop_at):
    rng = random.Random(n)
    while time.monotonic() < stop_at:
        if rng.random() < 0.5:
            method, path, body = "GET", "/api/info", None
        else:
            lever = rng.choice(levers)
            value = random_lever_value(rng, lever)
            method, path, body = "POST", "/api/run", json.dumps({"levers": {lever["id"]: value}})
        t0 = time.monotonic()
        conn = http.client.HTTPConnection(server.host, server.port, timeout=30)
        try:
            conn.request(method, path, body, {"Content-Type": "application/json"} if body else {})
            res = conn.getresponse()
            res.read()
            results.append((method + " " + path, res.status, time.monotonic() - t0, None))
        except Exception as e:  # a reset or a time-out: a lost request
            results.append((method + " " + path, None, time.monotonic() - t0, repr(e)))
        finally:
            conn.close()
        time.sleep(rng.uniform(0.2, 0.6))


def main():
    binary = sys.argv[1]
    with Server(binary) as server:
        levers = server.json("GET", "/api/info")["levers"]
        slow = [None] * SLOW
        threads = [threading.Thread(target=slow_client, args=(server, slow, i)) for i in range(SLOW)]
        for t in threads:
            t.start()
        time.sleep(1.0)  # the slow connections hold their places first
        legit = []
        stop_at = time.monotonic() + LEGIT_FOR_S
        clients = [threading.Thread(target=legit_client, args=(server, levers, legit, n, stop_at))
                   for n in range(LEGIT_CLIENTS)]
        for t in clients:
            t.start()
        for t in clients + threads:
            t.join()
        alive = server.alive()
        status = server.stop()

    problems = []
    late = [r for r in legit if r[1] not in (200, 503) or r[2] > DEADLINE_S]
    for what, st, took, err in late[:10]:
        problems.append("%s: %s after %.1f s%s" % (what, st, took, " (%s)" % err if err else ""))
    if not any(r[1] == 200 for r in legit):
        problems.append("no legitimate request was answered 200")
    closes = [c for c, _ in slow]
    for i, (closed_after, got) in enumerate(slow):
        if closed_after > DEADLINE_S + SLACK_S:
            problems.append("slow connection %d: closed only after %.1f s" % (i, closed_after))
        if not got.startswith(b"HTTP/1.1 408"):
            problems.append("slow connection %d: got %r, not 408" % (i, got))
    if not alive or status != 0:
        problems.append("the server died or exited with %s" % status)
    took = sorted(r[2] for r in legit)
    statuses = {}
    for r in legit:
        statuses[r[1]] = statuses.get(r[1], 0) + 1
    print("legitimate requests: %d, statuses %s, latency p50 %.2f s, max %.2f s"
          % (len(legit), statuses, took[len(took) // 2], took[-1]))
    print("slow connections: %d, closed after %.1f to %.1f s from their first byte"
          % (len(slow), min(closes), max(closes)))
    if problems:
        raise Failure("%d problems:\n  %s" % (len(problems), "\n  ".join(problems)))


if __name__ == "__main__":
    main_guard(main)
