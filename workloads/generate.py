#!/usr/bin/env python3
"""Writes the shipped workloads (format v1) deterministically.

    python3 workloads/generate.py              # rewrites workloads/*.trace
    python3 workloads/generate.py --flat-memory N --out FILE
                                               # N-event trace over a fixed script set,
                                               # for the flat-memory check in the README

Same seed, same bytes. A `scriptsim generate` command is planned to replace this.
"""
import argparse
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))

# Script templates of the kind applications really send: KEYS/ARGV-driven,
# so a well-behaved client reuses one body; the storm inlines values instead.
TEMPLATES = [
    # rate limiter
    "local current = redis.call('INCR', KEYS[1])\n"
    "if current == 1 then redis.call('EXPIRE', KEYS[1], {ttl}) end\n"
    "if current > {limit} then return 0 end\nreturn 1",
    # lock release
    "if redis.call('GET', KEYS[1]) == '{token}' then\n"
    "  return redis.call('DEL', KEYS[1])\nelse\n  return 0\nend",
    # counter with cap
    "local v = tonumber(redis.call('GET', KEYS[1]) or '0')\n"
    "if v + {step} > {limit} then return v end\n"
    "return redis.call('INCRBY', KEYS[1], {step})",
    # leaderboard update
    "redis.call('ZADD', KEYS[1], {score}, '{member}')\n"
    "redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -{limit})\n"
    "return redis.call('ZCARD', KEYS[1])",
    # session touch
    "local s = redis.call('HGETALL', KEYS[1])\n"
    "if #s == 0 then return nil end\n"
    "redis.call('EXPIRE', KEYS[1], {ttl})\nreturn s",
]

# Reusable, parameterised scripts (what SCRIPT LOAD + EVALSHA clients send).
REUSABLE = [
    "local current = redis.call('INCR', KEYS[1])\n"
    "if current == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end\n"
    "if current > tonumber(ARGV[2]) then return 0 end\nreturn 1",
    "if redis.call('GET', KEYS[1]) == ARGV[1] then\n"
    "  return redis.call('DEL', KEYS[1])\nelse\n  return 0\nend",
    "return redis.call('INCRBY', KEYS[1], ARGV[1])",
    "redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])\nreturn redis.call('ZCARD', KEYS[1])",
    "local s = redis.call('HGETALL', KEYS[1])\nif #s == 0 then return nil end\n"
    "redis.call('EXPIRE', KEYS[1], ARGV[1])\nreturn s",
    "return redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2], 'NX')",
    "local n = 0\nfor i, k in ipairs(KEYS) do n = n + redis.call('EXISTS', k) end\nreturn n",
    "return redis.call('LPUSH', KEYS[1], unpack(ARGV))",
]


def reusable_set(n):
    """n distinct reusable scripts: the base ones, then numbered variants."""
    out = []
    for i in range(n):
        base = REUSABLE[i % len(REUSABLE)]
        out.append(base if i < len(REUSABLE) else f"-- variant {i}\n{base}")
    return out


def inlined(rng, pool=None):
    """A body with values inlined (the anti-pattern); `pool` bounds the distinct values."""
    t = rng.randrange(len(TEMPLATES))
    v = rng.randrange(pool) if pool else rng.randrange(10**9)
    return TEMPLATES[t].format(ttl=30 + v % 600, limit=10 + v % 90, token=f"{v:016x}",
                               step=1 + v % 7, score=v % 100000, member=f"user:{v}")


def zipf_picker(rng, n, s):
    weights = [1.0 / (k ** s) for k in range(1, n + 1)]
    cum, total = [], 0.0
    for w in weights:
        total += w
        cum.append(total)
    import bisect
    return lambda: bisect.bisect_left(cum, rng.random() * total)


def quote(body):
    """sdscatrepr-style quoting, as MONITOR prints."""
    out = ['"']
    for ch in body.encode():
        c = chr(ch)
        if c in '\\"':
            out.append('\\' + c)
        elif c == '\n':
            out.append('\\n')
        elif c == '\r':
            out.append('\\r')
        elif c == '\t':
            out.append('\\t')
        elif 32 <= ch < 127:
            out.append(c)
        else:
            out.append('\\x%02x' % ch)
    out.append('"')
    return ''.join(out)


def sha1(body):
    import hashlib
    return hashlib.sha1(body.encode()).hexdigest()


