// The [log] table: level and line format (text key=value or JSON).
package io.pgloom.config;

public record LogSettings(String level, String format) {}
