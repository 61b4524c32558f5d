#!/usr/bin/env python3
"""End-to-end comparison on one machine, in one run: a throwaway PostgreSQL, pgloom (transaction mode) and
PgBouncer when installed. Part 1: pgbench -S against each target in interleaved rounds (direct, pgloom, PgBouncer,
direct, ...) so the noise of a shared machine hits every target alike. Part 2: thousands of idle, logged-in client
connections, with the RSS and Java heap they cost. Writes RESULTS.md (tables, machine, versions) and a TPS chart.
Standard library only; gnuplot draws the chart when installed, otherwise the script writes the SVG itself.

Environment knobs (defaults in brackets; bench/README.md explains each):
  BENCH_ROUNDS [5]  BENCH_SECONDS [5]  BENCH_CLIENTS ["1,16,64,256"]  BENCH_MODES ["simple,extended,prepared"]
  BENCH_CONNECT [1]  BENCH_CONNECT_CLIENTS [8]  BENCH_POOL [16]  BENCH_SCALE [10]
  BENCH_IDLE [10000] (0 = no idle test)  BENCH_IDLE_ONLY [0]  BENCH_RESULTS [bench/RESULTS.md]
  BENCH_AUTH [scram-sha-256] (or trust)  BENCH_PIN [0] (1 = proxies on one core, PostgreSQL and pgbench on another)
  BENCH_PIN_PROXY [0]  BENCH_PIN_REST [last CPU]  BENCH_PGBOUNCER [bench/.pgbouncer/bin/pgbouncer, else PATH]
  BENCH_VARIANTS [""] (several pgloom targets: "name=JVM options;name=JVM options", each interleaved; each runs
                      with exactly its options, PGLOOM_NO_RELAUNCH=1, except those named "launcher...";
                      an option "proxy.KEY=VALUE" is a [proxy] setting of that target's config instead)
  JAVA [found by scripts/find-jdk.sh]  PGLOOM_JAR [target/proxy.jar]  PGLOOM_JAVA_OPTS [""]
"""
import datetime, hashlib, os, platform, re, resource, shutil, signal, socket, statistics, struct, subprocess, sys
import tempfile, time

sys.dont_write_bytecode = True  # no __pycache__ in the work tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import jmh_summary  # noqa: E402  (the JMH section of RESULTS.md)
import results_chart  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
SECONDS = int(os.environ.get("BENCH_SECONDS", "5"))
CLIENTS = [int(c) for c in os.environ.get("BENCH_CLIENTS", "1,16,64,256").split(",") if c]
MODES = [m for m in os.environ.get("BENCH_MODES", "simple,extended,prepared").split(",") if m]
CONNECT = os.environ.get("BENCH_CONNECT", "1") == "1"
CONNECT_CLIENTS = int(os.environ.get("BENCH_CONNECT_CLIENTS", "8"))
POOL = int(os.environ.get("BENCH_POOL", "16"))
SCALE = int(os.environ.get("BENCH_SCALE", "10"))
IDLE = int(os.environ.get("BENCH_IDLE", "10000"))
IDLE_ONLY = os.environ.get("BENCH_IDLE_ONLY", "0") == "1"
RESULTS = os.path.abspath(os.environ.get("BENCH_RESULTS", os.path.join(ROOT, "bench", "RESULTS.md")))
JAR = os.environ.get("PGLOOM_JAR", os.path.join(ROOT, "target", "proxy.jar"))
JAVA_OPTS = os.environ.get("PGLOOM_JAVA_OPTS", "").split()
AUTH = os.environ.get("BENCH_AUTH", "scram-sha-256")
PIN = os.environ.get("BENCH_PIN", "0") == "1"
PIN_PROXY = os.environ.get("BENCH_PIN_PROXY", "0")
PIN_REST = os.environ.get("BENCH_PIN_REST", str(max(0, (os.cpu_count() or 1) - 1)))
# Several pgloom targets in one run ("serial=-XX:+UseSerialGC;g1="): each is started with its JVM options after
# PGLOOM_JAVA_OPTS and runs every case in turn with the others, so JVM flags compare side by side.
VARIANTS = [(v.split("=", 1)[0].strip(), v.split("=", 1)[1].split() if "=" in v else [])
            for v in os.environ.get("BENCH_VARIANTS", "").split(";") if v.strip()]