def key_args(rng, body):
    """One key in a keyspace of the script's own (scripts use different data
    types), then two numeric arguments, so the scripts run without errors."""
    return f"1 {sha1(body)[:8]}:{rng.randrange(1000)} {1 + rng.randrange(100)} {1 + rng.randrange(1000)}"


def eval_line(rng, body):
    return f"EVAL {quote(body)} {key_args(rng, body)}"


def evalsha_line(rng, body):
    return f"EVALSHA {sha1(body)} {key_args(rng, body)}"


def eval_storm(path, seed=1, events=12000):
    """An application that inlines values into bodies: almost every EVAL is new,
    with a small reused EVAL set (80 bodies) that a good policy should keep."""
    rng = random.Random(seed)
    reused = [inlined(random.Random(1000 + i)) for i in range(80)]
    pick = zipf_picker(rng, len(reused), 0.9)
    lines = ["# EVAL storm: bodies with inlined values (one-offs) over a reused EVAL set of 80"]
    for _ in range(events):
        if rng.random() < 0.6:
            lines.append(eval_line(rng, inlined(rng)))
        else:
            lines.append(eval_line(rng, reused[pick()]))
    write(path, lines)


def loaded_hotset(path, seed=2, events=15000):
    """A client that loads its scripts once and calls them by SHA; two SCRIPT
    FLUSHes make clients meet NOSCRIPT and retry with EVAL."""
    rng = random.Random(seed)
    scripts = reusable_set(40)
    pick = zipf_picker(rng, len(scripts), 1.1)
    lines = ["# SCRIPT LOAD + EVALSHA hot set of 40 scripts, Zipf 1.1, two flushes"]
    lines += [f"SCRIPT LOAD {quote(s)}" for s in scripts]
    for i in range(events):
        if i in (5000, 10000):
            lines.append("SCRIPT FLUSH ASYNC" if i == 5000 else "SCRIPT FLUSH")
        elif i % 997 == 0:
            lines.append("SCRIPT EXISTS " + " ".join(sha1(s) for s in scripts[:3]))
        else:
            lines.append(evalsha_line(rng, scripts[pick()]))
    write(path, lines)


def mixed_lines(rng, events, pool=None, storm_share=0.3):
    scripts = reusable_set(60)
    pick = zipf_picker(rng, len(scripts), 1.0)
    lines = [f"SCRIPT LOAD {quote(s)}" for s in scripts[:30]]
    for i in range(events):
        r = rng.random()
        s = scripts[pick()]
        if r < storm_share:
            lines.append(eval_line(rng, inlined(rng, pool)))
        elif r < 0.65:
            lines.append(evalsha_line(rng, s))
        elif r < 0.985:
            lines.append(eval_line(rng, s))
        elif r < 0.99:
            # redis-py's Script loads its body again after a NOSCRIPT
            lines.append(f"SCRIPT LOAD {quote(s)}")
        else:
            lines.append("SCRIPT EXISTS " + sha1(s))
    return lines


def mixed(path, seed=3, events=15000):
    """Half of the clients load and call by SHA, the other half send EVAL; a
    third of EVALs inline values; now and then a client loads a body again."""
    rng = random.Random(seed)
    lines = ["# mix: SCRIPT LOAD + EVALSHA, EVAL of reusable bodies, and an EVAL storm"]
    lines += mixed_lines(rng, events)
    write(path, lines)


def monitor(path, seed=4, events=6000):
    """The mix in raw `redis-cli MONITOR` form, with the commands scripts run
    (client `lua`) and unrelated traffic, as a capture really looks."""
    rng = random.Random(seed)
    t = 1732460000.0
    clients = [f"10.0.0.{i}:{50000 + i * 7}" for i in range(1, 9)] + ["[::1]:6379", "unix:/run/redis.sock"]
    out = []
    for line in mixed_lines(rng, events):
        t += rng.random() * 0.002
        db = 0
        cl = clients[rng.randrange(len(clients))]
        args = split_plain(line)
        out.append(f"{t:.6f} [{db} {cl}] " + " ".join(quote(a) for a in args))
        if args[0] in ("EVAL", "EVALSHA"):
            key = args[3] if len(args) > 3 else "k"
            out.append(f"{t:.6f} [{db} lua] \"INCR\" {quote(key)}")
        if rng.random() < 0.2:
            out.append(f"{t + 0.000001:.6f} [{db} {cl}] \"GET\" \"user:{rng.randrange(100)}\"")
    write(path, out)


