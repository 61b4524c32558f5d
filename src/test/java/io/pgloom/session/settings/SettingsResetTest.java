// Which statements put settings back to their session defaults (what RESET brings back depends on them).
package io.pgloom.session.settings;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class SettingsResetTest {
    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "reset all|*",
                "discard all|*",
                "reset timezone|TimeZone",
                "reset statement_timeout|statement_timeout",
                "reset \"datestyle\"|DateStyle",
                "set timezone to default|TimeZone",
                "set session search_path = default|search_path",
                "set application_name=default|application_name",
            })
    void resets(String stmt, String scope) {
        assertEquals(scope, SettingsReset.scope(stmt));
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "set timezone = 'utc'",
                "discard plans",
                "discard temp",
                "select 1",
                "set local timezone to default",
                "reset all extra"
            })
    void doesNotReset(String stmt) {
        assertNull(SettingsReset.scope(stmt), stmt);
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "DISCARD ALL|true",
                "  reset all ; |true",
                "Discard All;|true",
                "|false",
                "SELECT 1|false",
                "DISCARD PLANS|false",
                "DISCARD ALL; SET work_mem = '1MB'|false",
                "RESET TimeZone|false"
            })
    void aResetQueryPutsEverySettingBackOnlyWhenItResetsAll(String resetQuery, boolean all) {
        assertEquals(all, SettingsReset.resetsAll(resetQuery == null ? "" : resetQuery), resetQuery);
    }
}