SAMPLE_S = 0.2  # how often RSS and the threads' context switches are read during a run
USER = PASSWORD = DATABASE = "app"
CLK = os.sysconf("SC_CLK_TCK")
procs = []


def find_java():
    if os.environ.get("JAVA"):
        return os.environ["JAVA"]
    r = subprocess.run([os.path.join(ROOT, "scripts", "find-jdk.sh")], capture_output=True, text=True)
    return os.path.join(r.stdout.strip(), "bin", "java") if r.returncode == 0 else "java"


JAVA = find_java()


def jdk_tool(name):
    """jcmd/jstat of the JDK that runs pgloom (a tool of another JDK may fail to attach)."""
    p = os.path.join(os.path.dirname(os.path.realpath(shutil.which(JAVA) or JAVA)), name)
    return p if os.path.exists(p) else shutil.which(name)


def pgbouncer_exe():
    """BENCH_PGBOUNCER, else the one bench/build-pgbouncer.sh built, else the installed one (often much older)."""
    if os.environ.get("BENCH_PGBOUNCER"):
        return os.environ["BENCH_PGBOUNCER"]
    built = os.path.join(ROOT, "bench", ".pgbouncer", "bin", "pgbouncer")
    if os.access(built, os.X_OK):
        return built
    return shutil.which("pgbouncer") or ("/usr/sbin/pgbouncer" if os.path.exists("/usr/sbin/pgbouncer") else None)


def pgbouncer_version(exe):
    m = re.search(r"(\d+)\.(\d+)", first_line([exe, "--version"]))
    return (int(m.group(1)), int(m.group(2))) if m else (0, 0)


def pinned(cmd, cpus):
    """cmd under taskset when BENCH_PIN=1 (children inherit the affinity)."""
    return ["taskset", "-c", cpus] + cmd if PIN else cmd


# ---------------------------------------------------------------------------------------------- processes

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


def stop(p):
    if p is None:
        return
    if p.poll() is None:
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
    if p in procs:
        procs.remove(p)


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK


