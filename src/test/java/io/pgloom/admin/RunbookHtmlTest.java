// The runbook the live page serves: every entry the page links to is a heading with that anchor, and the text is
// escaped (a runbook line is never markup).
package io.pgloom.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class RunbookHtmlTest {
    @Test
    void everyEntryThePageLinksToExists() throws Exception {
        String html = RunbookHtml.render(Files.readString(Path.of("runbook.md")));
        for (String anchor : LiveState.RUNBOOK_ANCHORS) {
            assertTrue(html.contains(" id=\"" + anchor + "\">"), "runbook.md has a heading for #" + anchor);
        }
        assertTrue(html.contains(" id=\"instant-diagnostics\">"), "the page's footer link");
    }

    @Test
    void anchorsAsGitHubSpellsThem() {
        assertEquals(
                "backend-down-every-new-client-fails-with-08006",
                RunbookHtml.anchor("### Backend down: every new client fails with 08006"));
        assertEquals("log-dictionary-reason-values", RunbookHtml.anchor("## Log dictionary (`reason=` values)"));
    }

    @Test
    void escapesTextAndKeepsBlocks() {
        String html =
                RunbookHtml.render("# T\n\nsee <script>x</script> & \"q\"\n\n```sh\necho '<b>'\n```\n| a | b |\n");
        assertFalse(html.contains("<script>"));
        assertTrue(html.contains("see &lt;script&gt;x&lt;/script&gt; &amp; &quot;q&quot;"));
        assertTrue(html.contains("<pre>echo '&lt;b&gt;'\n</pre>"));
        assertTrue(html.contains("<pre class=\"table\">| a | b |\n</pre>"), html);
    }
}
