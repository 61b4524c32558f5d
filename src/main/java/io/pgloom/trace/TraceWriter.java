// The one thread that writes traces: drains the bounded queue the pumps fill (they never wait; when it is full
// the message is dropped and counted), renders each message through the Redactor into a line of the text
// file and a segment of the pcap file, and checks expiries. A platform thread, because file writes would hold
// a virtual thread's carrier anyway.
package io.pgloom.trace;

import io.pgloom.config.TraceSettings;
import io.pgloom.util.ResourceLock;
import io.pgloom.util.SafeText;
import io.pgloom.wire.FrameWriter;
import io.pgloom.wire.MessageType;
import io.prometheus.client.Counter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.tinylog.Logger;

final class TraceWriter implements Runnable {
    static final String FILE_HEADER =
            "# pgloom trace: time trace client direction message len +ms_since_previous fields"
                    + " (direction: > from the client, < to the client, - about the session or trace)\n";
    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'").withZone(ZoneOffset.UTC);
    private static final long IDLE_CLOSE_NANOS = TimeUnit.SECONDS.toNanos(2);

    private final TraceRegistry registry;
    private final Counter messagesWritten;
    private final ConcurrentLinkedQueue<TraceEvent> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger queued = new AtomicInteger();
    private volatile int capacity = 10_000;
    private final Thread thread;
    private volatile boolean running = true;
    /** Wall time of the monotonic clock's zero, for line time stamps. */
    private volatile long baseMicros;

    private volatile long baseNanos;

    private final ResourceLock files = new ResourceLock();
    private RotatingFile text;
    private RotatingFile pcap;
    private long droppedSeen;
    private boolean writeFailed;

    TraceWriter(TraceRegistry registry, Counter messagesWritten) {
        this.registry = registry;
        this.messagesWritten = messagesWritten;
        calibrate();
        thread = new Thread(this, "pgloom-trace-writer");
        thread.setDaemon(true);
        thread.start();
    }

    private void calibrate() {
        baseNanos = System.nanoTime();
        baseMicros = System.currentTimeMillis() * 1000;
    }

    /** Never blocks: false when the queue is full (the caller counts the drop). Stream ends and notes always fit. */
    boolean offer(TraceEvent e, boolean always) {
        if (queued.incrementAndGet() > capacity && !always) {
            queued.decrementAndGet();
            return false;
        }
        queue.offer(e);
        return true;
    }

    /** Opens (or switches to) the configured files; called when a trace starts, so a bad path fails TRACE ON. */
    void open(TraceSettings s) throws IOException {
        try (var h = files.obtain()) {
            capacity = s.queueSize();
            calibrate();
            if (text == null || !text.path.equals(s.file())) {
                closeQuietly(text);
                text = null;
                text = new RotatingFile(
                        s.file(), s.maxFileBytes(), s.keepFiles(), FILE_HEADER.getBytes(StandardCharsets.UTF_8));
            }
            if (!Objects.equals(pcap == null ? null : pcap.path, s.pcapFile())) {
                closeQuietly(pcap);
                pcap = null;
                if (s.pcapFile() != null)
                    pcap = new RotatingFile(s.pcapFile(), s.maxFileBytes(), s.keepFiles(), PcapStream.globalHeader());
            }
            writeFailed = false;
        }
    }

    @Override
    public void run() {
        long idleSince = System.nanoTime();
        while (running || !queue.isEmpty()) {
            int n = drain();
            try {
                registry.tick(System.nanoTime());
            } catch (RuntimeException e) {
                Logger.error(e, "event=internal_error where=trace_expiry");
            }
            if (n > 0) {
                idleSince = System.nanoTime();
                continue;
            }
            if (!registry.active() && System.nanoTime() - idleSince > IDLE_CLOSE_NANOS) closeFiles();
            LockSupport.parkNanos(
                    registry.active() ? TimeUnit.MILLISECONDS.toNanos(5) : TimeUnit.MILLISECONDS.toNanos(100));
        }
        closeFiles();
    }

