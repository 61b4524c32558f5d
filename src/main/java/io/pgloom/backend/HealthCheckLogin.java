// Who pgloom logs in as to health-check a database's hosts, chosen from the config alone so that --check, startup
// and RELOAD see the same answer as the checks: the database's user, else auth_user, else [failover]
// health_check_user, else the one configured user that can log in to that database; else none, and why.
package io.pgloom.backend;

import io.pgloom.config.ConfigError;
import io.pgloom.config.DatabaseConfig;
import io.pgloom.config.HbaRule;
import io.pgloom.config.ProxyConfig;
import io.pgloom.config.UserConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

public final class HealthCheckLogin {
    private HealthCheckLogin() {}

    /** Where the chosen user came from (logged as source=, so an operator sees why that user). */
    public enum Source {
        DATABASE_USER,
        AUTH_USER,
        HEALTH_CHECK_USER,
        ONLY_USER;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public record Choice(String user, Source source) {}

    /** The login for db's health checks, or null when the config offers no safe one. */
    public static Choice choose(ProxyConfig c, DatabaseConfig db) {
        if (db.user() != null) return new Choice(db.user(), Source.DATABASE_USER);
        String authUser = c.proxy().authUser();
        if (!authUser.isEmpty() && hasLogin(c, authUser)) return new Choice(authUser, Source.AUTH_USER);
        String checkUser = db.backends().failover().healthCheckUser();
        if (!checkUser.isEmpty() && hasLogin(c, checkUser)) return new Choice(checkUser, Source.HEALTH_CHECK_USER);
        List<String> users = candidates(c, db);
        return users.size() == 1 ? new Choice(users.get(0), Source.ONLY_USER) : null;
    }

    /**
     * The readiness probe of a database whose host is not health-checked: the health checks' choice, else a user
     * already served for it (its login worked), else the first configured user that can log in; null when none.
     */
    public static String readinessUser(ProxyConfig c, DatabaseConfig db, List<String> servedUsers) {
        Choice choice = choose(c, db);
        if (choice != null) return choice.user();
        if (!servedUsers.isEmpty()) return servedUsers.get(0);
        List<String> users = candidates(c, db);
        return users.isEmpty() ? null : users.get(0);
    }

    /**
     * Users pgloom could log in as for db: a [users.NAME] table with a password it can log in with (plain or MD5),
     * not an admin, and not refused for db by every [[hba]] rule that applies to it. Sorted by name.
     */
    static List<String> candidates(ProxyConfig c, DatabaseConfig db) {
        List<String> out = new ArrayList<>();
        for (UserConfig u : c.users().values()) {
            if (u.password() == null
                    || !u.password().canLogIn()
                    || c.admin().users().contains(u.name())) continue;
            if (hbaAdmits(c.hba(), db.name(), u.name())) out.add(u.name());
        }
        out.sort(null);
        return out;
    }

    private static boolean hasLogin(ProxyConfig c, String user) {
        UserConfig u = c.user(user).orElse(null);
        return u != null && u.password() != null && u.password().canLogIn();
    }

    /** Without rules anyone may connect; with rules, some rule for (database, user) must admit a connection. */
    private static boolean hbaAdmits(List<HbaRule> rules, String database, String user) {
        if (rules.isEmpty()) return true;
        for (HbaRule r : rules) {
            boolean applies = (r.databases().contains("all") || r.databases().contains(database))
                    && (r.users().contains("all") || r.users().contains(user));
            if (!applies) continue;
            if (r.method() != HbaRule.Method.REJECT) return true;
            // A reject for every address and connection type: no later rule is ever reached for this pair.
            if (r.network() == null && r.type() == HbaRule.ConnectionType.ANY) return false;
        }
        return false;
    }

    /** Why db's health checks have no login, naming the keys that give them one; null when they have one. */
    public static String missing(ProxyConfig c, DatabaseConfig db) {
        if (choose(c, db) != null) return null;
        List<String> users = candidates(c, db);
        String why = users.isEmpty()
                ? "no [users.NAME] table has a password pgloom can log in with (plain or MD5; admin users excluded)"
                : users.size() + " users could (" + String.join(", ", users) + ") and pgloom will not guess which";
        return "databases." + db.name() + ": its hosts are health-checked (hosts = [...] or target), but the checks "
                + "have no user to log in as: " + why + "; add health_check_user = \"NAME\" to [failover] (with "
                + "[users.NAME] password), or user and password to [databases." + db.name() + "]";
    }

    /**
     * --check, startup and RELOAD: a health-checked database whose checks have no login is an error, because none of
     * its hosts can ever be used (a host takes connections only once a check has passed).
     */
    public static void validate(ProxyConfig c) throws ConfigError {
        StringBuilder sb = new StringBuilder();
        for (DatabaseConfig db : c.databases().values()) {
            String problem = db.backends().checked() ? missing(c, db) : null;
            if (problem == null) continue;
            if (!sb.isEmpty()) sb.append('\n');
            sb.append(c.source()).append(": ").append(problem);
        }
        if (!sb.isEmpty()) throw new ConfigError(sb.toString());
    }
}
