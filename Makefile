# pgloom: build, test, demo and benchmark entry points. Maven comes through ./mvnw; the JDK (>= 21)
# is found by scripts/find-jdk.sh even when the default java is older.
JAVA_HOME := $(shell scripts/find-jdk.sh)
export JAVA_HOME
export PATH := $(JAVA_HOME)/bin:$(PATH)
MVN := ./mvnw -B -ntp
# Extra Maven flags, e.g. make test MVNFLAGS=-Dpg.version=14
MVNFLAGS ?=

.PHONY: build test unit lint format demo bench pgbouncer fuzz soak clean jdk

jdk:
	@echo "JAVA_HOME=$(JAVA_HOME)"; java -version

## build: target/proxy.jar, runnable with java -jar target/proxy.jar conf/proxy.toml
build:
	$(MVN) $(MVNFLAGS) -DskipTests package

## test: every unit and integration test against a real PostgreSQL
test:
	$(MVN) $(MVNFLAGS) verify

## unit: only the fast unit tests
unit:
	$(MVN) $(MVNFLAGS) test

## lint: the formatter check (spotless with palantir-java-format: 120 columns, imports, whitespace) and SpotBugs
## on the main classes (deliberate findings excluded in spotbugs-exclude.xml); compiles first if sources changed
lint:
	$(MVN) $(MVNFLAGS) -q compile spotless:check spotbugs:check

## format: rewrite main, test and bench sources the way make lint wants them (spotless:apply)
format:
	$(MVN) $(MVNFLAGS) -q spotless:apply

## demo: a throwaway PostgreSQL with pgloom in front of it; Ctrl-C stops both
demo: build
	$(MVN) $(MVNFLAGS) -q -DskipTests test-compile dependency:build-classpath -Dmdep.outputFile=target/test.classpath >/dev/null
	java -cp target/test-classes:target/classes:$$(cat target/test.classpath) io.pgloom.testkit.Demo target/proxy.jar

## bench: JMH hot-path benchmarks (-> bench/jmh-results.txt, summarized), then the end-to-end pgbench comparison
## and idle-connection test (direct / pgloom / PgBouncer -> bench/RESULTS.md and its chart). JMH=regex picks
## benchmarks (JMH=Pump, JMH=Pool, ...); E2E=0 skips the second part; bench/README.md lists the BENCH_* knobs.
## PIN=1 pins both proxies to one core and PostgreSQL and pgbench to another (taskset), so the proxies compete for one
## CPU; AUTH=trust|scram-sha-256 (default scram-sha-256) is the login method of both proxies. PgBouncer: the one
## bench/build-pgbouncer.sh built into bench/.pgbouncer/ (make pgbouncer PGBOUNCER_SRC=git-dir-or-tarball), else PATH.
JMH ?= io.pgloom.bench
E2E ?= 1
PIN ?= $(if $(BENCH_PIN),$(BENCH_PIN),0)
AUTH ?= $(if $(BENCH_AUTH),$(BENCH_AUTH),scram-sha-256)
bench: build
	$(MVN) $(MVNFLAGS) -Pbench -DskipTests -Djmh.include='$(JMH)' test-compile exec:exec@jmh
	python3 bench/jmh_summary.py bench/jmh-results.txt
	@if [ "$(E2E)" = "1" ]; then \
	  $(MVN) $(MVNFLAGS) -q -DskipTests test-compile dependency:build-classpath -Dmdep.outputFile=target/test.classpath >/dev/null && \
	  BENCH_PIN=$(PIN) BENCH_AUTH=$(AUTH) JAVA=$(JAVA_HOME)/bin/java python3 bench/e2e.py; fi

## pgbouncer: the newest PgBouncer release built from source into bench/.pgbouncer/ (what make bench compares with)
PGBOUNCER_SRC ?=
pgbouncer:
	bench/build-pgbouncer.sh $(PGBOUNCER_SRC)

## fuzz: every Jazzer fuzz target (coverage-guided, libFuzzer) for FUZZ_SECONDS each (default 300), one JVM per
## target, starting from the committed corpus; then hostile clients against a live proxy (GarbageClientsIT) with a
## fresh seed. A finding lands in src/test/resources/<package>/<Target>Inputs/<method>/crash-<sha1>: give it a name
## that says what it is and commit it; make test replays it from then on. FUZZ_TARGETS=... picks targets.
FUZZ_SECONDS ?= 300
FUZZ_TARGETS ?= ClientStartupFuzzTest ClientMessagesFuzzTest ServerMessagesFuzzTest ServerLoginFuzzTest ScramMessagesFuzzTest
fuzz:
	$(MVN) $(MVNFLAGS) -q -DskipTests test-compile
	@for t in $(FUZZ_TARGETS); do \
	  echo "== fuzzing $$t for $(FUZZ_SECONDS) s"; \
	  JAZZER_FUZZ=1 $(MVN) $(MVNFLAGS) surefire:test@fuzz -Dtest=$$t -Djazzer.max_duration=$(FUZZ_SECONDS)s \
	    -Djunit.jupiter.execution.timeout.mode=disabled || exit 1; \
	done
	$(MVN) $(MVNFLAGS) verify -Dtest=none -Dit.test=GarbageClientsIT -Dsurefire.failIfNoSpecifiedTests=false \
	  -Dpgloom.fuzz.seed=$$(date +%s)

## soak: 500 clients over 20 server connections in transaction mode for two minutes, every result checked
soak:
	$(MVN) $(MVNFLAGS) verify -Dtest=none -Dit.test=StressIT -Dsurefire.failIfNoSpecifiedTests=false \
	  -Dpgloom.stress.clients=500 -Dpgloom.stress.servers=20 -Dpgloom.stress.seconds=120

clean:
	$(MVN) clean