    /** Stops after writing what is queued. */
    void stop() {
        running = false;
        LockSupport.unpark(thread);
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private int drain() {
        int n = 0;
        try (var h = files.obtain()) {
            TraceEvent e;
            while (n < 50_000 && (e = queue.poll()) != null) {
                queued.decrementAndGet();
                n++;
                try {
                    if (text == null) open(registry.settings());
                    write(e);
                } catch (IOException | RuntimeException ex) {
                    if (!writeFailed)
                        Logger.warn(
                                "event=trace_write_failed file={} error={}",
                                text == null ? "" : text.path,
                                ex.toString());
                    writeFailed = true;
                }
            }
            long dropped = registry.droppedTotal();
            if (dropped > droppedSeen && text != null) {
                line(time(System.nanoTime()) + " - - - dropped messages=" + (dropped - droppedSeen)
                        + " (the trace queue was full: the trace has a gap here)");
                droppedSeen = dropped;
            }
            if (n > 0 && text != null) {
                text.flush();
                if (pcap != null) pcap.flush();
            }
        } catch (IOException e) {
            if (!writeFailed) Logger.warn("event=trace_write_failed error={}", e.toString());
            writeFailed = true;
        }
        return n;
    }

    private void write(TraceEvent e) throws IOException {
        switch (e.kind()) {
            case META -> line(time(e.nanos()) + " " + e.note());
            case CLOSE -> {
                WireTap tap = e.tap();
                line(prefix(e) + " - closed reason=" + SafeText.logValue(e.note()));
                if (pcap != null && tap.pcap != null) tap.pcap.close(pcap, micros(e.nanos()));
            }
            default -> message(e);
        }
    }

    private void message(TraceEvent e) throws IOException {
        WireTap tap = e.tap();
        TracePolicy p = e.policy();
        if (!tap.announced) {
            tap.announced = true;
            tap.lastNanos = e.nanos();
            line(prefix(e) + " - session user=" + SafeText.logValue(tap.user)
                    + " database=" + SafeText.logValue(tap.database) + " remote=" + address(tap.remote)
                    + " level=" + p.level().word() + (p.values() ? " values=shown" : ""));
        }
        Redactor.Rendered r = Redactor.render(e, pcap != null);
        StringBuilder sb = new StringBuilder(128)
                .append(prefix(e))
                .append(e.fromClient() ? " > " : " < ")
                .append(name(e))
                .append(" len=")
                .append(e.length())
                .append(String.format(java.util.Locale.ROOT, " +%.3fms", (e.nanos() - tap.lastNanos) / 1e6));
        if (e.fromProxy()) sb.append(" from=pgloom");
        if (r.cutShort()) sb.append(" truncated");
        sb.append(r.fields());
        line(sb.toString());
        tap.lastNanos = e.nanos();
        if (pcap != null) pcapSegment(e, r.pcap());
        messagesWritten.inc();
        for (Trace t : p.traces()) t.messages.increment();
    }

    /**
     * Writes a message's segment. An SSLRequest waits for its answer: after 'S' the pcap would show the decrypted
     * protocol where Wireshark expects TLS, so a TLS session's pcap starts at its startup packet.
     */
    private void pcapSegment(TraceEvent e, byte[] payload) throws IOException {
        WireTap tap = e.tap();
        long at = micros(e.nanos());
        if (e.kind() == TraceEvent.Kind.PACKET
                && e.bytes().length >= 8
                && FrameWriter.getInt(e.bytes(), 4) == MessageType.SSL_REQUEST) {
            tap.heldSslRequest = payload;
            return;
        }
        byte[] held = null;
        if (e.kind() == TraceEvent.Kind.ANSWER) {
            held = tap.heldSslRequest;
            tap.heldSslRequest = null;
            if (held != null && e.bytes()[0] == MessageType.TLS_ACCEPT) return;
        }
        if (tap.pcap == null) {
            tap.pcap = new PcapStream(tap.remote, tap.local, tap.client.hashCode());
            tap.pcap.open(pcap, at);
        }
        if (held != null) tap.pcap.data(pcap, at, true, held);
        tap.pcap.data(pcap, at, e.fromClient(), payload);
    }

    private static String name(TraceEvent e) {
        byte[] b = e.bytes();
        return switch (e.kind()) {
            case PACKET -> MessageNames.packet(b.length >= 8 ? FrameWriter.getInt(b, 4) : 0);
            case ANSWER -> "SSLResponse";
            default -> MessageNames.typed(e.fromClient(), b[0]);
        };
    }

    private String prefix(TraceEvent e) {
        String label = e.policy() != null ? e.policy().label() : e.tap().lastLabel;
        e.tap().lastLabel = label;
        return time(e.nanos()) + " " + label + " " + e.tap().client;
    }

    private static String address(java.net.InetSocketAddress a) {
        if (a == null) return "?";
        String host =
                a.getAddress() == null ? a.getHostString() : a.getAddress().getHostAddress();
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + a.getPort();
    }

    private long micros(long nanos) {
        return baseMicros + (nanos - baseNanos) / 1000;
    }

    private String time(long nanos) {
        long m = micros(nanos);
        return TIME.format(Instant.ofEpochSecond(Math.floorDiv(m, 1_000_000), Math.floorMod(m, 1_000_000) * 1000L));
    }

    private void line(String s) throws IOException {
        text.write((s + "\n").getBytes(StandardCharsets.UTF_8));
    }

    private void closeFiles() {
        try (var h = files.obtain()) {
            closeQuietly(text);
            closeQuietly(pcap);
            text = null;
            pcap = null;
        }
    }

    private static void closeQuietly(RotatingFile f) {
        if (f == null) return;
        try {
            f.close();
        } catch (IOException ignored) {
            // nothing more to write to it
        }
    }
}
