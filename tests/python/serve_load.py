"""200 students at once: `airace serve` answers each request 200, or 503 with Retry-After, in time.

    /usr/bin/python3 tests/python/serve_load.py AIRACE_BINARY [--clients 200] [--seconds 20]

--clients threads start together and, for --seconds, each POSTs /api/run with its own lever
values (one in five asks GET /api/info instead), on a fresh connection each time, waiting 0.2 to
1 s between requests. Every request must be answered 200, or 503 with a Retry-After header,
within 10 s: no reset, no time-out, no other status. Prints the statuses and latencies. Takes
about half a minute.
"""
import argparse
import http.client
import json
import random
import sys
import threading
import time

from serve_util import Failure, Server, main_guard, random_lever_value

DEADLINE_S = 10.0


def client(server, levers, n, start, stop_at, results, lock):
    rng = random.Random(n)
    values = {l["id"]: l["value"] for l in levers}
    start.wait()
    while time.monotonic() < stop_at:
        if rng.random() < 0.2:
            method, path, body = "GET", "/api/info", None
        else:
            lever = rng.choice(levers)
            values[lever["id"]] = random_lever_value(rng, lever)
            method, path, body = "POST", "/api/run", json.dumps({"levers": values})
        t0 = time.monotonic()
        conn = http.client.HTTPConnection(server.host, server.port, timeout=30)
        try:
            conn.request(method, path, body, {"Content-Type": "application/json"} if body else {})
            res = conn.getresponse()
            res.read()
            row = (method, res.status, time.monotonic() - t0, res.getheader("Retry-After"), None)
        except Exception as e:  # a reset or a time-out
            row = (method, None, time.monotonic() - t0, None, repr(e))
        finally:
            conn.close()
        with lock:
            results.append(row)
        time.sleep(rng.uniform(0.2, 1.0))


def percentile(values, q):
    s = sorted(values)
    return s[min(len(s) - 1, int(q * (len(s) - 1) + 0.5))] if s else float("nan")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("--clients", type=int, default=200)
    ap.add_argument("--seconds", type=float, default=20)
    args = ap.parse_args()
    with Server(args.binary) as server:
        levers = server.json("GET", "/api/info")["levers"]
        results, lock, start = [], threading.Lock(), threading.Event()
        stop_at = time.monotonic() + args.seconds + 1
        threads = [threading.Thread(target=client,
                                    args=(server, levers, n, start, stop_at, results, lock))
                   for n in range(args.clients)]
        for t in threads:
            t.start()
        start.set()
        for t in threads:
            t.join()
        alive = server.alive()
        status = server.stop()

    problems = []
    statuses = {}
    for method, st, took, retry, err in results:
        statuses[st] = statuses.get(st, 0) + 1
        if st not in (200, 503) or took > DEADLINE_S:
            problems.append("%s: %s after %.1f s%s" % (method, st, took, " (%s)" % err if err else ""))
        elif st == 503 and not (retry or "").isdigit():
            problems.append("%s: 503 without Retry-After" % method)
    if not statuses.get(200):
        problems.append("no request was answered 200")
    if not alive or status != 0:
        problems.append("the server died or exited with %s" % status)
    for kind in ("POST", "GET"):
        took = [r[2] for r in results if r[0] == kind]
        ok = [r[2] for r in results if r[0] == kind and r[1] == 200]
        print("%s: %d requests, %d answered 200; latency p50 %.2f s, p95 %.2f s, max %.2f s"
              % (kind, len(took), len(ok), percentile(took, 0.5), percentile(took, 0.95),
                 max(took, default=float("nan"))))
    print("%d clients, %d requests; statuses: %s"
          % (args.clients, len(results),
             ", ".join("%s: %d" % kv for kv in sorted(statuses.items(), key=str))))
    if problems:
        raise Failure("%d problems, e.g.:\n  %s" % (len(problems), "\n  ".join(problems[:20])))


if __name__ == "__main__":
    main_guard(main)
