// The Testcontainers side of PostgresFixture: where a Docker engine answers, PostgreSQL runs in the official image
// with the fixture's pg_hba rules and a fixed host port (so stop/start keeps the address pgloom was given).
package io.pgloom.testkit;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.PortBinding;
import com.github.dockerjava.api.model.Ports;
import java.nio.file.Files;
import java.nio.file.Path;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.images.builder.Transferable;
import org.testcontainers.postgresql.PostgreSQLContainer;

final class ContainerPostgres {
    private ContainerPostgres() {}

    /** Cheap checks first: without a socket or DOCKER_HOST there is no engine, and asking would be slow. */
    static boolean dockerAvailable() {
        if (Boolean.getBoolean("pgloom.noDocker")) return false;
        boolean hint = System.getenv("DOCKER_HOST") != null || Files.exists(Path.of("/var/run/docker.sock"));
        if (!hint) return false;
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (Throwable e) {
            return false;
        }
    }

    static PostgreSQLContainer start(int majorVersion, int hostPort, String hba) {
        PostgreSQLContainer c = new PostgreSQLContainer("postgres:" + majorVersion)
                .withUsername(PostgresFixture.SUPERUSER)
                .withPassword(PostgresFixture.SUPERPASS)
                .withDatabaseName("postgres");
        c.withCopyToContainer(Transferable.of(hba), "/etc/pgloom/pg_hba.conf");
        c.withCommand(
                "postgres",
                "-c",
                "hba_file=/etc/pgloom/pg_hba.conf",
                "-c",
                "max_connections=300",
                "-c",
                "fsync=off",
                "-c",
                "synchronous_commit=off",
                "-c",
                "full_page_writes=off");
        c.withCreateContainerCmdModifier(cmd -> cmd.getHostConfig()
                .withPortBindings(
                        new PortBinding(Ports.Binding.bindIp("127.0.0.1").bindPort(hostPort), new ExposedPort(5432))));
        c.start();
        return c;
    }

    private static DockerClient docker() {
        return DockerClientFactory.instance().client();
    }

    /** Fast shutdown (SIGINT), like the binaries path; the container keeps its data for start(). */
    static void stop(PostgreSQLContainer c, String signal) {
        docker().killContainerCmd(c.getContainerId()).withSignal(signal).exec();
        docker().waitContainerCmd(c.getContainerId()).start().awaitStatusCode();
    }

    static void restart(PostgreSQLContainer c) {
        docker().startContainerCmd(c.getContainerId()).exec();
    }

    static boolean running(PostgreSQLContainer c) {
        Boolean r = docker().inspectContainerCmd(c.getContainerId())
                .exec()
                .getState()
                .getRunning();
        return r != null && r;
    }
}
