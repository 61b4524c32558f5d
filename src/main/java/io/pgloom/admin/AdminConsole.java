// The admin console (database "pgloom"): reads simple queries and dispatches them to the command families
// (ShowCommands for SHOW, the lifecycle verbs here). Real result sets, so psql prints tables.
package io.pgloom.admin;

import io.pgloom.config.RuntimeSettings;
import io.pgloom.runtime.AdminHandler;
import io.pgloom.runtime.ProxyRuntime;
import io.pgloom.wire.ErrorResponses;
import io.pgloom.wire.FrameWriter;
import io.pgloom.wire.MessageType;
import io.pgloom.wire.Messages;
import io.pgloom.wire.SqlState;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.tinylog.Logger;

public final class AdminConsole implements AdminHandler {
    private static final Pattern SET = Pattern.compile("(?is)set\\s+([a-z_][a-z0-9_]*)\\s*(?:=|\\s+to\\s+)\\s*(.+)");
    /** PostgreSQL session settings a driver or tool may SET right after connecting: meaningless here, accepted. */
    private static final Set<String> DRIVER_SETTINGS = Set.of(
            "application_name",
            "client_encoding",
            "datestyle",
            "extra_float_digits",
            "intervalstyle",
            "search_path",
            "standard_conforming_strings",
            "statement_timeout",
            "timezone");

    private final ProxyRuntime runtime;
    private final ShowCommands show;
    private final BackendCommands backendCommands;

    public AdminConsole(ProxyRuntime runtime, String version) {
        this.runtime = runtime;
        this.show = new ShowCommands(runtime, version);
        this.backendCommands = new BackendCommands(runtime);
    }

    @Override
    public String serve(Connection c) throws IOException {
        FrameWriter out = new FrameWriter(4096);
        boolean extendedErrorSent = false;
        while (true) {
            int type = c.reader().next();
            if (type < 0) return "client_eof";
            out.reset();
            switch (type) {
                case MessageType.TERMINATE -> {
                    return "client_close";
                }
                case MessageType.QUERY -> {
                    String sql = c.reader().body().cstring();
                    run(c, sql, out);
                    out.raw(Messages.READY_IDLE);
                    extendedErrorSent = false;
                }
                case MessageType.SYNC -> {
                    out.raw(Messages.READY_IDLE);
                    extendedErrorSent = false;
                }
                default -> {
                    if (!extendedErrorSent) {
                        out.raw(ErrorResponses.error(
                                SqlState.FEATURE_NOT_SUPPORTED,
                                "the pgloom admin console understands only simple queries (as psql sends them)"));
                        extendedErrorSent = true;
                    }
                }
            }
            if (out.size() > 0) c.write(out.array(), 0, out.size());
        }
    }

    private boolean known(String db, FrameWriter out) {
        if (runtime.config().database(db).isPresent()) return true;
        out.raw(ErrorResponses.error(SqlState.INVALID_CATALOG_NAME, "database \"" + db + "\" is not in the config"));
        return false;
    }

    private java.util.Set<String> runtimeSettingNames() {
        java.util.Set<String> names = new java.util.HashSet<>();
        for (var rc : runtime.config().proxy().getClass().getRecordComponents()) {
            names.add(io.pgloom.config.RuntimeSettings.snake(rc.getName()));
        }
        return names;
    }

