#!/usr/bin/env python3
"""End-to-end comparison: pgbench against PostgreSQL directly, through pgloom (transaction mode) and through
PgBouncer (when installed), in interleaved rounds so the noise of a shared machine hits every target alike.
Prints medians and ratios and writes bench/RESULTS.md. Standard library only.

Environment knobs: BENCH_ROUNDS (3), BENCH_SECONDS (5), BENCH_CLIENTS ("16,64,256"), BENCH_MODES
("simple,extended,prepared"), BENCH_CONNECT (1: also run -C), JAVA (java binary), PGLOOM_JAR (target/proxy.jar),
PGLOOM_JAVA_OPTS (JVM options for pgloom, e.g. "-XX:+UseParallelGC").
"""
import os, re, shutil, signal, socket, statistics, subprocess, sys, tempfile, time, datetime, platform

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
SECONDS = int(os.environ.get("BENCH_SECONDS", "5"))
CLIENTS = [int(c) for c in os.environ.get("BENCH_CLIENTS", "16,64,256").split(",")]
MODES = os.environ.get("BENCH_MODES", "simple,extended,prepared").split(",")
CONNECT = os.environ.get("BENCH_CONNECT", "1") == "1"
POOL = 16
JAVA = os.environ.get("JAVA", "java")
JAR = os.environ.get("PGLOOM_JAR", os.path.join(ROOT, "target", "proxy.jar"))
CLK = os.sysconf("SC_CLK_TCK")
procs = []


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, what, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    sys.exit(f"{what} did not listen on {port} within {timeout}s")


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK


def start_postgres(classpath):
    p = subprocess.Popen([JAVA, "-cp", classpath, "io.pgloom.testkit.PgServe"], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, text=True)
    procs.append(p)
    port = major = None
    for line in p.stdout:
        if line.startswith("PORT="):
            port = int(line.split("=")[1])
        if line.startswith("MAJOR="):
            major = line.split("=")[1].strip()
            break
    if port is None:
        sys.exit("PostgreSQL did not start")
    return p, port, major


def start_pgloom(pg_port, work):
    port = free_port()
    conf = os.path.join(work, "pgloom.toml")
    with open(conf, "w") as f:
        f.write(f"""[proxy]
listen = "127.0.0.1:{port}"
pool_mode = "transaction"
default_pool_size = {POOL}
max_client_conn = 5000
[admin]
http_listen = ""
[log]
level = "warn"
[databases.app]
host = "127.0.0.1"
port = {pg_port}
[users.app]
password = "app"
""")
    opts = os.environ.get("PGLOOM_JAVA_OPTS", "").split()
    p = subprocess.Popen([JAVA] + opts + ["-jar", JAR, conf], stdout=open(os.path.join(work, "pgloom.log"), "w"),
                         stderr=subprocess.STDOUT)
    procs.append(p)
    wait_port(port, "pgloom")
    return p, port


def start_pgbouncer(pg_port, work):
    exe = shutil.which("pgbouncer") or ("/usr/sbin/pgbouncer" if os.path.exists("/usr/sbin/pgbouncer") else None)
    if not exe:
        return None, None
    port = free_port()
    d = os.path.join(work, "pgbouncer")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "userlist.txt"), "w") as f:
        f.write('"app" "app"\n')
    with open(os.path.join(d, "pgbouncer.ini"), "w") as f:
        f.write(f"""[databases]
app = host=127.0.0.1 port={pg_port} dbname=app
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = scram-sha-256
auth_file = {d}/userlist.txt
pool_mode = transaction
default_pool_size = {POOL}
max_client_conn = 5000
ignore_startup_parameters = extra_float_digits
logfile = {d}/pgbouncer.log
""")
    cmd = [exe, os.path.join(d, "pgbouncer.ini")]
    if os.getuid() == 0:  # PgBouncer refuses to run as root
        os.chmod(work, 0o755)
        subprocess.run(["chown", "-R", "nobody", d], check=True)
        cmd = [exe, "-u", "nobody", os.path.join(d, "pgbouncer.ini")]
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    procs.append(p)
    wait_port(port, "pgbouncer")
    return p, port


