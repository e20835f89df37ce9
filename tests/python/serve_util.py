"""Shared by the tests of `airace serve`: start and stop the server, talk to its API, and make a
headless Chromium driven by Selenium (Debian's chromium, chromium-driver and python3-selenium).

    with Server(binary) as server:        # airace serve [SCENARIO] --port 0 --codes-file F
        server.url, server.codes          # "http://127.0.0.1:PORT/", {"facilitator": .., "teams": {..}}
        status, headers, body = server.request("GET", "/api/info")
        driver = chromium()

Run with /usr/bin/python3 (it has h5py and selenium).
"""
import json
import os
import pathlib
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"


class Failure(Exception):
    """A check that did not hold; the scripts print it and exit 1."""


class Server:
    """`airace serve` in a subprocess, on a free loopback port, until stop() or the with-block ends."""

    def __init__(self, binary, scenario=None, extra_args=(), start_timeout_s=120):
        # The server runs in the repository root: a relative path is taken from here.
        self.binary = os.path.abspath(binary) if os.sep in str(binary) else str(binary)
        self.scenario = str(scenario) if scenario else None  # None: the binary's default
        self.extra_args = list(extra_args)
        self.start_timeout_s = start_timeout_s
        self.proc = None
        self.last_log = ""
        self.url = None
        self.codes = None
        self._dir = None

    def start(self):
        self._dir = tempfile.TemporaryDirectory(prefix="airace_serve_")
        codes_file = pathlib.Path(self._dir.name) / "codes.json"
        self.log_path = pathlib.Path(self._dir.name) / "serve.log"
        log = open(self.log_path, "wb")
        cmd = [self.binary, "serve"] + ([self.scenario] if self.scenario else [])
        cmd += ["--port", "0", "--codes-file", str(codes_file)]
        cmd += self.extra_args
        print("+", " ".join(cmd), flush=True)
        self.proc = subprocess.Popen(cmd, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        deadline = time.monotonic() + self.start_timeout_s
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise Failure("airace serve exited with %d before listening:\n%s"
                              % (self.proc.returncode, self.log()))
            if codes_file.exists():
                try:
                    codes = json.loads(codes_file.read_text())
                except ValueError:
                    codes = None  # written but not complete yet
                if codes and "url" in codes:
                    mode = codes_file.stat().st_mode & 0o777
                    if mode != 0o600:  # the codes are secrets: private to the user
                        self.stop()
                        raise Failure("the codes file has mode %o, expected 600" % mode)
                    self.codes = codes
                    self.url = codes["url"].rstrip("/") + "/"
                    return self
            time.sleep(0.1)
        self.stop()
        raise Failure("airace serve wrote no codes file in %d s" % self.start_timeout_s)

    def log(self):
        try:
            return self.log_path.read_text(errors="replace")[-4000:]
        except OSError:
            return ""

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self):
        """Stops the server (SIGTERM) and returns its exit status (None if never started).
        The end of its log stays in last_log."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self._dir is not None:
            self.last_log = self.log()
            self._dir.cleanup()
            self._dir = None
        return self.proc.returncode if self.proc is not None else None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    @property
    def host(self):
        """The server's address, e.g. "127.0.0.1"."""
        return self.url.split("//", 1)[1].rstrip("/").rsplit(":", 1)[0]

    @property
    def port(self):
        return int(self.url.rstrip("/").rsplit(":", 1)[1])

    @property
    def host_header(self):
        """What a browser sends as Host: "127.0.0.1:PORT"."""
        return "%s:%d" % (self.host, self.port)

    def rss_kib(self, field="VmRSS"):
        """The server's resident memory (or another /proc/PID/status field) in KiB."""
        with open("/proc/%d/status" % self.proc.pid) as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
        raise Failure("no %s in /proc/%d/status" % (field, self.proc.pid))

    @property
    def facilitator(self):
        return self.codes["facilitator"]

    def team_code(self, team):
        return self.codes["teams"][team]

    def request(self, method, path, body=None, code=None, headers=None, timeout=120):
        """(status, headers, body bytes) of one request; never raises for an HTTP status."""
        data = None
        h = dict(headers or {})
        if body is not None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            h.setdefault("Content-Type", "application/json")
        if code:
            h["X-Airace-Code"] = code
        req = urllib.request.Request(self.url.rstrip("/") + path, data=data, method=method,
                                     headers=h)
        try:
            with urllib.request.urlopen(req, timeout=timeout) as res:
                return res.status, res.headers, res.read()
        except urllib.error.HTTPError as e:
            return e.code, e.headers, e.read()

    def json(self, method, path, body=None, code=None, expect=200):
        status, _, raw = self.request(method, path, body, code)
        if status != expect:
            raise Failure("%s %s answered %d (expected %d): %s"
                          % (method, path, status, expect, raw[:300].decode(errors="replace")))
        return json.loads(raw)


