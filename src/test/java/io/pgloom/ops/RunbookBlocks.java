// Reads runbook.md's command blocks (```sh) and the sample output (```text) that may follow each.
package io.pgloom.ops;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

final class RunbookBlocks {
    record Block(int line, String script, String sampleFirstLine) {}

    private RunbookBlocks() {}

    static List<Block> read(Path runbook) throws IOException {
        List<String> lines = Files.readAllLines(runbook);
        List<Block> out = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            if (!lines.get(i).strip().equals("```sh")) continue;
            int start = i + 1;
            int end = start;
            while (end < lines.size() && !lines.get(end).strip().equals("```")) end++;
            String script = String.join("\n", lines.subList(start, end));
            String sample = null;
            int j = end + 1;
            while (j < lines.size() && lines.get(j).isBlank()) j++;
            if (j < lines.size() && lines.get(j).strip().equals("```text")) {
                for (int k = j + 1; k < lines.size() && !lines.get(k).strip().equals("```"); k++) {
                    if (!lines.get(k).isBlank()) {
                        sample = lines.get(k);
                        break;
                    }
                }
            }
            out.add(new Block(start, script, sample));
            i = end;
        }
        return out;
    }

    /** Whitespace folded, for comparing psql table headers and the like. */
    static String fold(String s) {
        return s.replaceAll("\\s+", " ").strip();
    }

    /**
     * Whether a block's output shows its sample's first line: whitespace folded, each "…" in the sample standing for
     * whatever this installation prints there (a count, a port, a path). A block without a sample never matches.
     */
    static boolean matchesSample(String output, String sampleFirstLine) {
        if (sampleFirstLine == null || sampleFirstLine.isBlank()) return false;
        String out = fold(output);
        int from = 0;
        for (String part : fold(sampleFirstLine).split("…")) {
            String p = part.strip();
            if (p.isEmpty()) continue;
            int at = out.indexOf(p, from);
            if (at < 0) return false;
            from = at + p.length();
        }
        return true;
    }

    /** GitHub-style heading anchors of a Markdown file. */
    static List<String> anchors(Path md) throws IOException {
        List<String> out = new ArrayList<>();
        for (String l : Files.readAllLines(md)) {
            if (!l.startsWith("#")) continue;
            String title = l.replaceFirst("^#+\\s*", "").toLowerCase();
            out.add(title.replaceAll("[^a-z0-9 \\-_]", "").replace(' ', '-'));
        }
        return out;
    }
}