def start_postgres(classpath):
    p = subprocess.Popen(pinned([JAVA, "-cp", classpath, "io.pgloom.testkit.PgServe"], PIN_REST), stdin=subprocess.PIPE,
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


def start_pgloom(pg_port, work, name, auth_type, max_clients, opts=()):
    port = free_port()
    conf = os.path.join(work, f"{name}.toml")
    # A variant's "proxy.KEY=VALUE" options are [proxy] settings of its config file, the rest JVM options.
    keys = "".join(o[len("proxy."):] + "\n" for o in opts if o.startswith("proxy."))
    opts = [o for o in opts if not o.startswith("proxy.")]
    with open(conf, "w") as f:
        f.write(f"""[proxy]
listen = "127.0.0.1:{port}"
pool_mode = "transaction"
auth_type = "{auth_type}"
default_pool_size = {POOL}
max_client_conn = {max_clients}
{keys}[admin]
http_listen = ""
[log]
level = "warn"
[databases.{DATABASE}]
host = "127.0.0.1"
port = {pg_port}
[users.{USER}]
password = "{PASSWORD}"
""")
    # pgloom re-executes itself with its own JVM flags (JvmLauncher, same process id); a BENCH_VARIANTS entry runs
    # with exactly the options it names (PGLOOM_NO_RELAUNCH), except those called "launcher...".
    env = dict(os.environ)
    if VARIANTS and not name.startswith("pgloom-launcher"):
        env["PGLOOM_NO_RELAUNCH"] = "1"
    p = subprocess.Popen(pinned([JAVA] + JAVA_OPTS + list(opts) + ["-jar", JAR, conf], PIN_PROXY), env=env,
                         stdout=open(os.path.join(work, f"{name}.log"), "w"), stderr=subprocess.STDOUT)
    procs.append(p)
    wait_port(port, "pgloom")
    return p, port


def start_pgbouncer(pg_port, work, name, auth_type, max_clients):
    exe = pgbouncer_exe()
    if not exe:
        return None, None
    port = free_port()
    d = os.path.join(work, name)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "userlist.txt"), "w") as f:
        f.write(f'"{USER}" "{PASSWORD}"\n')
    with open(os.path.join(d, "pgbouncer.ini"), "w") as f:
        f.write(f"""[databases]
{DATABASE} = host=127.0.0.1 port={pg_port} dbname={DATABASE}
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {port}
unix_socket_dir =
auth_type = {auth_type}
auth_file = {d}/userlist.txt
pool_mode = transaction
default_pool_size = {POOL}
max_client_conn = {max_clients}
ignore_startup_parameters = extra_float_digits
logfile = {d}/pgbouncer.log
""" + ("max_prepared_statements = 200\n" if pgbouncer_version(exe) >= (1, 21) else ""))
    cmd = [exe, os.path.join(d, "pgbouncer.ini")]
    if os.getuid() == 0:  # PgBouncer refuses to run as root
        os.chmod(work, 0o755)
        subprocess.run(["chown", "-R", "nobody", d], check=True)
        cmd = [exe, "-u", "nobody", os.path.join(d, "pgbouncer.ini")]
    p = subprocess.Popen(pinned(cmd, PIN_PROXY), stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    procs.append(p)
    wait_port(port, "pgbouncer")
    return p, port


def raise_file_limit(wanted):
    """Soft RLIMIT_NOFILE up to wanted (at most the hard limit); children (pgloom, PgBouncer) inherit it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


# ---------------------------------------------------------------------------------------------- part 1: pgbench

def thread_switches(pid):
    """{tid: (voluntary, involuntary)} context switches of each live thread of pid, from /proc/PID/task/*/status."""
    out = {}
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return out
    for tid in tids:
        v = nv = None
        try:
            with open(f"/proc/{pid}/task/{tid}/status") as f:
                for line in f:
                    if line.startswith("voluntary_ctxt_switches:"):
                        v = int(line.split()[1])
                    elif line.startswith("nonvoluntary_ctxt_switches:"):
                        nv = int(line.split()[1])
        except OSError:
            continue  # the thread exited between listdir and open
        if v is not None and nv is not None:
            out[tid] = (v, nv)
    return out


class ProcSampler:
    """Samples a proxy during one pgbench run: CPU (whole process, exited threads included, from /proc/PID/stat),
    peak RSS, and context switches summed over its threads. A thread's switches are counted up to its last sample:
    a thread that exits loses at most one sample interval's worth, and one born and gone between two samples is not
    seen at all; `gone` counts the threads seen at the start or in a sample that had exited by the end."""

    def __init__(self, pid):
        self.pid = pid
        self.cpu0 = cpu_seconds(pid)
        self.start = thread_switches(pid)
        self.last = dict(self.start)
        self.rss_peak = rss_kib(pid)

    def sample(self):
        self.last.update(thread_switches(self.pid))
        self.rss_peak = max(self.rss_peak, rss_kib(self.pid))

    def finish(self, txns):
        self.sample()
        live = thread_switches(self.pid)
        vol = sum(v - self.start.get(t, (0, 0))[0] for t, (v, _) in self.last.items())
        inv = sum(nv - self.start.get(t, (0, 0))[1] for t, (_, nv) in self.last.items())
        per = (lambda x: x / txns) if txns else (lambda x: float("nan"))
        return {"cpu_us": per((cpu_seconds(self.pid) - self.cpu0) * 1e6), "vcs": per(vol), "ivcs": per(inv),
                "rss_mib": self.rss_peak / 1024, "gone": len(set(self.last) - set(live))}


def pgbench(port, args, seconds, pid=None):
    """One pgbench run; with pid, that proxy's CPU, context switches and peak RSS during it (ProcSampler)."""
    env = dict(os.environ, PGPASSWORD=PASSWORD)
    cmd = ["pgbench", "-h", "127.0.0.1", "-p", str(port), "-U", USER, "-n", "-T", str(seconds)] + args + [DATABASE]
    sampler = ProcSampler(pid) if pid else None
    proc = subprocess.Popen(pinned(cmd, PIN_REST), env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + seconds + 120
    while proc.poll() is None and time.time() < deadline:
        time.sleep(SAMPLE_S)
        if sampler:
            sampler.sample()
    if proc.poll() is None:
        proc.kill()
    stdout, stderr = proc.communicate()
    out = stdout + stderr
    tps = re.search(r"tps = ([0-9.]+)", out)
    lat = re.search(r"latency average = ([0-9.]+) ms", out)
    txns = re.search(r"number of transactions actually processed: (\d+)", out)
    failed = re.search(r"number of failed transactions: (\d+)", out)
    # pgbench may print a tps for a run that was aborted (clients died on errors): that run failed.
    ok = proc.returncode == 0 and tps is not None and "aborted" not in out
    r = {
        "ok": ok,
        "tps": float(tps.group(1)) if tps else 0.0,
        "lat": float(lat.group(1)) if lat else float("nan"),
        "txns": int(txns.group(1)) if txns else 0,
        "failed": int(failed.group(1)) if failed else (0 if ok else -1),
        "error": "" if ok else (out.strip().splitlines() or ["?"])[-1][:120],
    }
    nan = float("nan")
    r.update(sampler.finish(r["txns"]) if sampler else
             {"cpu_us": nan, "vcs": nan, "ivcs": nan, "rss_mib": nan, "gone": 0})
    return r


def pgbench_args(mode, clients):
    args = ["-S", "-c", str(clients), "-j", str(min(2, clients))]
    return args + (["-C", "-M", "simple"] if mode == "connect" else ["-M", mode])


def pgloom_targets():
    """(name, JVM options) of each pgloom under test: one plain "pgloom", or one per BENCH_VARIANTS entry."""
    return [(f"pgloom-{n}", opts) for n, opts in VARIANTS] or [("pgloom", [])]


def run_pgbench(pg_port, work):
    env = dict(os.environ, PGPASSWORD=PASSWORD)
    subprocess.run(["pgbench", "-h", "127.0.0.1", "-p", str(pg_port), "-U", USER, "-i", "-q", "-s", str(SCALE), DATABASE],
                   env=env, check=True, capture_output=True)
    targets, started = [("direct", pg_port, None)], []
    for name, opts in pgloom_targets():
        p, port = start_pgloom(pg_port, work, name, AUTH, 5000, opts)
        started.append(p)
        targets.append((name, port, p.pid))
    bouncer, bouncer_port = start_pgbouncer(pg_port, work, "pgbouncer", AUTH, 5000)
    if bouncer:
        started.append(bouncer)
        targets.append(("pgbouncer", bouncer_port, bouncer.pid))
    cases = [(m, c) for m in MODES for c in CLIENTS]
    if CONNECT:
        cases.append(("connect", CONNECT_CLIENTS))
    results = {}
    # Warm-up (discarded), each protocol in turn: the JVM compiles each one's path during its first seconds of
    # load, and async-profiler still saw the JIT at 7 % of pgloom's CPU 15 s into a one-protocol warm-up.
    for name, port, pid in targets:
        for mode in MODES:
            pgbench(port, pgbench_args(mode, min(64, max(CLIENTS))), max(3, SECONDS))
    for rnd in range(ROUNDS):
        for mode, clients in cases:
            for name, port, pid in targets:
                r = pgbench(port, pgbench_args(mode, clients), SECONDS, pid)
                results.setdefault((mode, clients, name), []).append(r)
                print(f"round {rnd + 1}/{ROUNDS} {mode:9} c={clients:<4} {name:16} tps={r['tps']:10.1f} "
                      f"lat={r['lat']:.3f}ms cpu/txn={r['cpu_us']:.1f}us cs/txn={r['vcs']:.2f}+{r['ivcs']:.2f} "
                      f"rss={r['rss_mib']:.0f}MiB failed={r['failed']} {r['error']}", flush=True)
    for p in started:
        stop(p)
    return results, [t[0] for t in targets], cases


def med(rs, key):
    vals = [r[key] for r in rs if r["ok"] and r[key] == r[key]]
    return statistics.median(vals) if vals else float("nan")


def ratio(a, b):
    return a / b if a == a and b == b and b > 0 else float("nan")


def failure(run):
    text = "aborted" if "aborted" in run["error"] else run["error"].replace("pgbench: error: ", "")[:40]
    return "failed: " + text.replace("|", "/")


def case_label(mode, clients):
    return "-C (connect per txn)" if mode == "connect" else mode


def setup_line():
    """What every table of a run shares: auth, pool, client counts, pinning."""
    pin = (f"pinned with taskset: both proxies on CPU {PIN_PROXY}, PostgreSQL and pgbench on CPU {PIN_REST} (the "
           "proxies compete for one core; a JVM that sees one CPU picks SerialGC and one carrier by itself)"
           if PIN else "not pinned (every process may run on every core)")
    return (f"auth `{AUTH}` on both proxies, transaction mode, pool of {POOL} server connections, clients "
            f"{', '.join(map(str, CLIENTS))}" + (f" and `-C` with {CONNECT_CLIENTS}" if CONNECT else "") + f"; {pin}")


def pgbench_section(results, names, cases, major, chart_name):
    proxies = [n for n in names if n != "direct"]
    has_b = "pgbouncer" in names
    looms = [n for n in proxies if n != "pgbouncer"]
    head = (["mode", "clients", "direct TPS (this machine)"] + [f"{n} TPS" for n in proxies]
            + ([f"{n}/pgbouncer TPS" for n in looms] if has_b else []) + [f"{n}/direct TPS" for n in looms]
            + [f"{n} +µs lat vs direct" for n in proxies] + [f"{n} CPU µs/txn" for n in proxies]
            + [f"{n} cs/txn vol+invol" for n in proxies] + [f"{n} peak RSS MiB" for n in proxies])
    variants = "".join(f" `{n}`: JVM options `{' '.join(o) or '(none)'}`;" for n, o in pgloom_targets() if VARIANTS)
    lines = [f"pgbench `-S` (select-only), {SECONDS} s per run, {ROUNDS} interleaved round{'s' if ROUNDS != 1 else ''} "
             f"(direct, pgloom, PgBouncer, direct, …) after a discarded warm-up; every figure is the median over the "
             f"rounds. {setup_line()}. PostgreSQL {major}, scale {SCALE}.{variants} "
             f"Run {datetime.datetime.now():%Y-%m-%d %H:%M}.", "",
             "**Only the ratios compare across machines**: absolute TPS depends on the machine of the day, whose "
             "direct-PostgreSQL TPS stands beside every case. CPU per transaction: the proxy process's user+system "
             "time during the run ÷ the transactions it served. cs/txn: voluntary + involuntary context switches of "
             "all its threads (/proc/PID/task/*/status) ÷ transactions. Peak RSS: the highest VmRSS sampled every "
             f"{SAMPLE_S} s during the run. `+µs lat`: the target's median pgbench latency average minus direct's.",
             "", "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    tps_by_case = {}
    gone = 0
    for mode, clients in cases:
        rs = {n: results[(mode, clients, n)] for n in names}
        tps = {n: med(rs[n], "tps") for n in names}
        lat = {n: med(rs[n], "lat") for n in names}
        tps_by_case[(mode, clients)] = tps
        row = [case_label(mode, clients), str(clients)]
        for n in names:
            bad = [r for r in rs[n] if not r["ok"] or r["failed"] != 0]
            row.append(failure(bad[0]) if bad and tps[n] != tps[n] else
                       f"{tps[n]:.0f}" + (f" ({len(bad)} of {len(rs[n])} runs failed)" if bad else ""))
        if has_b:
            row += [f"{ratio(tps[n], tps['pgbouncer']):.2f}" for n in looms]
        row += [f"{ratio(tps[n], tps['direct']):.2f}" for n in looms]
        row += [f"{(lat[n] - lat['direct']) * 1000:.0f}" for n in proxies]
        row += [f"{med(rs[n], 'cpu_us'):.1f}" for n in proxies]
        row += [f"{med(rs[n], 'vcs'):.2f}+{med(rs[n], 'ivcs'):.2f}" for n in proxies]
        row += [f"{med(rs[n], 'rss_mib'):.0f}" for n in proxies]
        gone += sum(r["gone"] for n in proxies for r in rs[n])
        lines.append("| " + " | ".join(row) + " |")
    lines += ["", f"Threads that exited during a run (their last interval's switches are not counted): {gone} in all.",
              "`failed` / `nan`: every run of that cell failed (PgBouncer before 1.21 cannot run `-M prepared` in "
              "transaction mode: pgbench aborts its clients when a prepared statement is missing on the next server; "
              "1.21+ runs it with `max_prepared_statements = 200`).",
              "", f"![TPS per target and case]({chart_name})", ""]
    return "\n".join(lines), tps_by_case


