// The functions a query may call and still run on a standby: built-in read-only ones by default, plus the names an
// operator adds. Looked up straight from the query's bytes (unquoted names case-insensitively), without allocating.
package io.pgloom.route;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Locale;

public final class FunctionAllowList {
    /** Built-in functions that never write and run on a standby (aggregates, string, math, date, JSON, windows). */
    public static final List<String> DEFAULTS = List.of(
            "count",
            "sum",
            "avg",
            "min",
            "max",
            "coalesce",
            "nullif",
            "greatest",
            "least",
            "now",
            "lower",
            "upper",
            "length",
            "char_length",
            "octet_length",
            "substr",
            "substring",
            "trim",
            "btrim",
            "ltrim",
            "rtrim",
            "concat",
            "concat_ws",
            "replace",
            "split_part",
            "position",
            "strpos",
            "left",
            "right",
            "lpad",
            "rpad",
            "abs",
            "round",
            "floor",
            "ceil",
            "ceiling",
            "trunc",
            "mod",
            "power",
            "sqrt",
            "random",
            "date_trunc",
            "date_part",
            "extract",
            "to_char",
            "to_date",
            "to_timestamp",
            "to_number",
            "age",
            "make_date",
            "make_interval",
            "timezone",
            "statement_timestamp",
            "clock_timestamp",
            "transaction_timestamp",
            "array_agg",
            "string_agg",
            "json_agg",
            "jsonb_agg",
            "json_build_object",
            "jsonb_build_object",
            "json_build_array",
            "jsonb_build_array",
            "row_to_json",
            "to_json",
            "to_jsonb",
            "json_array_elements",
            "jsonb_array_elements",
            "json_each",
            "jsonb_each",
            "jsonb_extract_path",
            "jsonb_typeof",
            "array_length",
            "array_to_string",
            "string_to_array",
            "unnest",
            "generate_series",
            "regexp_replace",
            "regexp_matches",
            "regexp_split_to_table",
            "md5",
            "encode",
            "decode",
            "format",
            "row_number",
            "rank",
            "dense_rank",
            "percent_rank",
            "cume_dist",
            "ntile",
            "lag",
            "lead",
            "first_value",
            "last_value",
            "nth_value",
            "bool_and",
            "bool_or",
            "every",
            "to_tsvector",
            "to_tsquery",
            "plainto_tsquery",
            "ts_rank",
            "current_setting",
            "current_database",
            "current_schema",
            "version",
            "pg_is_in_recovery",
            "inet_server_port",
            "inet_server_addr");

    /** Open-addressing table of lower-case UTF-8 names; quoted names match exactly, unquoted ones lower-cased. */
    private final byte[][] table;

    private final int mask;

    public FunctionAllowList(Collection<String> names) {
        List<byte[]> all = new ArrayList<>();
        for (String n : names) all.add(n.toLowerCase(Locale.ROOT).getBytes(StandardCharsets.UTF_8));
        int size = Integer.highestOneBit(Math.max(8, all.size() * 4) - 1) << 1;
        table = new byte[size][];
        mask = size - 1;
        for (byte[] n : all) {
            int i = hash(n, 0, n.length, false) & mask;
            while (table[i] != null && !Arrays.equals(table[i], n)) i = (i + 1) & mask;
            table[i] = n;
        }
    }

    /** The defaults plus these names. */
    public static FunctionAllowList withDefaults(Collection<String> extra) {
        List<String> all = new ArrayList<>(DEFAULTS);
        all.addAll(extra);
        return new FunctionAllowList(all);
    }

    /** Whether the name in b[start, stop) is allowed; an unquoted name matches case-insensitively (ASCII). */
    public boolean contains(byte[] b, int start, int stop, boolean quoted) {
        int i = hash(b, start, stop, !quoted) & mask;
        while (true) {
            byte[] n = table[i];
            if (n == null) return false;
            if (equal(n, b, start, stop, !quoted)) return true;
            i = (i + 1) & mask;
        }
    }

    /** Whether schema.name (both unquoted, in b) is allowed, e.g. an operator's "app.price". */
    public boolean containsQualified(byte[] b, int schemaStart, int schemaStop, int start, int stop) {
        int h = 0;
        for (int i = schemaStart; i < schemaStop; i++) h = 31 * h + lower(b[i], true);
        h = 31 * h + '.';
        for (int i = start; i < stop; i++) h = 31 * h + lower(b[i], true);
        int i = (h ^ (h >>> 16)) & mask;
        int schemaLen = schemaStop - schemaStart;
        while (true) {
            byte[] n = table[i];
            if (n == null) return false;
            if (n.length == schemaLen + 1 + stop - start
                    && n[schemaLen] == '.'
                    && equal(n, 0, b, schemaStart, schemaStop)
                    && equal(n, schemaLen + 1, b, start, stop)) return true;
            i = (i + 1) & mask;
        }
    }

    private static boolean equal(byte[] n, int at, byte[] b, int start, int stop) {
        for (int i = start; i < stop; i++) if (n[at + i - start] != lower(b[i], true)) return false;
        return true;
    }

    private static int lower(int c, boolean fold) {
        return fold && c >= 'A' && c <= 'Z' ? c + 32 : c;
    }

    private static int hash(byte[] b, int start, int stop, boolean fold) {
        int h = 0;
        for (int i = start; i < stop; i++) h = 31 * h + lower(b[i], fold);
        return h ^ (h >>> 16);
    }

    private static boolean equal(byte[] n, byte[] b, int start, int stop, boolean fold) {
        if (n.length != stop - start) return false;
        for (int i = 0; i < n.length; i++) if (n[i] != lower(b[start + i], fold)) return false;
        return true;
    }
}
