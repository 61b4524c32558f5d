/** TOML configuration: immutable records, defaults in one place, validation whose errors name the file and the key. */
package io.pgloom.config;
