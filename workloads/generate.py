#!/usr/bin/env python3
"""Writes the two hand-shaped trace sets that `scriptsim generate` does not make.

    python3 workloads/generate.py    # rewrites workloads/flush-heavy.trace and workloads/rules/*.trace

flush-heavy.trace needs 60,000 bodies as small as `return N` to stay under
2 MB (real scripts, which `scriptsim generate` writes, are larger); the rule
traces are minimal cases of one cache rule each. Every other workload is
written by `scriptsim generate` (see workloads/README.md). Same bytes every run.
"""
import argparse
import hashlib
import os

HERE = os.path.dirname(os.path.abspath(__file__))


def sha1(body):
    return hashlib.sha1(body.encode()).hexdigest()


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
    ap.parse_args()
    flush_heavy(os.path.join(HERE, "flush-heavy.trace"))
    rules(os.path.join(HERE, "rules"))


if __name__ == "__main__":
    main()
