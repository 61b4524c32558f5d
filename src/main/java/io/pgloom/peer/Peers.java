// Routes a CancelRequest by the peer id its key carries: a key of this instance is served here, another peer's is
// forwarded to that peer once over the ordinary cancel protocol, a key naming no configured peer or one already
// forwarded is counted and dropped. Keeps each peer's last forward for SHOW PEERS and the forwarding metrics.
package io.pgloom.peer;

import io.pgloom.config.PeerSettings;
import io.pgloom.pool.ServerLogin;
import io.pgloom.util.Clock;
import io.prometheus.client.CollectorRegistry;
import io.prometheus.client.Counter;
import io.prometheus.client.Histogram;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.SortedMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.tinylog.Logger;

public final class Peers {
    /** What became of a CancelRequest here; LOCAL means "this instance's key: look it up". */
    public enum Route {
        LOCAL,
        FORWARDED,
        FAILED,
        UNKNOWN_PEER,
        FORWARD_LOOP
    }

    /** One row of SHOW PEERS. */
    public record Row(
            int peerId,
            String host,
            int port,
            boolean self,
            long forwardedOk,
            long forwardedFailed,
            String lastResult,
            long lastAtMillis,
            String lastError) {}

    private record Last(String result, long atMillis, String error) {}

    private static final class State {
        final AtomicLong ok = new AtomicLong();
        final AtomicLong failed = new AtomicLong();
        volatile Last last = new Last("never", 0, "");
    }

    private final CancelKeys keys;
    private final Supplier<Duration> timeout;
    private final Counter cancelRequests;
    private final Clock clock;
    private final Counter forwards;
    private final Histogram forwardSeconds;
    private final ConcurrentHashMap<Integer, State> states = new ConcurrentHashMap<>();
    private volatile SortedMap<Integer, PeerSettings.Peer> peers;

    /**
     * @param timeout how long one forward may take (connect, send, the peer's close)
     * @param cancelRequests pgloom_cancel_requests_total, by result
     */
    public Peers(
            PeerSettings settings,
            Supplier<Duration> timeout,
            Counter cancelRequests,
            CollectorRegistry registry,
            Clock clock) {
        this.keys = new CancelKeys(settings.peerId());
        this.peers = settings.peers();
        this.timeout = timeout;
        this.cancelRequests = cancelRequests;
        this.clock = clock;
        this.forwards = Counter.build(
                        "pgloom_peer_forwards_total",
                        "Cancel requests forwarded to the peer that issued their key, by peer id and result (ok, "
                                + "failed: the peer could not be reached in server_connect_timeout).")
                .labelNames("peer", "result")
                .register(registry);
        this.forwardSeconds = Histogram.build(
                        "pgloom_peer_forward_seconds",
                        "Time to forward a cancel request to its peer: connect, send, and the peer's close after it "
                                + "has passed the cancel to PostgreSQL.")
                .buckets(0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5)
                .register(registry);
        for (String r : List.of("unknown_peer", "forward_loop", "peer_forwarded", "peer_failed"))
            cancelRequests.labels(r);
        configure(settings);
    }

    public CancelKeys keys() {
        return keys;
    }

    /** RELOAD: the peer list may change; this instance's peer id is fixed until a restart. */
    public void configure(PeerSettings settings) {
        Integer running = keys.peering() ? keys.peerId() : null;
        if (!Objects.equals(settings.peerId(), running)) {
            // The keys already handed out carry the running id: it changes only with a new process.
            Logger.warn(
                    "event=peer_id_unchanged running={} configured={} reason=\"peer_id takes effect at restart\"",
                    running == null ? "off" : running,
                    settings.peerId() == null ? "off" : settings.peerId());
        }
        peers = settings.peers();
        for (PeerSettings.Peer p : peers.values()) {
            if (p.id() == keys.peerId()) continue;
            states.computeIfAbsent(p.id(), id -> new State());
            forwards.labels(String.valueOf(p.id()), "ok");
            forwards.labels(String.valueOf(p.id()), "failed");
        }
    }

    /** This instance's own [peers] entry, or null: where other peers send cancels for this instance's keys. */
    public PeerSettings.Peer self() {
        return keys.peering() ? peers.get(keys.peerId()) : null;
    }

    /**
     * Serves a CancelRequest whose key is another peer's (forwarded once, or counted and dropped); LOCAL when it is
     * this instance's key (or peering is off) and the caller looks it up.
     */
    public Route route(int pid, byte[] secret, String remote) {
        if (!keys.peering() || secret.length < 4) return Route.LOCAL; // 3.2's long keys start alike
        int owner = CancelKeys.peerOf(pid);
        if (owner == keys.peerId()) return Route.LOCAL;
        PeerSettings.Peer peer = peers.get(owner);
        if (peer == null) {
            cancelRequests.labels("unknown_peer").inc();
            Logger.info("event=cancel_dropped remote={} reason=unknown_peer peer={}", remote, owner);
            return Route.UNKNOWN_PEER;
        }
        if (CancelKeys.ttl(secret) == 0) {
            // Already forwarded once and it still did not reach its issuer: two peers disagree on who is who.
            cancelRequests.labels("forward_loop").inc();
            Logger.warn(
                    "event=cancel_dropped remote={} reason=forward_loop peer={} address={}:{}",
                    remote,
                    owner,
                    peer.host(),
                    peer.port());
            return Route.FORWARD_LOOP;
        }
        return forward(peer, pid, CancelKeys.forwarded(secret), remote);
    }

    private Route forward(PeerSettings.Peer peer, int pid, byte[] secret, String remote) {
        State st = states.computeIfAbsent(peer.id(), id -> new State());
        String label = String.valueOf(peer.id());
        long start = clock.nanoTime();
        try {
            ServerLogin.sendCancel(peer.host(), peer.port(), pid, secret, timeout.get());
            double s = (clock.nanoTime() - start) / 1e9;
            forwardSeconds.observe(s);
            forwards.labels(label, "ok").inc();
            cancelRequests.labels("peer_forwarded").inc();
            st.ok.incrementAndGet();
            st.last = new Last("ok", clock.currentTimeMillis(), "");
            Logger.info("event=cancel_forwarded_to_peer remote={} peer={} seconds={}", remote, peer.id(), s);
            return Route.FORWARDED;
        } catch (IOException | RuntimeException e) {
            forwardSeconds.observe((clock.nanoTime() - start) / 1e9);
            forwards.labels(label, "failed").inc();
            cancelRequests.labels("peer_failed").inc();
            st.failed.incrementAndGet();
            String why = String.valueOf(e.getMessage());
            st.last = new Last("failed", clock.currentTimeMillis(), why);
            Logger.warn(
                    "event=cancel_forward_failed remote={} peer={} address={}:{} error={}",
                    remote,
                    peer.id(),
                    peer.host(),
                    peer.port(),
                    why);
            return Route.FAILED;
        }
    }

    /** SHOW PEERS: every configured peer, this instance included, with its last forward. */
    public List<Row> rows() {
        List<Row> out = new ArrayList<>();
        for (PeerSettings.Peer p : peers.values()) {
            boolean self = p.id() == keys.peerId();
            State st = self ? null : states.get(p.id());
            Last last = st == null ? new Last(self ? "self" : "never", 0, "") : st.last;
            out.add(new Row(
                    p.id(),
                    p.host(),
                    p.port(),
                    self,
                    st == null ? 0 : st.ok.get(),
                    st == null ? 0 : st.failed.get(),
                    last.result(),
                    last.atMillis(),
                    last.error()));
        }
        return out;
    }
}
