// A config file that cannot be used; the message names the file and every offending key, one per line.
package io.pgloom.config;

public final class ConfigError extends Exception {
    private static final long serialVersionUID = 1L;

    public ConfigError(String message) {
        super(message);
    }
}
