// Encodes small text result sets for the admin console: RowDescription, DataRows, CommandComplete, so psql prints
// real tables. Integers and decimals are typed (int8, float8) so scripts can compare them. Text reaches a terminal:
// its control characters and backslashes are escaped (SafeText.terminal), whoever supplied it.
package io.pgloom.admin;

import io.pgloom.util.SafeText;
import io.pgloom.wire.FrameWriter;
import io.pgloom.wire.MessageType;
import java.nio.charset.StandardCharsets;
import java.util.List;

final class ResultSetWriter {
    private static final int TEXT = 25, INT8 = 20, FLOAT8 = 701, BOOL = 16;

    private final FrameWriter out;
    private final String[] columns;
    private int rows;

    ResultSetWriter(FrameWriter out, String... columns) {
        this.out = out;
        this.columns = columns;
    }

    /** Writes the RowDescription; column types come from the first row's Java types. */
    void header(List<Object> sample) {
        out.begin(MessageType.ROW_DESCRIPTION).int16(columns.length);
        for (int i = 0; i < columns.length; i++) {
            Object v = sample == null ? null : sample.get(i);
            int oid = v instanceof Integer || v instanceof Long
                    ? INT8
                    : v instanceof Double ? FLOAT8 : v instanceof Boolean ? BOOL : TEXT;
            out.cstring(columns[i])
                    .int32(0)
                    .int16(0)
                    .int32(oid)
                    .int16(oid == TEXT ? -1 : oid == BOOL ? 1 : 8)
                    .int32(-1)
                    .int16(0);
        }
        out.end();
    }

    void row(List<Object> values) {
        if (rows == 0) header(values);
        out.begin(MessageType.DATA_ROW).int16(values.size());
        for (Object v : values) {
            if (v == null) {
                out.int32(-1);
                continue;
            }
            String text = v instanceof Boolean b
                    ? (b ? "t" : "f")
                    : v instanceof Double d
                            ? String.format(java.util.Locale.ROOT, "%.3f", d)
                            : SafeText.terminal(v.toString());
            byte[] b = text.getBytes(StandardCharsets.UTF_8);
            out.int32(b.length).bytes(b);
        }
        out.end();
        rows++;
    }

    void done(String tag) {
        if (rows == 0) header(null);
        out.begin(MessageType.COMMAND_COMPLETE).cstring(tag).end();
    }
}