# ---------------------------------------------------------------------------------------------- part 2: idle clients

def recv_exact(s, n):
    buf = bytearray()
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("server closed the connection")
        buf += chunk
    return bytes(buf)


def message(s):
    head = recv_exact(s, 5)
    return head[0:1], recv_exact(s, struct.unpack("!I", head[1:5])[0] - 4)


def frame(kind, body):
    return kind + struct.pack("!I", len(body) + 4) + body


def send_startup(s):
    params = f"user\0{USER}\0database\0{DATABASE}\0\0".encode()
    s.sendall(struct.pack("!II", len(params) + 8, 196608) + params)


def authenticate(s):
    """Answers the server's authentication request (trust, cleartext or MD5) up to AuthenticationOk."""
    while True:
        kind, body = message(s)
        if kind == b"E":
            raise ConnectionError(body.replace(b"\0", b" ").decode(errors="replace").strip())
        if kind != b"R":
            continue
        code = struct.unpack("!I", body[:4])[0]
        if code == 0:
            return
        if code == 3:
            s.sendall(frame(b"p", PASSWORD.encode() + b"\0"))
        elif code == 5:
            inner = hashlib.md5((PASSWORD + USER).encode()).hexdigest()
            s.sendall(frame(b"p", b"md5" + hashlib.md5(inner.encode() + body[4:8]).hexdigest().encode() + b"\0"))
        else:
            raise ConnectionError(f"idle test client speaks trust, cleartext and md5; server asked for auth {code}")


