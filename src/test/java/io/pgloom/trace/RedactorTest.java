// What a trace shows of messages built from literal bytes, at each level, with and without trace_values: the
// text fields and the masked pcap copy (structure kept, secrets and values gone).
package io.pgloom.trace;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgloom.wire.FrameWriter;
import io.pgloom.wire.MessageType;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class RedactorTest {
    private static TracePolicy policy(TraceLevel level, boolean values) {
        return new TracePolicy(level, values, new Trace[0], "T-1");
    }

    private static Redactor.Rendered render(byte[] frame, boolean fromClient, TracePolicy p) {
        int len = FrameWriter.getInt(frame, 1);
        return Redactor.render(
                new TraceEvent(TraceEvent.Kind.MESSAGE, null, p, 0, fromClient, false, len, frame, null), true);
    }

    private static String ascii(byte[] b) {
        return new String(b, StandardCharsets.ISO_8859_1);
    }

    private static byte[] bind() {
        return new FrameWriter(64)
                .begin(MessageType.BIND)
                .cstring("portal1")
                .cstring("S_1")
                .int16(1)
                .int16(0)
                .int16(2)
                .int32(6)
                .bytes("s3cr3t".getBytes(StandardCharsets.UTF_8))
                .int32(-1)
                .int16(1)
                .int16(1)
                .end()
                .toByteArray();
    }

    @Test
    void bindShowsStructureAndRedactsValues() {
        byte[] bind = bind();
        Redactor.Rendered r = render(bind, true, policy(TraceLevel.FULL, false));
        assertEquals(
                " portal=\"portal1\" statement=\"S_1\" formats=0 params=2 $1=<6 bytes> $2=NULL result_formats=1",
                r.fields());
        assertFalse(r.cutShort());
        assertEquals(bind.length, r.pcap().length, "the pcap copy keeps the message's shape");
        assertFalse(ascii(r.pcap()).contains("s3cr3t"));
        assertTrue(ascii(r.pcap()).contains("portal1\0S_1\0"), "names stay readable");
        assertEquals(6, FrameWriter.getInt(r.pcap(), 5 + 8 + 4 + 2 + 2 + 2), "the value's length stays, its bytes go");
    }

    @Test
    void valuesOnlyAtLevelFullWithTraceValues() {
        assertTrue(render(bind(), true, policy(TraceLevel.FULL, true)).fields().contains("$1=\"s3cr3t\""));
        assertTrue(ascii(render(bind(), true, policy(TraceLevel.FULL, true)).pcap())
                .contains("s3cr3t"));
        assertTrue(
                render(bind(), true, policy(TraceLevel.SUMMARY, true)).fields().contains("$1=<6 bytes>"),
                "trace_values does not lift a summary trace to values");
    }

    @Test
    void passwordsAreNeverShownWhateverTheSettings() {
        byte[] pw = new FrameWriter(64)
                .begin(MessageType.PASSWORD)
                .cstring("md5abcdefabcdefabcdefabcdefabcdefab")
                .end()
                .toByteArray();
        Redactor.Rendered r = render(pw, true, policy(TraceLevel.FULL, true));
        assertEquals(" password=<redacted>", r.fields());
        byte[] zeros = new byte[pw.length - 5];
        assertArrayEquals(zeros, Arrays.copyOfRange(r.pcap(), 5, pw.length), "the pcap gets zeros for a secret");
        byte[] sasl = new FrameWriter(64)
                .begin(MessageType.AUTHENTICATION)
                .int32(MessageType.AUTH_SASL_CONTINUE)
                .bytes("r=nonce,s=salt,i=4096".getBytes(StandardCharsets.US_ASCII))
                .end()
                .toByteArray();
        Redactor.Rendered s = render(sasl, false, policy(TraceLevel.FULL, true));
        assertEquals(" auth=sasl_continue data=<redacted>", s.fields());
        assertFalse(ascii(s.pcap()).contains("i=4096"));
    }

    @Test
    void queryTextOnlyAtLevelFull() {
        byte[] q = new FrameWriter(64)
                .begin(MessageType.QUERY)
                .cstring("SELECT 'x'\n")
                .end()
                .toByteArray();
        assertEquals(
                " query=\"SELECT 'x'\\n\"",
                render(q, true, policy(TraceLevel.FULL, false)).fields());
        Redactor.Rendered summary = render(q, true, policy(TraceLevel.SUMMARY, false));
        assertEquals("", summary.fields());
        assertEquals("Q\0\0\0\u0010***********\0", ascii(summary.pcap()), "masked text keeps its terminator");
    }

    @Test
    void errorsShowTheirCodeAtSummaryTheirTextAtFullTheirDetailOnlyWithValues() {
        byte[] e = new FrameWriter(128)
                .begin(MessageType.ERROR_RESPONSE)
                .int8(MessageType.FIELD_SEVERITY)
                .cstring("ERROR")
                .int8(MessageType.FIELD_SQLSTATE)
                .cstring("23505")
                .int8(MessageType.FIELD_MESSAGE)
                .cstring("duplicate key")
                .int8(MessageType.FIELD_DETAIL)
                .cstring("Key (email)=(a@b.c) already exists.")
                .int8(0)
                .end()
                .toByteArray();
        assertEquals(
                " severity=\"ERROR\" sqlstate=\"23505\"",
                render(e, false, policy(TraceLevel.SUMMARY, false)).fields());
        String full = render(e, false, policy(TraceLevel.FULL, false)).fields();
        assertTrue(full.contains("message=\"duplicate key\"") && !full.contains("a@b.c"), full);
        assertTrue(render(e, false, policy(TraceLevel.FULL, true))
                .fields()
                .contains("detail=\"Key (email)=(a@b.c) already exists.\""));
    }

    @Test
    void aMessageCutShortIsSaidSoAndItsPcapLengthFitsWhatIsThere() {
        byte[] row = new FrameWriter(64)
                .begin(MessageType.DATA_ROW)
                .int16(1)
                .int32(40)
                .bytes(new byte[40])
                .end()
                .toByteArray();
        byte[] cut = Arrays.copyOf(row, 20);
        Redactor.Rendered r = Redactor.render(
                new TraceEvent(
                        TraceEvent.Kind.MESSAGE,
                        null,
                        policy(TraceLevel.SUMMARY, false),
                        0,
                        false,
                        false,
                        FrameWriter.getInt(row, 1),
                        cut,
                        null),
                true);
        assertTrue(r.cutShort());
        assertEquals(" columns=1", r.fields());
        assertEquals(20, r.pcap().length);
        assertEquals(19, FrameWriter.getInt(r.pcap(), 1), "the pcap length field says what is there");
    }

    @Test
    void headersLevelShowsNoFieldAndMasksTheWholeBody() {
        byte[] header = Arrays.copyOf(bind(), 5);
        Redactor.Rendered r = Redactor.render(
                new TraceEvent(
                        TraceEvent.Kind.MESSAGE,
                        null,
                        policy(TraceLevel.HEADERS, true),
                        0,
                        true,
                        false,
                        FrameWriter.getInt(bind(), 1),
                        header,
                        null),
                true);
        assertEquals("", r.fields());
        assertEquals(bind().length, r.pcap().length, "the pcap still has the real length");
        for (int i = 5; i < r.pcap().length; i++) assertEquals('*', r.pcap()[i]);
    }

    @Test
    void startupPacketsShowWhoConnectsAndHideOtherSettingsBelowFull() {
        byte[] body = new FrameWriter(64)
                .int32(MessageType.PROTOCOL_3_0)
                .cstring("user")
                .cstring("app")
                .cstring("options")
                .cstring("-c work_mem=1GB")
                .int8(0)
                .toByteArray();
        byte[] packet = new byte[body.length + 4];
        FrameWriter.putInt(packet, 0, packet.length);
        System.arraycopy(body, 0, packet, 4, body.length);
        Redactor.Rendered r = Redactor.render(
                new TraceEvent(
                        TraceEvent.Kind.PACKET,
                        null,
                        policy(TraceLevel.SUMMARY, false),
                        0,
                        true,
                        false,
                        packet.length,
                        packet,
                        null),
                true);
        assertEquals(" protocol=3.0 user=\"app\"", r.fields());
        assertTrue(ascii(r.pcap()).contains("user\0app\0options\0"));
        assertFalse(ascii(r.pcap()).contains("work_mem"));
    }

    @Test
    void aClientsTextNeverBecomesAKeyOrALine() {
        byte[] body = new FrameWriter(128)
                .int32(MessageType.PROTOCOL_3_0)
                .cstring("user")
                .cstring("a\"\nFAKE user=root")
                .cstring("x\nFAKE event=auth_ok k")
                .cstring("v\u001b[2J")
                .cstring("_pq_.ok")
                .cstring("1")
                .int8(0)
                .toByteArray();
        byte[] packet = new byte[body.length + 4];
        FrameWriter.putInt(packet, 0, packet.length);
        System.arraycopy(body, 0, packet, 4, body.length);
        Redactor.Rendered r = Redactor.render(
                new TraceEvent(
                        TraceEvent.Kind.PACKET,
                        null,
                        policy(TraceLevel.FULL, false),
                        0,
                        true,
                        false,
                        packet.length,
                        packet,
                        null),
                false);
        assertEquals(
                " protocol=3.0 user=\"a\\\"\\nFAKE user=root\" param=\"x\\nFAKE event=auth_ok k\""
                        + " value=\"v\\u001b[2J\" _pq_.ok=\"1\"",
                r.fields(),
                "a name that is not a plain word is a value");
        byte[] q = new FrameWriter(64)
                .begin(MessageType.QUERY)
                .cstring("SELECT 1\u0085\u009b\u2028")
                .end()
                .toByteArray();
        assertEquals(
                " query=\"SELECT 1\\u0085\\u009b\\u2028\"",
                render(q, true, policy(TraceLevel.FULL, false)).fields(),
                "C1 controls and line separators are escaped too");
    }
}
