// Reads a SCRAM attribute list ("r=...,s=...,i=4096") in the order RFC 5802's grammar fixes, one attribute at a time.
// Anything off-grammar is an AuthFailure(BAD_MESSAGE) whose text names the message and attribute, never a value.
package io.pgloom.auth;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

final class ScramAttributes {
    private final String what;
    private final String[] parts;
    private int next;

    private ScramAttributes(String what, String text) {
        this.what = what;
        this.parts = text.split(",", -1);
    }

    /** Splits text (already decoded by {@link #utf8}) into attributes; what names the message in errors. */
    static ScramAttributes of(String what, String text) {
        return new ScramAttributes(what, text);
    }

    /** Decodes a message as strict UTF-8 without NUL, as RFC 5802 requires of every SCRAM message. */
    static String utf8(String what, byte[] bytes) throws AuthFailure {
        if (bytes == null || bytes.length == 0) throw bad(what, "is empty");
        for (byte b : bytes) {
            if (b == 0) throw bad(what, "contains a NUL byte");
        }
        try {
            return StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            throw bad(what, "is not valid UTF-8");
        }
    }

    /** The value of the next attribute, which must be name=value with a non-empty value. */
    String required(char name) throws AuthFailure {
        String value = requiredMaybeEmpty(name);
        if (value.isEmpty()) throw bad(what, "has an empty '" + name + "' attribute");
        return value;
    }

    /** As {@link #required}, allowing an empty value (the user name, which libpq leaves empty). */
    String requiredMaybeEmpty(char name) throws AuthFailure {
        if (next >= parts.length || !parts[next].startsWith(name + "=")) {
            throw bad(what, "lacks the '" + name + "' attribute where it belongs");
        }
        return parts[next++].substring(2);
    }

    /** The value of the next attribute if it is called name, else null (nothing consumed). */
    String optional(char name) throws AuthFailure {
        if (next < parts.length && parts[next].startsWith(name + "=")) return required(name);
        return null;
    }

    /** The rest must be extensions (ALPHA "=" 1*value-char), which are ignored, as RFC 5802 asks. */
    void extensionsThenEnd() throws AuthFailure {
        for (; next < parts.length; next++) {
            String p = parts[next];
            char c = p.isEmpty() ? 0 : p.charAt(0);
            boolean alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
            if (!alpha || p.length() < 3 || p.charAt(1) != '=') throw bad(what, "has a malformed attribute");
        }
    }

    static AuthFailure bad(String what, String problem) {
        return new AuthFailure(AuthFailure.Reason.BAD_MESSAGE, "SCRAM " + what + " " + problem);
    }
}
