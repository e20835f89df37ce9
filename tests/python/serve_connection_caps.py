"""One address cannot take every connection of `airace serve`.

    /usr/bin/python3 tests/python/serve_connection_caps.py AIRACE_BINARY

Opens the per-address cap (256, kMaxConnectionsPerAddress in sim/serve/http_server.cpp) of
connections from 127.0.0.2 (Linux routes all of 127/8 to the loopback interface), each with a
request under way; one more from 127.0.0.2 must be answered 503 with Retry-After and closed,
while 127.0.0.1 is still served. Once those connections close, 127.0.0.2 is served again.
Takes a few seconds.
"""
import socket
import sys
import time

from serve_util import Failure, Server, main_guard, raw_request

PER_ADDRESS_CAP = 256
CROWD = "127.0.0.2"


def main():
    binary = sys.argv[1]
    problems = []
    with Server(binary) as server:
        info = ("GET /api/info HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n"
                % server.host_header).encode()
        held = []
        try:
            for _ in range(PER_ADDRESS_CAP):
                s = socket.create_connection((server.host, server.port), timeout=10,
                                             source_address=(CROWD, 0))
                s.sendall(b"GET /api/info HTTP/1.1\r\n")  # a request under way: held for 10 s
                held.append(s)
            t0 = time.monotonic()
            extra = raw_request(server, info, source=CROWD)
            took = time.monotonic() - t0
            if extra is None or extra.status != 503 or not extra.headers.get("retry-after"):
                problems.append("connection %d from %s: %s, expected 503 with Retry-After"
                                % (PER_ADDRESS_CAP + 1, CROWD, extra))
            elif extra.headers.get("connection", "").lower() != "close":
                problems.append("the refused connection was not closed")
            print("connection %d from %s: %s after %.3f s"
                  % (PER_ADDRESS_CAP + 1, CROWD, extra.status if extra else None, took))
            other = raw_request(server, info, source="127.0.0.1")
            if other is None or other.status != 200:
                problems.append("127.0.0.1 while %s is at its cap: %s" % (CROWD, other))
        finally:
            for s in held:
                s.close()
        time.sleep(0.5)
        again = raw_request(server, info, source=CROWD)
        if again is None or again.status != 200:
            problems.append("%s after its connections closed: %s" % (CROWD, again))
        status = server.stop()
        if status != 0:
            problems.append("airace serve exited with %s on SIGTERM" % status)
    if problems:
        raise Failure("%d problems:\n  %s" % (len(problems), "\n  ".join(problems)))
    print("the per-address cap holds; other addresses are still served")


if __name__ == "__main__":
    main_guard(main)
