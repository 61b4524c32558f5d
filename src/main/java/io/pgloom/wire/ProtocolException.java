// A peer broke the wire protocol (bad length, unexpected message); the session answers 08P01 and closes.
package io.pgloom.wire;

import java.io.IOException;

public final class ProtocolException extends IOException {
    private static final long serialVersionUID = 1L;

    public ProtocolException(String message) {
        super(message);
    }
}
