#!/usr/bin/env python3
"""Reads JMH's text results (bench/jmh-results.txt) and prints them as Markdown: the pump benchmarks side by side
(µs per round trip, round trips/s, µs and bytes pgloom adds over the fake backend hit directly, from the same run)
and every other benchmark with its bytes allocated per op. make bench prints it; e2e.py puts it in RESULTS.md.
Standard library only. Usage: jmh_summary.py [results file]
"""
import os, re, sys

MODES = {"avgt", "thrpt", "sample", "ss"}
PUMP = re.compile(r"Pump(\w+)QueryBenchmark\.(oneClient|clients64)$")
CLIENTS = {"oneClient": 1, "clients64": 64}
TARGETS = ["direct", "session", "transaction"]


def parse(path):
    """Rows of {name, params: {..}, score, units, alloc} from JMH's text table; secondary metrics folded in."""
    rows, params, primary = [], [], {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            tokens = line.split()
            if not tokens:
                continue
            if tokens[0] == "Benchmark":
                params = [t.strip("()") for t in tokens[1:] if t.startswith("(")]
                continue
            mode_at = next((i for i, t in enumerate(tokens) if t in MODES), None)
            if mode_at is None or mode_at != 1 + len(params):
                continue
            name, values = tokens[0], dict(zip(params, tokens[1:mode_at]))
            rest = tokens[mode_at + 1:-1]
            units = tokens[-1]
            if "±" in rest:
                rest = rest[:rest.index("±")]
            score = 0.0 if "≈" in rest else float(rest[-1])
            base, _, metric = name.partition(":")
            key = (base, tuple(sorted(values.items())))
            if not metric:
                primary[key] = {"name": base, "params": values, "score": score, "units": units, "alloc": None}
                rows.append(primary[key])
            elif metric == "gc.alloc.rate.norm" and key in primary:
                primary[key]["alloc"] = score
    return rows


def fmt(x, digits=1):
    return "–" if x is None else f"{x:,.{digits}f}"


def pump_table(rows):
    pump = {}
    for r in rows:
        m = PUMP.search(r["name"])
        if m and r["units"] == "us/op":
            pump[(m.group(1), CLIENTS[m.group(2)], r["params"].get("target"))] = r
    if not pump:
        return []
    out = ["| round trip | clients | target | µs per round trip | round trips/s | µs added vs direct "
           "| B allocated per round trip |", "|---|---|---|---|---|---|---|"]
    for op in ["Simple", "Extended", "Prepared"]:
        for clients in [1, 64]:
            direct = pump.get((op, clients, "direct"))
            for target in TARGETS:
                r = pump.get((op, clients, target))
                if not r:
                    continue
                added = r["score"] - direct["score"] if direct and target != "direct" else None
                rate = clients * 1e6 / r["score"] if r["score"] > 0 else None
                out.append(f"| {op.lower()} | {clients} | {target} | {fmt(r['score'])} | {fmt(rate, 0)} | "
                           f"{fmt(added)} | {fmt(r['alloc'])} |")
    return out


def other_table(rows):
    out = ["| benchmark | parameters | score | B allocated per op |", "|---|---|---|---|"]
    for r in rows:
        if PUMP.search(r["name"]):
            continue
        params = ", ".join(f"{k}={v}" for k, v in r["params"].items() if v != "N/A") or "–"
        out.append(f"| {r['name']} | {params} | {fmt(r['score'], 3)} {r['units']} | {fmt(r['alloc'])} |")
    return out if len(out) > 2 else []


def summarize(path):
    """Markdown for the results file, or "" when it is missing or holds no benchmark."""
    if not os.path.exists(path):
        return ""
    rows = parse(path)
    if not rows:
        return ""
    lines = []
    pumps = pump_table(rows)
    if pumps:
        lines += ["Pump round trips over loopback (fake backend answering from memory; at 64 clients µs is each "
                  "client's wait, round trips/s is all clients together; bytes are the whole JVM's, so the direct "
                  "row is the client's and fake backend's own share):", ""] + pumps + [""]
    others = other_table(rows)
    if others:
        lines += others + [""]
    return "\n".join(lines)


if __name__ == "__main__":
    root = os.path.dirname(os.path.abspath(__file__))
    text = summarize(sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "jmh-results.txt"))
    print(text or "no JMH results to summarize")
