"""Huge uploads are refused before they are read: `airace serve`'s memory stays flat.

    /usr/bin/python3 tests/python/serve_body_limits.py AIRACE_BINARY

Four uploads of 256 MiB each, chunked (Transfer-Encoding) or with a Content-Length, to
/api/game/advance with the facilitator's code and without a code: each must be refused (411
chunked, 413 too long, 403 without a code) while at most a few MiB have been sent, and the
server's resident memory (/proc/PID/status) must grow by less than 4 MiB in all. Takes a few
seconds.
"""
import select
import socket
import sys
import time

from serve_util import Failure, Server, main_guard, read_answer

UPLOAD_BYTES = 256 * 1024 * 1024
PIECE = b"x" * (64 * 1024)
MAX_SENT_BYTES = 16 * 1024 * 1024  # what the kernel's socket buffers may take before an answer
MAX_RSS_GROWTH_KIB = 4 * 1024


def upload(server, chunked, code):
    head = ("POST /api/game/advance HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\n"
            % server.host_header)
    if code:
        head += "X-Airace-Code: %s\r\n" % code
    head += ("Transfer-Encoding: chunked\r\n" if chunked
             else "Content-Length: %d\r\n" % UPLOAD_BYTES) + "\r\n"
    sock = socket.create_connection((server.host, server.port), timeout=10)
    sent = 0
    t0 = time.monotonic()
    piece = (b"%x\r\n" % len(PIECE)) + PIECE + b"\r\n" if chunked else PIECE
    try:
        sock.sendall(head.encode())
        sock.setblocking(False)
        while sent < UPLOAD_BYTES and time.monotonic() - t0 < 30:
            readable, writable, _ = select.select([sock], [sock], [], 1.0)
            if readable:
                break  # the answer (or the close) came
            if writable:
                try:
                    sent += sock.send(piece)
                except BlockingIOError:
                    pass
                except (BrokenPipeError, ConnectionResetError):
                    break
        sock.setblocking(True)
        sock.settimeout(10)
        answer = read_answer(sock)
    finally:
        sock.close()
    return answer, sent, time.monotonic() - t0


def main():
    binary = sys.argv[1]
    problems = []
    with Server(binary) as server:
        server.json("GET", "/api/info")
        rss0 = server.rss_kib()
        for chunked in (True, False):
            for code in (None, server.facilitator):
                what = "%s upload %s a code" % ("a chunked" if chunked else "a Content-Length",
                                                "with" if code else "without")
                answer, sent, took = upload(server, chunked, code)
                expected = 411 if chunked else 413
                if answer is None or answer.status != expected:
                    problems.append("%s: answered %s, expected %d"
                                    % (what, answer.status if answer else "nothing", expected))
                if sent > MAX_SENT_BYTES:
                    problems.append("%s: %d MiB were sent before the refusal" % (what, sent >> 20))
                print("%s: %s after %.2f s, %.1f MiB sent"
                      % (what, answer.status if answer else None, took, sent / 2 ** 20))
        # Without a code, the code is checked first: refused before the body as well.
        answer, sent, _ = upload(server, False, "WRONG-CODE")
        if answer is None or answer.status not in (403, 413):
            problems.append("a Content-Length upload with a wrong code: %s" % answer)
        server.json("GET", "/api/info")
        rss1 = server.rss_kib()
        print("server RSS: %.1f MiB before, %.1f MiB after (+%.2f MiB)"
              % (rss0 / 1024, rss1 / 1024, (rss1 - rss0) / 1024))
        if rss1 - rss0 > MAX_RSS_GROWTH_KIB:
            problems.append("the server's RSS grew by %.1f MiB" % ((rss1 - rss0) / 1024))
        status = server.stop()
        if status != 0:
            problems.append("airace serve exited with %s on SIGTERM" % status)
    if problems:
        raise Failure("%d problems:\n  %s" % (len(problems), "\n  ".join(problems)))


if __name__ == "__main__":
    main_guard(main)
