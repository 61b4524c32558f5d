// Every key the loader accepts is documented in conf/proxy.toml (the annotated example), so a new setting cannot
// land undocumented.
package io.pgloom.config;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class ConfigDocsTest {
    @Test
    void everyAcceptedKeyIsDocumented() throws Exception {
        // The loader and the readers it hands whole tables to (LdapRuleReader: an ldap rule's options; PeersReader).
        String loader = Files.readString(Path.of("src/main/java/io/pgloom/config/ConfigLoader.java"))
                + Files.readString(Path.of("src/main/java/io/pgloom/config/LdapRuleReader.java"))
                + Files.readString(Path.of("src/main/java/io/pgloom/config/PeersReader.java"));
        String docs = Files.readString(Path.of("conf/proxy.toml"));
        Matcher m = Pattern.compile(
                        "(?:t|proxy|peers)\\.(?:string|integer|seconds|bool|optionalInt|stringList|stringMap|table|has|markSeen)\\(\"([a-z_]+)\"")
                .matcher(loader);
        List<String> missing = new ArrayList<>();
        while (m.find()) {
            String key = m.group(1);
            if (!Pattern.compile("(?m)^#?\\s*" + key + "\\s*=").matcher(docs).find()
                    && !docs.contains("[" + key)
                    && !docs.contains("." + key + "]")) {
                missing.add(key);
            }
        }
        assertTrue(missing.isEmpty(), "keys accepted but not documented in conf/proxy.toml: " + missing);
    }
}
