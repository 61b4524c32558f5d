// What can be checked of the container image and the Kubernetes manifests without a container engine: the
// Dockerfile's stages, user, health check and entry point; the manifests' kinds, probes and grace period; and
// that the configs they ship load. Building the image needs a Docker engine; that test says so when there is none.
package io.pgloom.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgloom.config.ConfigLoader;
import io.pgloom.config.ProxyConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

class DeployFilesTest {
    private static final java.util.function.Function<String, String> SECRETS = k -> "from-" + k;

    @Test
    void dockerfileBuildsWithTheWrapperAndRunsAsNonRoot() throws Exception {
        String d = Files.readString(Path.of("Dockerfile"));
        assertTrue(d.contains("FROM eclipse-temurin:21-jdk AS build"), "build stage on a JDK 21");
        assertTrue(d.contains("./mvnw -B -ntp -q -DskipTests package"), "built with the Maven wrapper");
        assertTrue(d.matches("(?s).*\nFROM eclipse-temurin:21-jre\n.*"), "runs on a JRE 21");
        Matcher user = Pattern.compile("\nUSER (\\S+)").matcher(d);
        assertTrue(user.find() && !user.group(1).equals("0") && !user.group(1).equals("root"), "non-root user");
        assertTrue(d.contains("HEALTHCHECK") && d.contains("/readyz"), "health check on /readyz");
        assertTrue(d.contains("\"/etc/pgloom/proxy.toml\"]"), "config at /etc/pgloom/proxy.toml");
        assertTrue(d.contains("EXPOSE 6432 9930"));
        ProxyConfig c = ConfigLoader.load(Path.of("conf/container.toml"), SECRETS);
        assertEquals("*", c.proxy().listenHost(), "listens on all interfaces in a container");
        assertTrue(c.admin().httpEnabled() && !c.admin().httpHost().startsWith("127."), "probes can reach /readyz");
    }

    @Test
    void kubernetesManifestsHaveProbesDrainAndBudget() throws Exception {
        String y = Files.readString(Path.of("deploy/kubernetes/pgloom.yaml"));
        List<String> docs = Arrays.stream(y.split("\n---\n")).toList();
        for (String kind : List.of("ConfigMap", "StatefulSet", "Service", "PodDisruptionBudget")) {
            assertTrue(docs.stream().anyMatch(doc -> doc.contains("\nkind: " + kind + "\n")), kind);
        }
        assertTrue(y.contains("readinessProbe:\n            httpGet: {path: /readyz"), "readiness on /readyz");
        assertTrue(y.contains("livenessProbe:\n            httpGet: {path: /healthz"), "liveness on /healthz");
        assertTrue(y.contains("preStop:"), "a preStop pause before the drain");
        // The ConfigMap's proxy.toml loads, and the grace period covers its shutdown_timeout.
        Matcher m = Pattern.compile("(?s)proxy\\.toml: \\|\\n(.*?)\\n---").matcher(y);
        assertTrue(m.find());
        String toml = m.group(1)
                .lines()
                .map(l -> l.length() >= 4 ? l.substring(4) : l.strip())
                .reduce("", (a, b) -> a + b + "\n");
        Path f = Files.createTempFile("pgloom-k8s", ".toml");
        Files.writeString(f, toml);
        // In pod pgloom-2 of the StatefulSet: HOSTNAME is the pod's name.
        ProxyConfig c = ConfigLoader.load(f, k -> k.equals("HOSTNAME") ? "pgloom-2" : SECRETS.apply(k));
        Files.delete(f);
        assertPeering(docs, c);
        Matcher grace = Pattern.compile("terminationGracePeriodSeconds: (\\d+)").matcher(y);
        assertTrue(grace.find());
        assertTrue(
                Integer.parseInt(grace.group(1)) >= c.proxy().shutdownTimeout().toSeconds() + 5,
                "terminationGracePeriodSeconds covers shutdown_timeout plus the preStop pause");
    }

