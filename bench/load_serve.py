"""Load test of `airace serve` on loopback: simulated students moving the dashboard's sliders.

    /usr/bin/python3 bench/load_serve.py AIRACE_BINARY [--clients 30] [--seconds 60]
                                         [--scenario FILE] [--seed N]

Starts the server, then runs --clients threads for --seconds. Each holds its own keep-alive
connection and its own lever values; it moves one random lever to a random value on its step
grid, POSTs /api/run with all its levers, and waits 0.2 to 1 s before the next move, as a
student would. Meanwhile the server's resident memory is read from /proc/PID/status every
100 ms. Reports the number of answers, a histogram of their statuses, p50/p95/max response
times (all answers, and 200s alone), and the server's peak RSS (polled, and the kernel's
VmHWM). Exits 1 if any answer was other than 200, or 503/409 (refused by design), if a request
failed, or if the server died.
"""
import argparse
import http.client
import json
import pathlib
import random
import sys
import threading
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "tests" / "python"))
from serve_util import Failure, Server, random_lever_value  # noqa: E402

BY_DESIGN = {200, 409, 503}


def rss_kib(pid, field="VmRSS"):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


class Results:
    def __init__(self):
        self.lock = threading.Lock()
        self.latencies = []      # (status, seconds)
        self.failures = []       # requests that got no HTTP answer
        self.reconnects = 0

    def add(self, status, seconds):
        with self.lock:
            self.latencies.append((status, seconds))

    def fail(self, what):
        with self.lock:
            self.failures.append(what)


def percentile(values, q):
    if not values:
        return float("nan")
    s = sorted(values)
    k = (len(s) - 1) * q
    i = int(k)
    return s[i] if i + 1 >= len(s) else s[i] + (s[i + 1] - s[i]) * (k - i)


def client(n, host, port, levers, deadline, results, seed):
    rng = random.Random(seed * 1000 + n)
    values = {l["id"]: l["value"] for l in levers}
    conn = None
    while time.monotonic() < deadline:
        lever = rng.choice(levers)
        values[lever["id"]] = random_lever_value(rng, lever)
        body = json.dumps({"levers": values})
        for attempt in (1, 2):
            if conn is None:
                conn = http.client.HTTPConnection(host, port, timeout=300)
            t0 = time.monotonic()
            try:
                conn.request("POST", "/api/run", body, {"Content-Type": "application/json"})
                res = conn.getresponse()
                res.read()
                results.add(res.status, time.monotonic() - t0)
                if res.getheader("Connection", "").lower() == "close":
                    conn.close()
                    conn = None
                break
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError) as e:
                # A keep-alive connection the server closed while idle: once more on a new one.
                conn.close()
                conn = None
                if attempt == 2:
                    results.fail("client %d: %s" % (n, e))
                else:
                    with results.lock:
                        results.reconnects += 1
            except Exception as e:  # a timeout or anything else: no answer
                conn.close()
                conn = None
                results.fail("client %d: %r" % (n, e))
                break
        time.sleep(rng.uniform(0.2, 1.0))
    if conn is not None:
        conn.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("binary")
    ap.add_argument("--clients", type=int, default=30)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--scenario", default=None)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()

    with Server(args.binary, args.scenario) as server:
        pid = server.proc.pid
        info = server.json("GET", "/api/info")
        host, port = server.url.split("//", 1)[1].rstrip("/").rsplit(":", 1)
        rss = {"start": rss_kib(pid), "peak": rss_kib(pid) or 0}
        stop = threading.Event()

        def watch():
            while not stop.is_set():
                v = rss_kib(pid)
                if v is not None:
                    rss["peak"] = max(rss["peak"], v)
                stop.wait(0.1)

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        results = Results()
        t0 = time.monotonic()
        deadline = t0 + args.seconds
        threads = [threading.Thread(target=client, args=(i, host, int(port), info["levers"],
                                                         deadline, results, args.seed))
                   for i in range(args.clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.monotonic() - t0
        alive = server.alive()
        hwm = rss_kib(pid, "VmHWM")
        stop.set()
        watcher.join()
        info_after = server.request("GET", "/api/info")[0] if alive else None

    statuses = {}
    for status, _ in results.latencies:
        statuses[status] = statuses.get(status, 0) + 1
    all_s = [s for _, s in results.latencies]
    ok_s = [s for st, s in results.latencies if st == 200]
    print("airace serve load test: %d clients for %.0f s (wall %.1f s), %d replicates per run"
          % (args.clients, args.seconds, wall, info["replicates"]))
    print("answers: %d (%.1f/s); statuses: %s; reconnects: %d; failed requests: %d"
          % (len(all_s), len(all_s) / wall,
             ", ".join("%d: %d" % kv for kv in sorted(statuses.items())),
             results.reconnects, len(results.failures)))
    print("latency, all answers: p50 %.0f ms, p95 %.0f ms, max %.0f ms"
          % (1000 * percentile(all_s, 0.5), 1000 * percentile(all_s, 0.95),
             1000 * max(all_s, default=float("nan"))))
    print("latency, 200 only:    p50 %.0f ms, p95 %.0f ms, max %.0f ms (%d runs)"
          % (1000 * percentile(ok_s, 0.5), 1000 * percentile(ok_s, 0.95),
             1000 * max(ok_s, default=float("nan")), len(ok_s)))
    print("server RSS: %.1f MiB at start, peak %.1f MiB polled, VmHWM %s MiB"
          % ((rss["start"] or 0) / 1024, rss["peak"] / 1024,
             "%.1f" % (hwm / 1024) if hwm else "?"))
    bad = {k: v for k, v in statuses.items() if k not in BY_DESIGN}
    problems = []
    if bad:
        problems.append("answers other than 200/409/503: %s" % bad)
    if results.failures:
        problems.append("%d requests got no answer, e.g. %s"
                        % (len(results.failures), results.failures[:3]))
    if not alive:
        problems.append("the server died")
    elif info_after != 200:
        problems.append("/api/info answered %s after the load" % info_after)
    if not statuses.get(200):
        problems.append("no run succeeded")
    for p in problems:
        print("FAILED: " + p)
    return 1 if problems else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Failure as e:
        print("FAILED: %s" % e)
        sys.exit(1)
