// Copies a running PostgreSQL data folder for a base backup taken by hand (pg_backup_start .. pg_backup_stop):
// skips what PostgreSQL's docs say a backup may leave out, and tolerates files that vanish while it copies.
package io.pgloom.testkit;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

final class DataDirCopy {
    private DataDirCopy() {}

    /** Folders whose contents a base backup omits (the folders themselves must exist). */
    private static final Set<String> EMPTIED = Set.of(
            "pg_replslot", "pg_dynshmem", "pg_notify", "pg_serial", "pg_snapshots", "pg_stat_tmp", "pg_subtrans");
    /** Files of the running server that must not be copied. */
    private static final Set<String> SKIPPED =
            Set.of("postmaster.pid", "postmaster.opts", "backup_label", "standby.signal", "recovery.signal");

    static void copy(Path from, Path to) throws IOException {
        Files.walkFileTree(from, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                Path target = to.resolve(from.relativize(dir).toString());
                Files.createDirectories(target);
                Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rwx------"));
                Path parent = dir.getParent();
                boolean emptied = parent != null
                        && parent.equals(from)
                        && EMPTIED.contains(dir.getFileName().toString());
                return emptied ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                if (file.getParent().equals(from)
                        && SKIPPED.contains(file.getFileName().toString())) return FileVisitResult.CONTINUE;
                try {
                    Files.copy(file, to.resolve(from.relativize(file).toString()), StandardCopyOption.COPY_ATTRIBUTES);
                } catch (NoSuchFileException gone) {
                    // removed by the server while we copied (a temp file, a recycled WAL segment): the backup does not
                    // need it
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                if (e instanceof NoSuchFileException) return FileVisitResult.CONTINUE;
                throw e;
            }
        });
    }
}