def split_plain(line):
    """Inverse of quote() for the lines this script writes."""
    args, cur, i, inq = [], [], 0, False
    while i < len(line):
        c = line[i]
        if inq:
            if c == '\\':
                n = line[i + 1]
                cur.append({'n': '\n', 'r': '\r', 't': '\t'}.get(n, n))
                i += 2
                continue
            if c == '"':
                inq = False
            else:
                cur.append(c)
        elif c == '"':
            inq = True
        elif c == ' ':
            if cur or (i > 0 and line[i - 1] == '"'):
                args.append(''.join(cur))
            cur = []
        else:
            cur.append(c)
        i += 1
    if cur or line.endswith('"'):
        args.append(''.join(cur))
    return args


def flat_memory(path, events, seed=5, pool=2000):
    """N events over one fixed set of scripts (every inlined body of a pool of
    2,000 values per template, sent once up front, plus 60 reusable scripts):
    a longer trace repeats the same scripts, so replay memory must not grow."""
    rng = random.Random(seed)
    fmt = lambda t, v: TEMPLATES[t].format(ttl=30 + v % 600, limit=10 + v % 90, token=f"{v:016x}",
                                           step=1 + v % 7, score=v % 100000, member=f"user:{v}")
    lines = [eval_line(rng, fmt(t, v)) for v in range(pool) for t in range(len(TEMPLATES))]
    lines += [eval_line(rng, s) for s in reusable_set(60)]
    lines += mixed_lines(rng, events - len(lines), pool=pool)
    write(path, lines)


def flush_heavy(path, rounds=3, scripts=20000):
    """Large flushes: each round sends `scripts` distinct EVAL bodies (an
    application that inlines values), then flushes them all: SCRIPT FLUSH
    ASYNC, SCRIPT FLUSH SYNC, then SCRIPT FLUSH with no argument."""
    lines = [f"# large flushes: {rounds} rounds of {scripts:,} distinct EVALs, each ended by SCRIPT FLUSH"]
    n = 0
    for mode in ["SCRIPT FLUSH ASYNC", "SCRIPT FLUSH SYNC", "SCRIPT FLUSH"][:rounds]:
        for _ in range(scripts):
            lines.append(f'EVAL "return {n}" 0')
            n += 1
        lines.append(mode)
    write(path, lines)


def rules(folder):
    """Small traces, one rule of Redis's script cache each, for docs/fidelity.md."""
    os.makedirs(folder, exist_ok=True)
    w = lambda name, lines: write(os.path.join(folder, name), lines)
    w("thousand-evals.trace", [f'EVAL "return {i}" 0' for i in range(1, 1001)] + [f'EVALSHA {sha1("return 1")} 0'])
    w("load-and-eval-rounds.trace",
      sum([[f'SCRIPT LOAD "return {j}"', f"EVAL \"return 'str_{j}'\" 0"] for j in range(1, 1001)], []))
    s = [f"return 'script {i}'" for i in range(1, 502)]
    w("plain-lru.trace", [f'EVAL "{b}" 0' for b in s[:500]]
      + [f'EVAL "{s[0]}" 0', f'EVALSHA {sha1(s[1])} 0', f'EVAL "{s[500]}" 0',
         f'EVALSHA {sha1(s[2])} 0', f'EVALSHA {sha1(s[0])} 0', f'EVALSHA {sha1(s[1])} 0'])
    a = "return 'a'"
    w("load-does-not-pin.trace", [f'EVAL "{a}" 0', f'SCRIPT LOAD "{a}"']
      + [f'EVAL "return {i}" 0' for i in range(1, 501)] + [f'EVALSHA {sha1(a)} 0'])
    w("lua54-only.trace", ['EVAL "return 1" 0', 'EVAL "return 7 // 2" 0'])


def write(path, lines):
    with open(path, "w", newline="\n") as f:
        f.write("\n".join(lines) + "\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--flat-memory", type=int, metavar="N", help="write an N-event trace over a fixed script set")
    ap.add_argument("--out", help="output file for --flat-memory")
    a = ap.parse_args()
    if a.flat_memory:
        flat_memory(a.out or "/dev/stdout", a.flat_memory)
        return
    eval_storm(os.path.join(HERE, "eval-storm.trace"))
    loaded_hotset(os.path.join(HERE, "loaded-hotset.trace"))
    mixed(os.path.join(HERE, "mixed.trace"))
    monitor(os.path.join(HERE, "monitor-mixed.trace"))
    flush_heavy(os.path.join(HERE, "flush-heavy.trace"))
    rules(os.path.join(HERE, "rules"))


if __name__ == "__main__":
    main()
