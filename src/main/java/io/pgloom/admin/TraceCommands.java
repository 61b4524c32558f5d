// TRACE ON … / TRACE OFF [id | all] / SHOW TRACES, for the admin console and the /trace HTTP endpoint alike:
// one parser, one table of traces, rendered as a result set or as text.
package io.pgloom.admin;

import io.pgloom.runtime.ProxyRuntime;
import io.pgloom.trace.Trace;
import io.pgloom.trace.TraceRequest;
import io.pgloom.wire.ErrorResponses;
import io.pgloom.wire.FrameWriter;
import io.pgloom.wire.SqlState;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

final class TraceCommands {
    static final String USAGE = "TRACE ON [client id | user=U | database=D | address=CIDR] [FOR duration] "
            + "[LEVEL headers|summary|full], TRACE OFF [trace id | all], SHOW TRACES";
    /** The file column comes last, so a script can take it with awk -F'|' '{print $NF}'. */
    static final String[] COLUMNS = {
        "id",
        "scope",
        "level",
        "values",
        "sessions",
        "messages",
        "dropped",
        "started_by",
        "started_at",
        "expires_at",
        "pcap_file",
        "file"
    };

    /** A command's answer: rows of traces under a command tag. */
    record Table(String tag, List<List<Object>> rows) {}

    private TraceCommands() {}

    /**
     * Runs "ON …", "OFF …" or "SHOW" (the words after TRACE); throws IllegalArgumentException with a message for
     * the operator.
     */
    static Table execute(ProxyRuntime runtime, List<String> words, String by, String via) {
        String verb = words.isEmpty() ? "SHOW" : words.get(0).toUpperCase(Locale.ROOT);
        List<String> args = words.isEmpty() ? List.of() : words.subList(1, words.size());
        return switch (verb) {
            case "ON" ->
                new Table("TRACE", List.of(row(runtime, runtime.traces.start(TraceRequest.parse(args), by, via))));
            case "OFF" -> {
                if (args.size() > 1) throw new IllegalArgumentException("TRACE OFF takes one trace id, or all");
                String which = args.isEmpty() ? "all" : args.get(0);
                List<Trace> ended = runtime.traces.stop(which, by, via);
                if (ended.isEmpty() && !which.equalsIgnoreCase("all")) {
                    throw new IllegalArgumentException("no running trace " + which + " (SHOW TRACES lists them)");
                }
                yield new Table("TRACE", rows(runtime, ended));
            }
            case "SHOW" -> new Table("SHOW", rows(runtime, runtime.traces.list()));
            default -> throw new IllegalArgumentException("unknown TRACE command; use " + USAGE);
        };
    }

    private static List<List<Object>> rows(ProxyRuntime runtime, List<Trace> traces) {
        List<List<Object>> rows = new ArrayList<>();
        for (Trace t : traces) rows.add(row(runtime, t));
        return rows;
    }

    private static List<Object> row(ProxyRuntime runtime, Trace t) {
        return List.of(
                t.id,
                t.scope.describe(),
                t.level.word(),
                t.values ? "shown" : "redacted",
                runtime.traces.sessions(t),
                t.messages(),
                t.dropped(),
                t.by + " (" + t.via + ")",
                Instant.ofEpochMilli(t.startedMillis).toString(),
                Instant.ofEpochMilli(t.expiresMillis).toString(),
                t.pcapFile == null ? "" : t.pcapFile.toString(),
                t.file.toString());
    }

    /** The console: TRACE ON / OFF as typed. */
    static void console(ProxyRuntime runtime, List<String> words, String user, FrameWriter out) {
        try {
            write(execute(runtime, words.subList(1, words.size()), user, "console"), out);
        } catch (IllegalArgumentException e) {
            out.raw(ErrorResponses.error(SqlState.SYNTAX_ERROR, e.getMessage()));
        }
    }

    /** The console: SHOW TRACES. */
    static void show(ProxyRuntime runtime, FrameWriter out) {
        write(execute(runtime, List.of("SHOW"), "", "console"), out);
    }

    private static void write(Table t, FrameWriter out) {
        ResultSetWriter w = new ResultSetWriter(out, COLUMNS);
        for (List<Object> r : t.rows()) w.row(r);
        w.done(t.tag());
    }

    /** As text for HTTP: a header line, then one tab-separated line per trace. */
    static String text(Table t) {
        StringBuilder sb = new StringBuilder(String.join("\t", COLUMNS)).append('\n');
        for (List<Object> r : t.rows()) {
            for (int i = 0; i < r.size(); i++) sb.append(i == 0 ? "" : "\t").append(r.get(i));
            sb.append('\n');
        }
        return sb.toString();
    }
}
