// An append-only output file rotated by size: file -> file.1 -> … -> file.N (the oldest dropped). New files get
// the given header (a pcap global header, a comment line) and are readable by their owner only.
package io.pgloom.trace;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;

final class RotatingFile implements AutoCloseable {
    final Path path;
    private final long maxBytes;
    private final int keep;
    private final byte[] header;
    private OutputStream out;
    private long size;

    RotatingFile(Path path, long maxBytes, int keep, byte[] header) throws IOException {
        this.path = path;
        this.maxBytes = maxBytes;
        this.keep = keep;
        this.header = header;
        open();
    }

    private void open() throws IOException {
        Path dir = path.toAbsolutePath().getParent();
        if (dir != null) Files.createDirectories(dir);
        try {
            // Traces hold query text: owner-only from the start where the file system has POSIX permissions.
            Files.createFile(path, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        } catch (FileAlreadyExistsException exists) {
            // appended to
        } catch (UnsupportedOperationException noPosix) {
            if (!Files.exists(path)) Files.createFile(path);
        }
        size = Files.size(path);
        out = new BufferedOutputStream(Files.newOutputStream(path, StandardOpenOption.APPEND), 64 * 1024);
        if (size == 0) {
            write0(header);
            out.flush(); // a reader opening the new file at once sees what it is, not an empty file
        }
    }

    void write(byte[] b) throws IOException {
        if (size + b.length > maxBytes && size > header.length) rotate();
        write0(b);
    }

    private void write0(byte[] b) throws IOException {
        out.write(b);
        size += b.length;
    }

    private void rotate() throws IOException {
        out.close();
        if (keep == 0) {
            Files.delete(path);
        } else {
            for (int i = keep - 1; i >= 1; i--) {
                Path from = Path.of(path + "." + i);
                if (Files.exists(from))
                    Files.move(from, Path.of(path + "." + (i + 1)), StandardCopyOption.REPLACE_EXISTING);
            }
            Files.move(path, Path.of(path + ".1"), StandardCopyOption.REPLACE_EXISTING);
        }
        open();
    }

    void flush() throws IOException {
        out.flush();
    }

    @Override
    public void close() throws IOException {
        out.close();
    }
}
