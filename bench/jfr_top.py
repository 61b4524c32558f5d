#!/usr/bin/env python3
"""Summarises a JFR recording's CPU samples (jdk.ExecutionSample): the hottest methods by self time (top frame) and
by total time (anywhere on the stack), as percentages of all samples, plus the share of each package family.
Usage: python3 bench/jfr_top.py recording.jfr [N] [filter]  (uses the jfr tool of JAVA or of the java on PATH;
filter keeps only samples whose stack mentions it, e.g. io.pgloom.session.ClientLogin)."""
import collections, json, os, shutil, subprocess, sys

sys.dont_write_bytecode = True


def jfr_tool():
    java = os.environ.get("JAVA") or shutil.which("java") or "java"
    p = os.path.join(os.path.dirname(os.path.realpath(java)), "jfr")
    return p if os.path.exists(p) else "jfr"


def frames(event):
    for f in event["values"]["stackTrace"]["frames"] or []:
        m = f["method"]
        yield (m["type"]["name"] + "." + m["name"]).replace("/", ".")


def main():
    path, top = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 25
    only = sys.argv[3] if len(sys.argv) > 3 else None
    out = subprocess.run([jfr_tool(), "print", "--json", "--stack-depth", "64", "--events", "jdk.ExecutionSample",
                          path], capture_output=True, text=True, check=True).stdout
    events = json.loads(out)["recording"]["events"]
    self_, total, family = collections.Counter(), collections.Counter(), collections.Counter()
    n = 0
    for e in events:
        stack = list(frames(e))
        if not stack or (only and not any(only in f for f in stack)):
            continue
        n += 1
        self_[stack[0]] += 1
        for f in set(stack):
            total[f] += 1
        fam = next((f for f in stack if f.startswith("io.pgloom.")), stack[0])
        family[".".join(fam.split(".")[:3])] += 1
    print(f"{n} samples{' mentioning ' + only if only else ''}\n\nself (top frame):")
    for f, c in self_.most_common(top):
        print(f"  {100 * c / n:5.1f} %  {f}")
    print("\ntotal (on the stack):")
    for f, c in total.most_common(top):
        print(f"  {100 * c / n:5.1f} %  {f}")
    print("\nby the first pgloom package on the stack (else the top frame's):")
    for f, c in family.most_common(12):
        print(f"  {100 * c / n:5.1f} %  {f}")


if __name__ == "__main__":
    main()
