// The one place that decides what a trace may show. For each message it renders the visible fields as
// key=value text and, for the pcap, a copy of the message with everything not visible overwritten by '*'
// (secrets by zeros; default deny: bytes no field claims stay masked). Passwords, SASL messages and cancel keys are
// never
// shown, whatever the level or trace_values; values only at level full with trace_values = true in the file.
package io.pgloom.trace;

import io.pgloom.trace.MessageFields.Kind;
import io.pgloom.util.SafeText;
import io.pgloom.wire.FrameWriter;
import io.pgloom.wire.MessageType;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.regex.Pattern;

final class Redactor {
    private Redactor() {}

    /** Longest text or value printed in a line; the rest is counted, not printed. */
    static final int MAX_PRINTED = 2048;

    private static final byte MASK = '*';
    /** A field name printed as a key: pgloom's own names, and startup parameter names that look like them. */
    private static final Pattern SAFE_KEY = Pattern.compile("[A-Za-z0-9_.$]{1,64}");

    private static final int MAX_KEY = 64;

    /** The policy, in one method. */
    static boolean visible(Kind kind, TracePolicy p) {
        return switch (kind) {
            case NAME -> p.level() != TraceLevel.HEADERS;
            case TEXT -> p.level() == TraceLevel.FULL;
            case VALUE -> p.level() == TraceLevel.FULL && p.values();
            case SECRET -> false;
        };
    }

    /** What one event shows: the fields for the text line, and the masked bytes for the pcap (null if not asked). */
    record Rendered(String fields, byte[] pcap, boolean cutShort) {}

    /**
     * @param pcap whether to build the masked copy
     */
    static Rendered render(TraceEvent e, boolean pcap) {
        TracePolicy p = e.policy();
        byte[] b = e.bytes();
        return switch (e.kind()) {
            case ANSWER ->
                new Rendered(
                        p.level() == TraceLevel.HEADERS ? "" : " answer=" + MessageType.printable(b[0]),
                        pcap ? b.clone() : null,
                        false);
            case PACKET -> walk(e, p, b, 4, pcap, (fc, v) -> MessageFields.packet(b, b.length, v));
            case MESSAGE ->
                walk(
                        e,
                        p,
                        b,
                        MessageType.HEADER_LENGTH,
                        pcap,
                        (fc, v) -> MessageFields.typed(fc, b[0], b, MessageType.HEADER_LENGTH, b.length, v));
            default -> throw new IllegalArgumentException(e.kind().name());
        };
    }

    private interface Walker {
        boolean walk(boolean fromClient, MessageFields.Visitor v);
    }

    private static Rendered walk(TraceEvent e, TracePolicy p, byte[] b, int header, boolean pcap, Walker walker) {
        int wire = e.kind() == TraceEvent.Kind.MESSAGE ? e.length() + 1 : e.length();
        boolean cut = b.length < wire;
        byte[] masked = null;
        if (pcap) {
            // Headers only were copied when the level does not decode bodies: the pcap gets a masked body of the
            // real length (up to the copy limit).
            int size = p.bodies() ? b.length : (int) Math.min(wire, WireTap.MAX_COPY);
            masked = new byte[size];
            Arrays.fill(masked, MASK);
            System.arraycopy(b, 0, masked, 0, Math.min(header, b.length));
            // A message cut short gets the length of what is there, so the stream stays parseable.
            if (size < wire)
                FrameWriter.putInt(
                        masked,
                        e.kind() == TraceEvent.Kind.MESSAGE ? 1 : 0,
                        e.kind() == TraceEvent.Kind.MESSAGE ? size - 1 : size);
        }
        if (!p.bodies() || b.length < header) return new Rendered("", masked, cut && p.bodies());
        Fields f = new Fields(b, p, masked);
        boolean complete = walker.walk(e.fromClient(), f);
        return new Rendered(f.out.toString(), masked, cut || !complete);
    }

