// Which settings a statement changes for the session, by canonical name (null: pgloom cannot tell).
package io.pgloom.session.settings;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import org.junit.jupiter.api.Test;

class SettingStatementsTest {
    @Test
    void namesTheSettingsAStatementChangesForTheSession() {
        assertEquals(List.of("search_path"), SettingStatements.changed("set search_path = app"));
        assertEquals(List.of("statement_timeout"), SettingStatements.changed("set session statement_timeout to 5"));
        assertEquals(List.of("TimeZone"), SettingStatements.changed("set timezone = 'utc'"));
        assertEquals(List.of("TimeZone"), SettingStatements.changed("set time zone 'utc'"));
        assertEquals(List.of("DateStyle"), SettingStatements.changed("set \"datestyle\" to 'german'"));
        assertEquals(List.of("client_encoding"), SettingStatements.changed("set names 'latin1'"));
        assertEquals(List.of("search_path"), SettingStatements.changed("set schema 'app'"));
        assertEquals(List.of("role"), SettingStatements.changed("set role reporting"));
        assertEquals(List.of("app.flavor"), SettingStatements.changed("set app.flavor='mint'"));
        assertEquals(
                List.of("work_mem", "app.x"),
                SettingStatements.changed(
                        "select set_config('work_mem', '8mb', false), set_config('app.x', 'a,b', false)"));
        assertEquals(List.of(), SettingStatements.changed("select set_config('work_mem', '8mb', true)"), "local");
        assertEquals(List.of(), SettingStatements.changed("set local statement_timeout = 5"));
        assertEquals(List.of(), SettingStatements.changed("set transaction isolation level serializable"));
        assertEquals(List.of(), SettingStatements.changed("select 1"));
        assertEquals(List.of("session_authorization"), SettingStatements.changed("set session authorization other"));
        assertNull(SettingStatements.changed("set session characteristics as transaction read only"), "not carried");
        assertNull(SettingStatements.changed("select set_config($1, 'x', false)"), "a name pgloom cannot read");
    }
}