class Answer:
    """An HTTP answer read from a raw socket: status, headers (names in lower case), body."""

    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    def __repr__(self):
        return "Answer(%d, %r)" % (self.status, self.body[:120])


def read_answer(sock):
    """The answer on a socket (blocking, with the socket's timeout); None if the server closed
    the connection (or reset it) before sending a whole head."""
    buf = b""
    try:
        while b"\r\n\r\n" not in buf:
            chunk = sock.recv(65536)
            if not chunk:
                return None
            buf += chunk
    except (ConnectionResetError, socket.timeout):
        return None
    head, body = buf.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {}
    for line in lines[1:]:
        k, _, v = line.partition(":")
        headers[k.strip().lower()] = v.strip()
    length = int(headers.get("content-length", "0") or 0)
    try:
        while len(body) < length:
            chunk = sock.recv(65536)
            if not chunk:
                break
            body += chunk
    except ConnectionResetError:
        pass
    return Answer(status, headers, body[:length])


def raw_request(server, data, timeout=10, source=None):
    """Send bytes on a fresh connection (from the local address `source`, e.g. "127.0.0.2") and
    read the answer; None when the server closed the connection without one."""
    sock = socket.create_connection((server.host, server.port), timeout=timeout,
                                    source_address=(source, 0) if source else None)
    try:
        try:
            sock.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # refused before the whole request was read: the answer may still be there
        return read_answer(sock)
    finally:
        sock.close()


def random_lever_value(rng, lever):
    """A value on the lever's slider grid, as a student moving it at random would set."""
    steps = int(round((lever["max"] - lever["min"]) / lever["step"]))
    return round(lever["min"] + lever["step"] * rng.randint(0, steps), 12)


def chromium(width=1400, height=1000):
    """A headless Chromium that keeps the page's console log (driver.get_log('browser'))."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--no-first-run", "--window-size=%d,%d" % (width, height),
                "--force-device-scale-factor=1"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    driver.set_script_timeout(60)
    return driver


def console_errors(driver):
    """The page's console errors (SEVERE) since the last call; Chromium clears the log on reading."""
    return [e["message"] for e in driver.get_log("browser") if e.get("level") == "SEVERE"]


def wait_for(what, predicate, timeout_s=60, interval_s=0.1):
    """predicate()'s first truthy value within timeout_s, else Failure naming `what`."""
    deadline = time.monotonic() + timeout_s
    last_error = None
    while time.monotonic() < deadline:
        try:
            value = predicate()
            if value:
                return value
        except Exception as e:  # a page still loading throws; try again until the deadline
            last_error = e
        time.sleep(interval_s)
    raise Failure("timed out after %g s waiting for %s%s"
                  % (timeout_s, what, " (last error: %s)" % last_error if last_error else ""))


def set_slider(driver, selector, value):
    """Set a range input as a user would end up: value, then the input and change events."""
    return driver.execute_script(
        """const el = document.querySelector(arguments[0]);
           if (!el) return null;
           el.value = String(arguments[1]);
           el.dispatchEvent(new Event('input', {bubbles: true}));
           el.dispatchEvent(new Event('change', {bubbles: true}));
           return Number(el.value);""", selector, value)


def main_guard(fn):
    """Run fn() and turn a Failure into a message and exit status 1."""
    import sys
    os.environ.setdefault("HDF5_USE_FILE_LOCKING", "FALSE")
    try:
        fn()
    except Failure as e:
        print("FAILED: %s" % e, flush=True)
        sys.exit(1)
    print("OK", flush=True)
    sys.exit(0)