    /** The visitor: appends what is visible, unmasks it in the pcap copy. */
    private static final class Fields implements MessageFields.Visitor {
        final byte[] b;
        final TracePolicy p;
        final byte[] masked;
        final StringBuilder out = new StringBuilder(64);
        String list;

        Fields(byte[] b, TracePolicy p, byte[] masked) {
            this.b = b;
            this.p = p;
            this.masked = masked;
        }

        private void reveal(int off, int len) {
            if (masked != null && len > 0) System.arraycopy(b, off, masked, off, Math.min(len, masked.length - off));
        }

        /** "formats[]" fields print as one list: formats=0,1,1. */
        private void key(String name) {
            if (name.endsWith("[]")) {
                String k = name.substring(0, name.length() - 2);
                if (k.equals(list)) {
                    out.append(',');
                    return;
                }
                list = k;
                out.append(' ').append(k).append('=');
                return;
            }
            list = null;
            if (!SAFE_KEY.matcher(name).matches()) {
                // A startup parameter's name is the client's text: it is shown as a value, never as a key.
                out.append(" param=");
                SafeText.quoted(out, name.length() > MAX_KEY ? name.substring(0, MAX_KEY) + "…" : name);
                out.append(" value=");
                return;
            }
            out.append(' ').append(name).append('=');
        }

        @Override
        public void number(String name, Kind kind, int off, int size, String display) {
            if (!visible(kind, p)) return;
            reveal(off, size);
            if (name == null) return;
            key(name);
            out.append(display);
        }

        @Override
        public void text(String name, Kind kind, int off, int len) {
            if (masked != null && off + len < masked.length) masked[off + len] = 0; // the terminator is structure
            boolean show = visible(kind, p);
            if (show) reveal(off, len);
            if (name == null || !show) return;
            key(name);
            quote(out, b, off, len);
        }

        @Override
        public void bytes(String name, Kind kind, int off, int len) {
            if (name == null) return;
            if (visible(kind, p)) {
                reveal(off, len);
                key(name);
                if (len < 0) out.append("NULL");
                else value(out, b, off, len);
            } else if (kind == Kind.SECRET) {
                // Zeros, not '*': Wireshark then reads an empty password or mechanism instead of a malformed one.
                if (masked != null && len > 0) Arrays.fill(masked, off, Math.min(off + len, masked.length), (byte) 0);
                if (p.bodies()) {
                    key(name);
                    out.append("<redacted>");
                }
            } else if (p.bodies()) {
                // A redacted value still says whether it was NULL and how long it was.
                key(name);
                out.append(len < 0 ? "NULL" : "<" + len + " bytes>");
            }
        }
    }

    /** A string as "…", quotes, backslashes and control characters escaped (SafeText), at most MAX_PRINTED long. */
    static void quote(StringBuilder out, byte[] b, int off, int len) {
        int shown = Math.min(len, MAX_PRINTED);
        SafeText.quoted(out, new String(b, off, shown, StandardCharsets.UTF_8));
        if (len > shown) out.append("…(+").append(len - shown).append(" bytes)");
    }

    /** A value: quoted when it is readable UTF-8 text, else \x hex. */
    static void value(StringBuilder out, byte[] b, int off, int len) {
        int shown = Math.min(len, MAX_PRINTED);
        if (readable(b, off, shown)) {
            quote(out, b, off, len);
            return;
        }
        int hex = Math.min(shown, MAX_PRINTED / 2);
        out.append("\\x");
        for (int i = 0; i < hex; i++) out.append(String.format("%02x", b[off + i] & 0xff));
        if (len > hex) out.append("…(+").append(len - hex).append(" bytes)");
    }

    private static boolean readable(byte[] b, int off, int len) {
        for (int i = 0; i < len; i++) {
            int c = b[off + i] & 0xff;
            if (c < 0x20 && c != '\n' && c != '\r' && c != '\t' || c == 0x7f) return false;
        }
        try {
            StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(b, off, len));
            return true;
        } catch (CharacterCodingException e) {
            // a cut in the middle of a character also lands here: hex then, which is still correct
            return false;
        }
    }
}