    /**
     * SET key = value | SET key TO value. pgloom's own [proxy] settings change for new work at once (until the next
     * RELOAD). A misspelled or unknown key, a value of the wrong type, or a key that needs a restart is refused with
     * PostgreSQL's SQLSTATE for it, never answered SET with nothing changed; the session settings drivers send at
     * connect time (DRIVER_SETTINGS) are accepted and ignored, as before.
     */
    private void set(Connection c, String cmd, FrameWriter out) {
        Matcher m = SET.matcher(cmd);
        if (!m.matches()) {
            out.raw(ErrorResponses.error(SqlState.SYNTAX_ERROR, "SET needs a setting and a value: SET key = value"));
            return;
        }
        String key = m.group(1).toLowerCase(Locale.ROOT);
        if (key.equals("trace_values")) {
            // Whether traces may show values is the config file's decision alone (issue 9).
            out.raw(ErrorResponses.error(
                    SqlState.INSUFFICIENT_PRIVILEGE,
                    "trace_values can only be set in the config file ([trace] trace_values), then RELOAD"));
            return;
        }
        if (DRIVER_SETTINGS.contains(key)) {
            out.begin(MessageType.COMMAND_COMPLETE).cstring("SET").end();
            return;
        }
        if (RuntimeSettings.needsRestart(key)) {
            out.raw(ErrorResponses.error(
                    SqlState.CANT_CHANGE_RUNTIME_PARAM,
                    "parameter \"" + key
                            + "\" cannot be changed without restarting pgloom: edit the config and restart"));
            return;
        }
        if (!runtimeSettingNames().contains(key)) {
            out.raw(
                    ErrorResponses.error(
                            ErrorResponses.ERROR,
                            SqlState.UNDEFINED_OBJECT,
                            "unrecognized configuration parameter \"" + key + "\"",
                            "SET changes the [proxy] settings SHOW CONFIG "
                                    + "lists; per-database and per-user keys (pool_size, ...) change in the file, then RELOAD"));
            return;
        }
        try {
            runtime.config(RuntimeSettings.with(runtime.config(), key, m.group(2)));
            Logger.info(
                    "event=setting_changed key={} value={} by={}",
                    key,
                    m.group(2).strip(),
                    c.user());
            out.begin(MessageType.COMMAND_COMPLETE).cstring("SET").end();
        } catch (IllegalArgumentException e) {
            out.raw(ErrorResponses.error(SqlState.INVALID_PARAMETER_VALUE, e.getMessage()));
        }
    }

    /** Runs one command line; every statement in it (split on ';') gets its own result. */
    void run(Connection c, String sql, FrameWriter out) {
        boolean any = false;
        for (String part : sql.split(";")) {
            String cmd = part.strip();
            if (cmd.isEmpty()) continue;
            any = true;
            try {
                execute(c, cmd, out);
            } catch (RuntimeException e) {
                Logger.error(e, "event=admin_command_failed client={} command={}", c.clientId(), cmd);
                out.raw(ErrorResponses.error(SqlState.INTERNAL_ERROR, "admin command failed: " + e));
            }
        }
        if (!any) out.raw(Messages.EMPTY_QUERY);
    }

