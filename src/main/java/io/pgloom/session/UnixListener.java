// The Unix-domain socket listener (unix_socket_dir): the socket file .s.PGSQL.<port> that libpq looks for, with its
// mode and group, a stale file of a crashed run replaced, the file removed again on close. Its own platform thread
// accepts; clients count against max_client_conn and run as any ClientSession (no TLS, peer credentials).
package io.pgloom.session;

import io.pgloom.config.ProxySettings;
import io.prometheus.client.Gauge;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;
import org.tinylog.Logger;

final class UnixListener {
    /** The name libpq and psql connect to for a port, in the folder given as host. */
    static final String FILE_PREFIX = ".s.PGSQL.";

    private final Listener listener;
    private final Path file;
    private final ServerSocketChannel channel;
    /** The socket file's identity when bound: close() removes the file only while it is still this one. */
    private final Object fileKey;

    private final Thread acceptor;

    UnixListener(Listener listener, ProxySettings p, int port) throws IOException {
        this.listener = listener;
        Path dir = Path.of(p.unixSocketDir());
        this.file = dir.resolve(FILE_PREFIX + port);
        if (!Files.isDirectory(dir)) throw new IOException("proxy.unix_socket_dir " + dir + " is not a directory");
        Set<PosixFilePermission> mode = permissions(p.unixSocketMode());
        replaceStale(file, p.soReuseport());
        ServerSocketChannel ch = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            ch.bind(UnixDomainSocketAddress.of(file), 1024);
            Files.setPosixFilePermissions(file, mode);
            if (!p.unixSocketGroup().isEmpty()) {
                var group = FileSystems.getDefault()
                        .getUserPrincipalLookupService()
                        .lookupPrincipalByGroupName(p.unixSocketGroup());
                Files.getFileAttributeView(file, PosixFileAttributeView.class).setGroup(group);
            }
            this.fileKey = fileKey(file);
        } catch (IOException | RuntimeException e) {
            Listener.closeQuietly(ch);
            Files.deleteIfExists(file);
            throw new IOException("proxy.unix_socket_dir: cannot listen on " + file + ": " + e, e);
        }
        this.channel = ch;
        this.acceptor =
                Thread.ofPlatform().name("pgloom-accept-unix").daemon(false).unstarted(this::acceptLoop);
        listener.runtime()
                .metrics
                .unixSocketUp
                .setChild(
                        new Gauge.Child() {
                            @Override
                            public double get() {
                                return reachable() ? 1 : 0;
                            }
                        },
                        file.toString());
    }

    /** Whether a client can find a socket at the path: this one, or (rolling restart) its successor's. */
    private boolean reachable() {
        try {
            return channel.isOpen()
                    && Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS)
                            .isOther();
        } catch (IOException gone) {
            return false;
        }
    }

    Path file() {
        return file;
    }

    void start() {
        acceptor.start();
        Logger.info(
                "event=listening unix_socket={} mode={}",
                file,
                listener.runtime().config().proxy().unixSocketMode());
    }

    /**
     * A socket file left by a run that did not end cleanly is removed. One that still answers belongs to a live
     * server (PostgreSQL or another pgloom on this port): refused, unless so_reuseport says a second pgloom takes
     * over the port (rolling restart): new clients then reach the new process, the old one serves its own to the end.
     */
    private static void replaceStale(Path file, boolean takeOver) throws IOException {
        if (!Files.exists(file, LinkOption.NOFOLLOW_LINKS)) return;
        boolean live;
        try (SocketChannel probe = SocketChannel.open(UnixDomainSocketAddress.of(file))) {
            live = probe.isConnected();
        } catch (IOException refused) {
            live = false;
        }
        if (live && !takeOver) {
            throw new IOException("proxy.unix_socket_dir: " + file + " is in use by a running server (PostgreSQL or "
                    + "another pgloom on this port); set so_reuseport = true to take it over in a rolling restart");
        }
        Files.delete(file);
        Logger.warn("event=unix_socket_replaced path={} reason={}", file, live ? "so_reuseport_takeover" : "stale");
    }

    private static Object fileKey(Path file) throws IOException {
        return Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS)
                .fileKey();
    }

    /** "0777", "770" ... as permission bits (the loader checked the digits). */
    static Set<PosixFilePermission> permissions(String octal) {
        int bits = Integer.parseInt(octal, 8);
        PosixFilePermission[] order = {
            PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_READ,
            PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_READ,
            PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_READ
        };
        Set<PosixFilePermission> out = EnumSet.noneOf(PosixFilePermission.class);
        for (int i = 0; i < order.length; i++) if ((bits & (1 << i)) != 0) out.add(order[i]);
        return out;
    }

    private void acceptLoop() {
        AcceptBackoff backoff = new AcceptBackoff();
        while (!listener.closing()) {
            SocketChannel c;
            try {
                c = channel.accept();
            } catch (IOException e) {
                if (listener.closing()) return;
                listener.acceptFailed(backoff, e);
                continue;
            }
            long failures = backoff.succeeded();
            if (failures > 0) {
                Logger.warn("event=accept_recovered failed_accepts={} not_logged={}", failures, backoff.notLogged());
            }
            Listener.Admission a = listener.admit(null);
            if (a.refusal() != null) {
                listener.reject(
                        c,
                        Channels.newInputStream(c),
                        Channels.newOutputStream(c),
                        true,
                        ClientSession.UNIX_ADDRESS,
                        a.sqlState(),
                        a.refusal(),
                        a.reason());
                continue;
            }
            try {
                Listener.startSession(new ClientSession(listener.sessions(), c, a.release()));
            } catch (RuntimeException e) {
                a.release().run();
                Listener.closeQuietly(c);
                Logger.warn("event=client_setup_failed error={}", e.getMessage());
            }
        }
    }

    /** Stops accepting and removes the socket file, unless another process has put its own there since. */
    void close() {
        Listener.closeQuietly(channel);
        listener.runtime().metrics.unixSocketUp.remove(file.toString());
        try {
            if (Files.exists(file, LinkOption.NOFOLLOW_LINKS) && Objects.equals(fileKey(file), fileKey)) {
                Files.delete(file);
            }
        } catch (IOException e) {
            Logger.warn("event=unix_socket_not_removed path={} error={}", file, e.getMessage());
        }
    }
}