def pgbench(port, args, seconds):
    env = dict(os.environ, PGPASSWORD="app")
    cmd = ["pgbench", "-h", "127.0.0.1", "-p", str(port), "-U", "app", "-n", "-T", str(seconds)] + args + ["app"]
    r = subprocess.run(cmd, env=env, capture_output=True, text=True)
    out = r.stdout + r.stderr
    tps = re.search(r"tps = ([0-9.]+)", out)
    lat = re.search(r"latency average = ([0-9.]+) ms", out)
    txns = re.search(r"number of transactions actually processed: (\d+)", out)
    failed = re.search(r"number of failed transactions: (\d+)", out)
    # pgbench may print a tps for a run that was aborted (clients died on errors): that run failed.
    ok = r.returncode == 0 and tps is not None and "aborted" not in out
    return {
        "ok": ok,
        "tps": float(tps.group(1)) if tps else 0.0,
        "lat": float(lat.group(1)) if lat else float("nan"),
        "txns": int(txns.group(1)) if txns else 0,
        "failed": int(failed.group(1)) if failed else (0 if ok else -1),
        "error": "" if ok else (out.strip().splitlines() or ["?"])[-1][:120],
    }


def main():
    if not shutil.which("pgbench"):
        print("bench/e2e.py: pgbench is not installed (apt-get install postgresql-client); skipping the end-to-end part")
        return 0
    cp_file = os.path.join(ROOT, "target", "test.classpath")
    classpath = os.path.join(ROOT, "target", "test-classes") + ":" + os.path.join(ROOT, "target", "classes") + ":" + open(cp_file).read().strip()
    work = tempfile.mkdtemp(prefix="pgloom-bench-")
    pg, pg_port, major = start_postgres(classpath)
    env = dict(os.environ, PGPASSWORD="app")
    subprocess.run(["pgbench", "-h", "127.0.0.1", "-p", str(pg_port), "-U", "app", "-i", "-q", "-s", "10", "app"],
                   env=env, check=True, capture_output=True)
    pgloom, pgloom_port = start_pgloom(pg_port, work)
    bouncer, bouncer_port = start_pgbouncer(pg_port, work)
    targets = [("direct", pg_port, None), ("pgloom", pgloom_port, pgloom.pid)]
    if bouncer:
        targets.append(("pgbouncer", bouncer_port, bouncer.pid))
    cases = [(m, c) for m in MODES for c in CLIENTS]
    if CONNECT:
        cases.append(("connect", 8))
    results = {}
    # Warm-up (discarded): the JVM compiles its hot path during the first seconds of load.
    for name, port, pid in targets:
        pgbench(port, ["-S", "-c", "16", "-j", "2", "-M", "extended"], max(3, SECONDS))
    for rnd in range(ROUNDS):
        for mode, clients in cases:
            for name, port, pid in targets:
                args = ["-S", "-c", str(clients), "-j", "2"]
                args += ["-C", "-M", "simple"] if mode == "connect" else ["-M", mode]
                before = cpu_seconds(pid) if pid else 0
                r = pgbench(port, args, SECONDS)
                r["cpu_us"] = ((cpu_seconds(pid) - before) * 1e6 / r["txns"]) if pid and r["txns"] else float("nan")
                results.setdefault((mode, clients, name), []).append(r)
                print(f"round {rnd + 1}/{ROUNDS} {mode:9} c={clients:<4} {name:10} tps={r['tps']:10.1f} "
                      f"lat={r['lat']:.3f}ms cpu/txn={r['cpu_us']:.1f}us failed={r['failed']} {r['error']}", flush=True)
    write_results(results, targets, cases, major)
    return 0


def med(rs, key):
    vals = [r[key] for r in rs if r["ok"] and r[key] == r[key]]
    return statistics.median(vals) if vals else float("nan")


