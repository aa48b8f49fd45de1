#!/usr/bin/env python3
"""A small application on the real redis-py client, for the client-model tests.

It runs against a server on loopback, captures the server's MONITOR stream
while it runs, and writes to --out:
  capture.trace  what the server saw (MONITOR lines, format v1)
  calls.trace    the application's own calls: EVALSHA for Script objects,
                 EVAL for one-off r.eval bodies, MULTI/EXEC around transactions
  scripts/       the Script objects' bodies, one .lua file each (--scripts)
  info.json      the server's own counters afterwards, and the NOSCRIPT
                 errors the application itself saw

Shapes (deterministic for a given --seed):
  table  50 Script bodies first sent as one-off EVALs, 1,950 inlined-value
         EVALs, then every Script object called: on Redis 7.4+ and Valkey the
         bodies were evicted, so each first call meets NOSCRIPT and redis-py's
         SCRIPT LOAD recovery pins it (550 cached, 1,500 evicted, 50 NOSCRIPT).
  mixed  Script objects and one-off EVALs interleaved, some bodies EVAL'd
         before their Script object is called, and transactions that call an
         evicted script by SHA1 (a NOSCRIPT no client can recover).
"""
import argparse
import hashlib
import json
import os
import random
import socket
import threading

import redis

END_MARKER = "scriptsim-capture-end"


def quote(data: bytes) -> str:
    """One trace argument, double-quoted as redis-cli / sdssplitargs read it."""
    out = ['"']
    for b in data:
        c = chr(b)
        if c in '"\\':
            out.append("\\" + c)
        elif c == "\n":
            out.append("\\n")
        elif c == "\r":
            out.append("\\r")
        elif c == "\t":
            out.append("\\t")
        elif 0x20 <= b < 0x7F:
            out.append(c)
        else:
            out.append("\\x%02x" % b)
    out.append('"')
    return "".join(out)


class Monitor(threading.Thread):
    """MONITOR on a raw socket: every line the server prints, verbatim."""

    def __init__(self, port, path):
        super().__init__(daemon=True)
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.sock.sendall(b"MONITOR\r\n")
        self.file = open(path, "wb")
        self.buffer = b""
        first = self.read_line()
        assert first == b"+OK", first

    def read_line(self):
        while b"\r\n" not in self.buffer:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError("MONITOR connection closed")
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\r\n", 1)
        return line

    def run(self):
        while True:
            line = self.read_line()
            if END_MARKER.encode() in line:
                break
            self.file.write(line[1:] + b"\n")  # drop the status reply's "+"
        self.file.close()
        self.sock.close()


class App:
    def __init__(self, port, out, seed):
        self.r = redis.Redis(host="127.0.0.1", port=port)
        self.calls = open(os.path.join(out, "calls.trace"), "w")
        self.scripts_dir = os.path.join(out, "scripts")
        os.makedirs(self.scripts_dir, exist_ok=True)
        self.rng = random.Random(seed)
        self.app_errors = 0

    def log(self, *args):
        self.calls.write(" ".join(quote(a if isinstance(a, bytes) else str(a).encode()) for a in args) + "\n")

    def script(self, index, body):
        with open(os.path.join(self.scripts_dir, "script-%03d.lua" % index), "w") as f:
            f.write(body)
        return self.r.register_script(body)

    def call(self, script, key):
        arg = str(self.rng.randrange(1, 100))
        self.log("EVALSHA", script.sha, 1, key, arg)
        try:
            script(keys=[key], args=[arg])
        except redis.exceptions.NoScriptError:
            self.app_errors += 1

    def eval(self, body, key):
        self.log("EVAL", body.encode(), 1, key)
        self.r.eval(body, 1, key)

    def transaction(self, sha, key):
        """A transaction calling a script by SHA1: NOSCRIPT here reaches the application."""
        self.log("MULTI")
        self.log("EVALSHA", sha, 1, key)
        self.log("EXEC")
        pipe = self.r.pipeline(transaction=True)
        pipe.evalsha(sha, 1, key)
        for result in pipe.execute(raise_on_error=False):
            if isinstance(result, redis.exceptions.NoScriptError):
                self.app_errors += 1


def counter_body(i):
    return "-- counter %d\nlocal n = redis.call('INCRBY', KEYS[1], tonumber(ARGV[1]))\nreturn n\n" % i


def one_off_body(j):
    return "return redis.call('SET', KEYS[1], 'value-%d')" % j


def table_shape(app):
    bodies = [counter_body(i) for i in range(50)]
    scripts = [app.script(i, b) for i, b in enumerate(bodies)]
    for i, body in enumerate(bodies):
        # The same body first run as a one-off EVAL (as code that predates the Script object does).
        app.log("EVAL", body.encode(), 1, "counter:%d" % i, 1)
        app.r.eval(body, 1, "counter:%d" % i, 1)
    for j in range(1950):
        app.eval(one_off_body(j), "one-off:%d" % j)
    for rounds in range(3):
        for i, s in enumerate(scripts):
            app.call(s, "counter:%d" % i)


def mixed_shape(app):
    bodies = [counter_body(100 + i) for i in range(20)]
    scripts = [app.script(100 + i, b) for i, b in enumerate(bodies)]
    evicted_sha = hashlib.sha1(one_off_body(0).encode()).hexdigest()
    j = 0
    for step in range(2600):
        x = app.rng.random()
        if x < 0.15:
            i = app.rng.randrange(len(scripts))
            app.call(scripts[i], "counter:%d" % (100 + i))
        elif x < 0.18:
            i = app.rng.randrange(len(scripts))
            app.log("EVAL", bodies[i].encode(), 1, "counter:%d" % (100 + i), 1)
            app.r.eval(bodies[i], 1, "counter:%d" % (100 + i), 1)
        elif x < 0.185:
            app.transaction(evicted_sha, "one-off:0")
        else:
            app.eval(one_off_body(j), "one-off:%d" % j)
            j += 1


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--shape", choices=["table", "mixed"], default="table")
    p.add_argument("--seed", type=int, default=1)
    a = p.parse_args()
    os.makedirs(a.out, exist_ok=True)
    monitor = Monitor(a.port, os.path.join(a.out, "capture.trace"))
    monitor.start()
    app = App(a.port, a.out, a.seed)
    {"table": table_shape, "mixed": mixed_shape}[a.shape](app)
    app.calls.close()
    app.r.echo(END_MARKER)
    monitor.join(timeout=60)
    if monitor.is_alive():
        raise SystemExit("MONITOR capture did not end")
    errors = app.r.info("errorstats")
    info = {
        "server": app.r.info("server").get("server_name", "redis"),
        "cached_scripts": app.r.info("memory")["number_of_cached_scripts"],
        "evicted_scripts": app.r.info("stats").get("evicted_scripts", 0),
        "noscript": errors.get("errorstat_NOSCRIPT", {}).get("count", 0),
        "app_errors": app.app_errors,
        "redis_py": redis.__version__,
    }
    with open(os.path.join(a.out, "info.json"), "w") as f:
        json.dump(info, f)
    print(json.dumps(info))


if __name__ == "__main__":
    main()
