"""Access to `airace serve`: on loopback the dashboard is open and the game needs a code; with
--bind on another address the server warns and every API request but /api/info needs a code.

    /usr/bin/python3 tests/python/check_serve_access.py AIRACE_BINARY

Also checks that a scenario without levers (a teaching one) is served with the default levers,
and that a bad scenario and a busy port are refused with exit status 2 and a message.
"""
import socket
import subprocess
import sys

from serve_util import Failure, Server, main_guard

RUN = {"levers": {}}


def expect(what, got, wanted):
    if got != wanted:
        raise Failure("%s: answered %s, expected %s" % (what, got, wanted))


def main():
    binary = sys.argv[1]
    with Server(binary) as s:
        expect("loopback: /api/run without a code", s.request("POST", "/api/run", RUN)[0], 200)
        expect("loopback: game state without a code", s.request("GET", "/api/game/state")[0], 403)
        expect("loopback: game state with a wrong code",
               s.request("GET", "/api/game/state", code="AAAA-AAAA")[0], 403)
        expect("loopback: a team advancing the game",
               s.request("POST", "/api/game/advance", b"", code=s.team_code("us"))[0], 403)
        info = s.json("GET", "/api/info")
        if info["codes_required"]:
            raise Failure("loopback: /api/info says codes are required")

    with Server(binary, extra_args=["--bind", "0.0.0.0"]) as s:
        if "warning: airace serve is open to the network" not in s.log():
            raise Failure("--bind 0.0.0.0 printed no warning:\n" + s.log())
        expect("network: /api/info without a code", s.request("GET", "/api/info")[0], 200)
        if not s.json("GET", "/api/info")["codes_required"]:
            raise Failure("network: /api/info does not say codes are required")
        expect("network: /api/run without a code", s.request("POST", "/api/run", RUN)[0], 403)
        expect("network: a download without a code",
               s.request("GET", "/api/runs/r1/scenario.yaml")[0], 403)
        expect("network: /api/run with a team's code",
               s.request("POST", "/api/run", RUN, code=s.team_code("cn"))[0], 200)
        expect("network: the page itself", s.request("GET", "/")[0], 200)

    # A teaching scenario declares no levers: it is served with the six government levers.
    with Server(binary, scenario="scenarios/teaching/enforcement_double.yaml") as s:
        info = s.json("GET", "/api/info")
        levers = {l["id"]: l["value"] for l in info["levers"]}
        if len(levers) != 6 or levers.get("enforcement") != 2:
            raise Failure("a teaching scenario's default levers: %s" % levers)
        if "declares no levers" not in s.log():
            raise Failure("serving a scenario without levers says nothing:\n" + s.log())
        s.json("POST", "/api/run", {"levers": {"enforcement": 0.5}})

    # A malformed scenario, and a port in use: refused with status 2 and a message.
    done = subprocess.run([binary, "serve", "tests/data/bad_misspelt_key.yaml", "--port", "0"],
                          capture_output=True, text=True, timeout=120)
    if done.returncode != 2 or "bad_misspelt_key.yaml:" not in done.stderr:
        raise Failure("a bad scenario: status %d, %s" % (done.returncode, done.stderr))
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = subprocess.run([binary, "serve", "--port", str(port)], capture_output=True,
                              text=True, timeout=120)
    if done.returncode != 2 or "cannot listen" not in done.stderr:
        raise Failure("a busy port: status %d, %s" % (done.returncode, done.stderr))
    print("access rules hold on loopback and with --bind 0.0.0.0; a teaching scenario is served "
          "with the default levers; a bad scenario and a busy port are refused with status 2")


if __name__ == "__main__":
    main_guard(main)
