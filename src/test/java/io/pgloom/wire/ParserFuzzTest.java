// Randomized fuzzing of everything that parses bytes from a stranger: startup packets, framed messages, error
// fields, SCRAM messages. Inputs are mutations of valid messages (bit flips, cut-offs, forged lengths, random
// tails) from a seeded generator, for a fixed time budget (pgloom.fuzz.seconds: 2 in make test, longer in make fuzz).
// Property: only the parsers' own checked failures come out; nothing allocates past the caps.
package io.pgloom.wire;

import static org.junit.jupiter.api.Assertions.fail;

import io.pgloom.auth.AuthFailure;
import io.pgloom.auth.ScramServer;
import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ParserFuzzTest {
    private static final long SEED = Long.getLong("pgloom.fuzz.seed", 20261124L);
    private static final long BUDGET_NANOS = TimeUnit.SECONDS.toNanos(Long.getLong("pgloom.fuzz.seconds", 2));

    private static final List<byte[]> SEEDS = List.of(
            StartupPacket.encodeStartup(Map.of("user", "app", "database", "app", "options", "-c x=1")),
            StartupPacket.encodeCancel(1234, new byte[] {1, 2, 3, 4}),
            new byte[] {0, 0, 0, 8, 0x04, (byte) 0xd2, 0x16, 0x2f},
            Messages.query("SELECT 1"),
            Messages.SYNC,
            ErrorResponses.fatal(SqlState.PROTOCOL_VIOLATION, "bad"),
            Messages.parameterStatus("TimeZone", "UTC"),
            Messages.saslInitialResponse("SCRAM-SHA-256", "n,,n=,r=abcdef".getBytes()));

    private static byte[] mutate(Random r, byte[] seed) {
        byte[] b = seed.clone();
        switch (r.nextInt(5)) {
            case 0 -> { // flip bits
                for (int i = 0; i < 1 + r.nextInt(4); i++) b[r.nextInt(b.length)] ^= (byte) (1 << r.nextInt(8));
            }
            case 1 -> b = java.util.Arrays.copyOf(b, r.nextInt(b.length + 1)); // cut off
            case 2 -> { // forge a length field
                int at = r.nextInt(Math.max(1, b.length - 4));
                int v = r.nextBoolean() ? r.nextInt() : r.nextInt(64);
                if (at + 4 <= b.length) FrameWriter.putInt(b, at, v);
            }
            case 3 -> { // random tail
                byte[] tail = new byte[r.nextInt(64)];
                r.nextBytes(tail);
                byte[] c = java.util.Arrays.copyOf(b, b.length + tail.length);
                System.arraycopy(tail, 0, c, b.length, tail.length);
                b = c;
            }
            default -> r.nextBytes(b); // noise of the same size
        }
        return b;
    }

    @Test
    void parsersFailOnlyTheirOwnWay() {
        Random r = new Random(SEED);
        long end = System.nanoTime() + BUDGET_NANOS;
        long runs = 0;
        while (System.nanoTime() < end || runs < 10_000) {
            byte[] input = mutate(r, SEEDS.get(r.nextInt(SEEDS.size())));
            runs++;
            try {
                StartupPacket.read(new ByteArrayInputStream(input), -1);
            } catch (ProtocolException | EOFException expected) {
                // refused cleanly
            } catch (Throwable t) {
                fail("StartupPacket.read on " + java.util.HexFormat.of().formatHex(input) + ": " + t, t);
            }
            try {
                FrameReader fr = new FrameReader(new ByteArrayInputStream(input), 16, 4096);
                int t;
                while ((t = fr.next()) >= 0) {
                    if (t == MessageType.ERROR_RESPONSE) ErrorResponses.parse(fr.buffer(), fr.bodyStart(), fr.bodyLength());
                    BodyCursor c = fr.body();
                    while (c.remaining() > 0) c.cstring();
                }
            } catch (ProtocolException | EOFException expected) {
                // refused cleanly
            } catch (Throwable t) {
                fail("FrameReader on " + java.util.HexFormat.of().formatHex(input) + ": " + t, t);
            }
            try {
                ScramServer s = ScramServer.forPassword("fuzz", "pw");
                s.handleClientFirst("SCRAM-SHA-256", java.util.Arrays.copyOfRange(input, Math.min(5, input.length), input.length));
                s.handleClientFinal(input);
            } catch (AuthFailure expected) {
                // refused cleanly
            } catch (Throwable t) {
                fail("ScramServer on " + java.util.HexFormat.of().formatHex(input) + ": " + t, t);
            }
        }
        System.out.printf("fuzz: %d inputs, seed %d%n", runs, SEED);
    }
}
