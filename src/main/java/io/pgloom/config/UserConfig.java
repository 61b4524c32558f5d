// One [users.NAME] table: the user's secret and per-user overrides (null = inherit).
package io.pgloom.config;

public record UserConfig(
        String name,
        Secret password,
        PoolMode poolMode,
        Integer poolSize,
        Integer maxUserConnections,
        String certName,
        Integer maxUserClientConnections) {
    /** A user known only through auth_query. */
    public UserConfig(String name, Secret password) {
        this(name, password, null, null, null, null, null);
    }
}