    private void execute(Connection c, String cmd, FrameWriter out) {
        List<String> words = List.of(cmd.split("\\s+"));
        String verb = words.get(0).toUpperCase(Locale.ROOT);
        Logger.info("event=admin_command client={} user={} command={}", c.clientId(), c.user(), cmd);
        switch (verb) {
            case "SHOW" -> {
                if (words.size() < 2) {
                    out.raw(ErrorResponses.error(SqlState.SYNTAX_ERROR, "SHOW what? " + ShowCommands.LIST));
                    return;
                }
                if (words.get(1).equalsIgnoreCase("BACKENDS")) backendCommands.show(out);
                else show.run(words.get(1).toUpperCase(Locale.ROOT), out);
            }
            case "RELOAD" -> {
                String error = runtime.reload();
                if (error == null)
                    out.begin(MessageType.COMMAND_COMPLETE).cstring("RELOAD").end();
                else
                    out.raw(ErrorResponses.error(
                            SqlState.OBJECT_NOT_IN_PREREQUISITE_STATE,
                            "RELOAD rejected, the running config stays: " + error.replace('\n', ';')));
            }
            case "KILL_CLIENT" -> {
                if (words.size() != 2 || !runtime.killClient(words.get(1))) {
                    out.raw(ErrorResponses.error(
                            SqlState.OBJECT_NOT_IN_PREREQUISITE_STATE,
                            "no such client: use an id from SHOW CLIENTS, e.g. KILL_CLIENT C-12"));
                } else {
                    out.begin(MessageType.COMMAND_COMPLETE)
                            .cstring("KILL_CLIENT")
                            .end();
                }
            }
            case "PAUSE", "WAIT_CLOSE" -> {
                String db = words.size() > 1 ? words.get(1) : null;
                if (db != null && !known(db, out)) return;
                java.time.Duration limit = runtime.config().proxy().shutdownTimeout();
                int left;
                try {
                    left = verb.equals("PAUSE") ? runtime.pause(db, limit) : runtime.waitClose(db, limit);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    left = -1;
                }
                if (left == 0) {
                    out.begin(MessageType.COMMAND_COMPLETE).cstring(verb).end();
                } else {
                    out.raw(ErrorResponses.error(
                            SqlState.OBJECT_NOT_IN_PREREQUISITE_STATE,
                            verb
                                    + " did not complete within " + limit.toSeconds() + " s: " + left
                                    + " server connection(s) still in use"
                                    + (verb.equals("PAUSE") ? "; new queries stay held until RESUME" : "")));
                }
            }
            case "RESUME" -> {
                String db = words.size() > 1 ? words.get(1) : null;
                if (db != null && !known(db, out)) return;
                runtime.resume(db);
                out.begin(MessageType.COMMAND_COMPLETE).cstring("RESUME").end();
            }
            case "DISABLE", "ENABLE", "KILL" -> {
                if (words.size() != 2) {
                    out.raw(ErrorResponses.error(SqlState.SYNTAX_ERROR, verb + " needs a database name"));
                    return;
                }
                String db = words.get(1);
                if (!known(db, out)) return;
                if (verb.equals("KILL")) runtime.killDatabase(db);
                else runtime.disabled(db, verb.equals("DISABLE"));
                out.begin(MessageType.COMMAND_COMPLETE).cstring(verb).end();
            }
            case "RECONNECT" -> {
                String db = words.size() > 1 ? words.get(1) : null;
                if (db != null && !known(db, out)) return;
                runtime.reconnect(db);
                out.begin(MessageType.COMMAND_COMPLETE).cstring("RECONNECT").end();
            }
            case "SET" -> set(c, cmd, out);
            case "TRACE" -> TraceCommands.console(runtime, words, c.user(), out);
            case "DRAIN", "UNDRAIN" -> backendCommands.drain(verb, words, out);
            case "SWITCHOVER" -> backendCommands.switchover(words, out);
            case "SHUTDOWN" -> {
                // Stop accepting; let transactions finish up to shutdown_timeout (or, with WAIT_FOR_CLIENTS, wait
                // until every client has left by itself, for at most the seconds given or wait_for_clients_timeout:
                // the old process of a rolling restart); exit 0.
                boolean waitForClients = words.size() > 1 && words.get(1).equalsIgnoreCase("WAIT_FOR_CLIENTS");
                Duration deadline = runtime.config().proxy().waitForClientsTimeout();
                if (waitForClients && words.size() > 2) {
                    try {
                        double s = Double.parseDouble(words.get(2));
                        if (!(s > 0 && s <= 31_536_000)) throw new NumberFormatException(words.get(2));
                        deadline = Duration.ofMillis((long) (s * 1000));
                    } catch (NumberFormatException e) {
                        out.raw(ErrorResponses.error(
                                SqlState.SYNTAX_ERROR,
                                "SHUTDOWN WAIT_FOR_CLIENTS takes a number of seconds up to a year: \"" + words.get(2)
                                        + "\""));
                        return;
                    }
                }
                if (words.size() > (waitForClients ? 3 : 1)) {
                    out.raw(ErrorResponses.error(
                            SqlState.SYNTAX_ERROR, "usage: SHUTDOWN | SHUTDOWN WAIT_FOR_CLIENTS [seconds]"));
                    return;
                }
                runtime.requestShutdown(waitForClients, deadline);
                out.begin(MessageType.COMMAND_COMPLETE).cstring("SHUTDOWN").end();
            }
            default ->
                out.raw(ErrorResponses.error(
                        SqlState.SYNTAX_ERROR,
                        "unknown admin command \"" + verb
                                + "\"; commands: SHOW " + ShowCommands.LIST
                                + ", PAUSE [db], RESUME [db], DISABLE db, ENABLE db, "
                                + "RECONNECT [db], WAIT_CLOSE [db], KILL db, KILL_CLIENT id, DRAIN host, UNDRAIN host, SWITCHOVER db TO host, "
                                + "RELOAD, SHUTDOWN, " + TraceCommands.USAGE));
        }
    }
}
