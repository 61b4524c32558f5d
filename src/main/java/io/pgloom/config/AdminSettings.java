// The [admin] table: the HTTP endpoint for metrics and health, whether it serves the live page at /, and who may
// use the admin console.
package io.pgloom.config;

import java.util.List;

public record AdminSettings(String httpHost, int httpPort, boolean httpEnabled, List<String> users, boolean livePage) {}