def write_results(results, targets, cases, major):
    names = [t[0] for t in targets]
    lines = ["# End-to-end results", "",
             f"Generated by `make bench` (bench/e2e.py) on {datetime.date.today()}: pgbench `-S` (select-only) for "
             f"{SECONDS} s per run, {ROUNDS} interleaved rounds (direct, pgloom, PgBouncer, direct, …); figures are medians. "
             f"pgloom and PgBouncer in transaction mode with {POOL} server connections; PostgreSQL {major}, scale 10.", "",
             f"Machine: {platform.node()}, {os.cpu_count()} cores ({cpu_model()}), shared by pgbench, PostgreSQL and the "
             "proxy under test. CPU per transaction is the proxy process's user+system time divided by the transactions "
             "it served.", "", "Versions: " + versions(), "",
             "| mode | clients | " + " | ".join(f"{n} TPS" for n in names) + " | " + " | ".join(f"{n} lat ms" for n in names)
             + " | pgloom CPU µs/txn | pgbouncer CPU µs/txn | pgloom/pgbouncer | pgloom/direct |",
             "|" + "---|" * (2 + 2 * len(names) + 4)]
    for mode, clients in cases:
        row = [mode if mode != "connect" else "-C (connect per txn)", str(clients)]
        tps = {n: med(results[(mode, clients, n)], "tps") for n in names}
        lat = {n: med(results[(mode, clients, n)], "lat") for n in names}
        fails = {n: [r for r in results[(mode, clients, n)] if not r["ok"] or r["failed"] != 0] for n in names}
        row += [("fails: " + fails[n][0]["error"][:40]) if fails[n] and tps[n] != tps[n] else f"{tps[n]:.0f}" for n in names]
        row += [f"{lat[n]:.3f}" for n in names]
        cpu_l = med(results[(mode, clients, "pgloom")], "cpu_us")
        cpu_b = med(results[(mode, clients, "pgbouncer")], "cpu_us") if "pgbouncer" in names else float("nan")
        row += [f"{cpu_l:.1f}", f"{cpu_b:.1f}"]
        ratio_b = tps["pgloom"] / tps["pgbouncer"] if "pgbouncer" in names and tps["pgbouncer"] == tps["pgbouncer"] and tps["pgbouncer"] > 0 else float("nan")
        row += [f"{ratio_b:.2f}", f"{tps['pgloom'] / tps['direct']:.2f}" if tps["direct"] > 0 else "nan"]
        lines.append("| " + " | ".join(row) + " |")
    lines += ["", "`nan` in a PgBouncer column: the run failed (PgBouncer 1.18 cannot run `-M prepared` in transaction mode).", ""]
    out = os.path.join(ROOT, "bench", "RESULTS.md")
    with open(out, "w") as f:
        f.write("\n".join(lines))
    print("\n".join(lines))
    print(f"\nwritten: {out}")


def cpu_model():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def versions():
    def first(cmd):
        try:
            r = subprocess.run(cmd, capture_output=True, text=True)
            return (r.stdout + r.stderr).strip().splitlines()[0]
        except Exception:
            return "n/a"
    return "; ".join([first([JAVA, "-version"]), first(["pgbench", "--version"]),
                      first(["pgbouncer", "--version"]) if shutil.which("pgbouncer") or os.path.exists("/usr/sbin/pgbouncer") else "PgBouncer not installed"])


def cleanup(*_):
    for p in reversed(procs):
        if p.poll() is None:
            if p.stdin:
                try:
                    p.stdin.close()
                except OSError:
                    pass
            p.send_signal(signal.SIGTERM)
    for p in procs:
        try:
            p.wait(timeout=20)
        except subprocess.TimeoutExpired:
            p.kill()


if __name__ == "__main__":
    signal.signal(signal.SIGTERM, lambda *a: (cleanup(), sys.exit(1)))
    try:
        rc = main()
    finally:
        cleanup()
    sys.exit(rc)