def until_ready(s):
    while True:
        kind, body = message(s)
        if kind == b"E":
            raise ConnectionError(body.replace(b"\0", b" ").decode(errors="replace").strip())
        if kind == b"Z":
            return


def open_idle(port, count, batch=100):
    """count fully logged-in connections, opened in batches so the server logs several in at once."""
    conns = []
    while len(conns) < count:
        group = []
        for _ in range(min(batch, count - len(conns))):
            s = socket.create_connection(("127.0.0.1", port), timeout=60)
            send_startup(s)
            group.append(s)
        for s in group:
            authenticate(s)
        for s in group:
            until_ready(s)
        conns += group
    return conns


def query_ok(s):
    s.sendall(frame(b"Q", b"SELECT 1\0"))
    until_ready(s)
    return True


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def java_live_heap_kib(pid):
    """Heap in use after a full GC (jcmd GC.run, then jstat's S0U+S1U+EU+OU), or nan without the JDK tools."""
    jcmd, jstat = jdk_tool("jcmd"), jdk_tool("jstat")
    if not jcmd or not jstat:
        return float("nan")
    subprocess.run([jcmd, str(pid), "GC.run"], capture_output=True, timeout=60)
    out = subprocess.run([jstat, "-gc", str(pid)], capture_output=True, text=True, timeout=60).stdout.split("\n")
    try:
        cols = dict(zip(out[0].split(), out[1].split()))
        return sum(float(cols[k]) for k in ("S0U", "S1U", "EU", "OU"))
    except (IndexError, KeyError, ValueError):
        return float("nan")


