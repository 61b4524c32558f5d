// Building blocks for the fuzz harnesses' seed inputs (valid messages to mutate from) and the writer that stores
// them where Jazzer finds them: src/test/resources/<package>/<Class>Inputs/<method>/. Each harness's main() writes
// its own seeds; the committed files are the regression corpus make test replays.
package io.pgloom.testkit;

import io.pgloom.wire.FrameWriter;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

public final class FuzzSeeds {
    private FuzzSeeds() {}

    public static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) out.writeBytes(p);
        return out.toByteArray();
    }

    /** One typed message: the type byte, the length, and what {@code body} writes. */
    public static byte[] msg(byte type, Consumer<FrameWriter> body) {
        FrameWriter w = new FrameWriter(64).begin(type);
        body.accept(w);
        return w.end().toByteArray();
    }

    public static byte[] one(int b) {
        return new byte[] {(byte) b};
    }

    /** Big-endian 16-bit length, as the two-part harnesses read it. */
    public static byte[] u16(int v) {
        return new byte[] {(byte) (v >>> 8), (byte) v};
    }

    /** Replaces the seed files of one fuzz test with these inputs (named seed-00, seed-01, ...). */
    public static void write(Class<?> test, String method, List<byte[]> seeds) throws IOException {
        Path dir = Path.of(
                "src/test/resources", test.getPackageName().replace('.', '/'), test.getSimpleName() + "Inputs", method);
        Files.createDirectories(dir);
        try (var old = Files.list(dir)) {
            for (Path p : old.toList()) if (p.getFileName().toString().startsWith("seed-")) Files.delete(p);
        }
        for (int i = 0; i < seeds.size(); i++) Files.write(dir.resolve(String.format("seed-%02d", i)), seeds.get(i));
        System.out.println(dir + ": " + seeds.size() + " seeds");
    }
}