    /**
     * Peering with no per-pod edit: the peer id is the pod's ordinal, every replica is a peer, and peer N's name is
     * pod N's DNS name under the headless Service the StatefulSet names (which keeps not-ready pods in DNS).
     */
    private static void assertPeering(List<String> docs, ProxyConfig c) {
        String set = docs.stream()
                .filter(d -> d.contains("\nkind: StatefulSet\n"))
                .findFirst()
                .orElseThrow();
        Matcher replicas = Pattern.compile("\n  replicas: (\\d+)").matcher(set);
        Matcher service = Pattern.compile("\n  serviceName: (\\S+)").matcher(set);
        Matcher name = Pattern.compile("\nmetadata:\n  name: (\\S+)").matcher(set);
        assertTrue(replicas.find() && service.find() && name.find(), set);
        String headless = docs.stream()
                .filter(d -> d.contains("\nkind: Service\n") && d.contains("\n  name: " + service.group(1) + "\n"))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no Service named " + service.group(1)));
        assertTrue(headless.contains("clusterIP: None"), "the peers' Service is headless");
        assertTrue(headless.contains("publishNotReadyAddresses: true"), "draining pods keep their DNS name");
        assertEquals(2, c.peers().peerId(), "the peer id is the pod's ordinal");
        int n = Integer.parseInt(replicas.group(1));
        assertEquals(n, c.peers().peers().size(), "one peer per replica");
        for (int i = 0; i < n; i++) {
            assertEquals(
                    name.group(1) + "-" + i + "." + service.group(1),
                    c.peers().peers().get(i).host());
            assertEquals(6432, c.peers().peers().get(i).port());
        }
    }

    @Test
    void systemdUnitIsHardenedAndOutlastsTheDrain() throws Exception {
        Path unit = Path.of("deploy/systemd/pgloom.service");
        String u = Files.readString(unit);
        assertTrue(u.contains("ExecStart=/usr/bin/java -jar /opt/pgloom/proxy.jar /etc/pgloom/proxy.toml"), u);
        assertTrue(u.contains("ExecReload=/bin/kill -HUP $MAINPID"), "reload is SIGHUP");
        assertTrue(u.contains("User=pgloom"), "never root");
        for (String option : List.of(
                "NoNewPrivileges=yes",
                "ProtectSystem=strict",
                "PrivateTmp=yes",
                "CapabilityBoundingSet=",
                "LimitNOFILE=")) assertTrue(u.contains(option), option);
        // The JIT writes executable memory: MemoryDenyWriteExecute would kill the JVM at start.
        assertTrue(!u.contains("MemoryDenyWriteExecute=yes"), "no W^X for a JVM");
        Matcher stop = Pattern.compile("TimeoutStopSec=(\\d+)").matcher(u);
        assertTrue(stop.find(), "a stop timeout");
        ProxyConfig shipped = ConfigLoader.load(Path.of("conf/proxy.toml"), SECRETS);
        assertTrue(
                Integer.parseInt(stop.group(1))
                        > shipped.proxy().shutdownTimeout().toSeconds(),
                "systemd must not kill pgloom before its own drain (shutdown_timeout) ends");
        Path analyze = Path.of("/usr/bin/systemd-analyze");
        Assumptions.assumeTrue(Files.isExecutable(analyze), "systemd-analyze is not installed: unit syntax unchecked");
        Process p = new ProcessBuilder(
                        analyze.toString(), "verify", unit.toAbsolutePath().toString())
                .redirectErrorStream(true)
                .start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "systemd-analyze finished");
        assertEquals(0, p.exitValue(), out);
        assertEquals("", out.strip(), "systemd-analyze verify has no complaint");
    }

    @Test
    void imageBuildsWhereADockerEngineRuns() throws Exception {
        boolean engine;
        try {
            Process p = new ProcessBuilder("docker", "info")
                    .redirectErrorStream(true)
                    .start();
            p.getInputStream().readAllBytes();
            engine = p.waitFor(20, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (java.io.IOException e) {
            engine = false;
        }
        Assumptions.assumeTrue(
                engine,
                "no Docker engine answers here: the image was not built (the Dockerfile's "
                        + "structure is checked above)");
        Process b = new ProcessBuilder("docker", "build", "-q", "-t", "pgloom:test", ".")
                .redirectErrorStream(true)
                .start();
        String out = new String(b.getInputStream().readAllBytes());
        assertTrue(b.waitFor(15, TimeUnit.MINUTES));
        assertEquals(0, b.exitValue(), out);
    }
}