def measure_idle(name, proc, port, java):
    """RSS (as the OS sees it) and live heap before and after IDLE logged-in idle clients; a sample still served."""
    s = open_idle(port, 1)[0]  # warm: one login and one query, so the pool and its server exist before "before"
    query_ok(s)
    s.close()
    time.sleep(1)
    heap0 = java_live_heap_kib(proc.pid) if java else float("nan")
    time.sleep(2)
    rss0 = rss_kib(proc.pid)
    t0, cpu0 = time.time(), cpu_seconds(proc.pid)
    conns = open_idle(port, IDLE)
    login_s, login_cpu_us = time.time() - t0, (cpu_seconds(proc.pid) - cpu0) * 1e6 / IDLE
    time.sleep(2)
    # Idle from here on: the garbage of the login storm is collected first (a full GC, as the heap figure needs),
    # so RSS is what 10,000 idle sessions hold, not what the storm left behind.
    heap1 = java_live_heap_kib(proc.pid) if java else float("nan")
    time.sleep(2)
    rss1 = rss_kib(proc.pid)
    sample = conns[::max(1, len(conns) // 100)]
    served = sum(1 for c in sample if query_ok(c))
    for c in conns:
        c.close()
    r = {"name": name, "rss0": rss0, "rss1": rss1, "heap0": heap0, "heap1": heap1, "login_s": login_s,
         "login_cpu_us": login_cpu_us, "served": served, "sampled": len(sample)}
    print(f"idle {name:10} clients={IDLE} rss {rss0 / 1024:.1f} -> {rss1 / 1024:.1f} MiB "
          f"({(rss1 - rss0) / IDLE:.2f} KiB/client) heap {heap0 / 1024:.1f} -> {heap1 / 1024:.1f} MiB "
          f"logins {login_s:.1f}s {login_cpu_us:.0f}us CPU each, sample served {served}/{len(sample)}", flush=True)
    return r


def idle_auth():
    """The idle test's raw client speaks trust, cleartext and MD5: trust when the run is trust, otherwise MD5."""
    return "trust" if AUTH == "trust" else "md5"


def run_idle(pg_port, work):
    limit = raise_file_limit(IDLE + 1000)
    if limit < IDLE + 100:
        print(f"idle test: file limit {limit} is too low for {IDLE} connections; skipped")
        return []
    out = []
    # Fresh instances: "before" is a just-started proxy, not one warmed by part 1. (The memory an idle session
    # holds does not depend on how it logged in; the CPU per login does, so the table names the method.)
    for name, opts in pgloom_targets():
        p, port = start_pgloom(pg_port, work, name + "-idle", idle_auth(), IDLE + 100, opts)
        try:
            out.append(measure_idle(name, p, port, java=True))
        finally:
            stop(p)
    b, bport = start_pgbouncer(pg_port, work, "pgbouncer-idle", idle_auth(), IDLE + 100)
    if b:
        try:
            out.append(measure_idle("pgbouncer", b, bport, java=False))
        finally:
            stop(b)
    return out


def idle_section(rows):
    def kib(x):
        return "–" if x != x else f"{x / 1024:.1f}"
    pin = f"; proxies pinned to CPU {PIN_PROXY}" if PIN else ""
    lines = [f"{IDLE} idle client connections, each logged in (startup, {idle_auth()}, ReadyForQuery) and then silent, "
             f"against a freshly started proxy in transaction mode ({POOL} server connections{pin}). RSS is VmRSS from "
             "/proc as the OS sees it; Java heap is what is in use after a full GC (jcmd GC.run, jstat); RSS is read "
             "2 s after that GC, as idle sessions hold it. 'before' is after one warm-up login and query. CPU per "
             "login: the proxy's user+system time while the logins ran ÷ logins. "
             f"Run {datetime.datetime.now():%Y-%m-%d %H:%M}"
             + (f", pgloom JVM options `{' '.join(JAVA_OPTS)}`" if JAVA_OPTS else "") + ".", "",
             "| proxy | RSS before MiB | RSS after MiB | RSS per client KiB | heap before MiB | heap after MiB "
             "| heap per client KiB | logins took s | CPU µs per login | sample still served |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        heap_per = (r["heap1"] - r["heap0"]) / IDLE
        lines.append(f"| {r['name']} | {kib(r['rss0'])} | {kib(r['rss1'])} | {(r['rss1'] - r['rss0']) / IDLE:.2f} | "
                     f"{kib(r['heap0'])} | {kib(r['heap1'])} | {'–' if heap_per != heap_per else f'{heap_per:.2f}'} | "
                     f"{r['login_s']:.1f} | {r['login_cpu_us']:.0f} | {r['served']}/{r['sampled']} |")
    return "\n".join(lines + [""])


# ---------------------------------------------------------------------------------------------- RESULTS.md

SECTIONS = ["machine", "pgbench", "idle", "jmh", "findings"]
TITLES = {"machine": "Machine and versions", "pgbench": "pgbench: direct, pgloom, PgBouncer",
          "idle": "Idle connections: memory", "jmh": "JMH (bench/jmh-results.txt)",
          "findings": "Findings and improvements"}
FINDINGS_PLACEHOLDER = """<!-- Written by the lead, kept as is by bench/e2e.py: what the profile showed, each improvement and
     its measured effect, which targets of the cost issues (6, 17) are met. -->

(to be filled in: findings, profiles and improvements with their measured effect)
"""


def read_sections(path):
    """The text between <!-- begin:NAME --> and <!-- end:NAME --> of an earlier RESULTS.md."""
    if not os.path.exists(path):
        return {}
    text = open(path, encoding="utf-8").read()
    return {m.group(1): m.group(2).strip("\n") + "\n"
            for m in re.finditer(r"<!-- begin:(\w+) -->\n(.*?)<!-- end:\1 -->", text, re.S)}


def write_results(new):
    """Replaces the sections this run produced; keeps the others (and the lead's findings) from the last file."""
    old = read_sections(RESULTS)
    lines = ["# Benchmark results", "",
             "Written by `make bench` (bench/e2e.py; bench/README.md says how to read every figure). Each section "
             "below is replaced only by a run that produced it; \"Findings and improvements\" is never overwritten.", ""]
    for name in SECTIONS:
        body = new.get(name) or old.get(name) or ("(not run yet)\n" if name != "findings" else FINDINGS_PLACEHOLDER)
        lines += [f"## {TITLES[name]}", "", f"<!-- begin:{name} -->", body.rstrip("\n"), f"<!-- end:{name} -->", ""]
    os.makedirs(os.path.dirname(RESULTS), exist_ok=True)
    with open(RESULTS, "w", encoding="utf-8") as f:
        f.write("\n".join(lines))
    print("\n".join(lines))
    print(f"\nwritten: {RESULTS}")


def machine_section(major, tps_by_case=None):
    mem = "?"
    try:
        for line in open("/proc/meminfo"):
            if line.startswith("MemTotal:"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    return "\n".join([
        f"- Date: {datetime.datetime.now():%Y-%m-%d %H:%M %Z}".rstrip(),
        f"- Machine: {platform.node()}, {os.cpu_count()} cores ({cpu_model()}), {mem} RAM, "
        f"{platform.system()} {platform.release()}; load average at the end {load}. Shared by pgbench, "
        "PostgreSQL and the proxy under test (and, on a shared machine, by whatever else runs).",
        f"- Versions: {versions(major)}"] + direct_line(tps_by_case) + [""])


def direct_line(tps_by_case):
    """The machine's direct-PostgreSQL TPS of this run: what tells one VM from another."""
    if not tps_by_case:
        return []
    cells = [f"{case_label(m, c)} {c}: {t['direct']:.0f}" for (m, c), t in tps_by_case.items() if t["direct"] == t["direct"]]
    return [f"- Direct PostgreSQL TPS on this machine in this run (pgbench `-S`): {'; '.join(cells)}. Runs on "
            "different machines compare by their ratios (pgloom/PgBouncer, pgloom/direct) only, never by TPS."]


def cpu_model():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def first_line(cmd):
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
        return ((r.stdout + r.stderr).strip().splitlines() or ["n/a"])[0]
    except Exception:
        return "n/a"


def versions(major):
    b = pgbouncer_exe()
    return "; ".join([first_line([JAVA, '-jar', JAR, '--version']), first_line([JAVA, "-version"]),
                      f"PostgreSQL {major}", first_line(["pgbench", "--version"]) if shutil.which("pgbench") else
                      "pgbench not installed", (first_line([b, "--version"]) + f" ({b})") if b else "PgBouncer not installed",
                      f"Python {platform.python_version()}"])


# ---------------------------------------------------------------------------------------------- main

def main():
    have_pgbench = shutil.which("pgbench") is not None
    if not have_pgbench and not IDLE_ONLY:
        print("bench/e2e.py: pgbench is not installed (apt-get install postgresql-client); skipping the pgbench part")
    if PIN and (not shutil.which("taskset") or (os.cpu_count() or 1) < 2):
        sys.exit("BENCH_PIN=1 needs taskset (util-linux) and at least 2 CPUs")
    if IDLE_ONLY and IDLE <= 0:
        sys.exit("BENCH_IDLE_ONLY=1 needs BENCH_IDLE > 0")
    cp_file = os.path.join(ROOT, "target", "test.classpath")
    classpath = ":".join([os.path.join(ROOT, "target", "test-classes"), os.path.join(ROOT, "target", "classes"),
                          open(cp_file).read().strip()])
    work = tempfile.mkdtemp(prefix="pgloom-bench-")
    pg, pg_port, major = start_postgres(classpath)
    new, tps = {}, None
    if have_pgbench and not IDLE_ONLY:
        results, names, cases = run_pgbench(pg_port, work)
        chart = os.path.join(os.path.dirname(RESULTS), "results-tps.svg")
        new["pgbench"], tps = pgbench_section(results, names, cases, major, os.path.basename(chart))
        print("chart:", results_chart.write(chart, [("-C connect" if m == "connect" else m, c, tps[(m, c)])
                                                     for m, c in cases], names))
    if IDLE > 0:
        new["idle"] = idle_section(run_idle(pg_port, work))
    new["machine"] = machine_section(major, tps)
    jmh = jmh_summary.summarize(os.path.join(ROOT, "bench", "jmh-results.txt"))
    if jmh:
        when = datetime.datetime.fromtimestamp(os.path.getmtime(os.path.join(ROOT, "bench", "jmh-results.txt")))
        new["jmh"] = f"From bench/jmh-results.txt of {when:%Y-%m-%d %H:%M} (1 fork, -prof gc).\n\n" + jmh
    write_results(new)
    return 0


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
    rc = 1
    try:
        rc = main()
    finally:
        cleanup()
    sys.exit(rc)
