// Entry point: argument parsing, logging setup, wiring of runtime, listener and janitor, signals
// (SIGTERM/SIGINT graceful shutdown, SIGHUP reload, SIGUSR1 wait-for-clients shutdown) and the shutdown sequence.
package io.pgloom;

import io.pgloom.config.ConfigError;
import io.pgloom.config.ProxyConfig;
import io.pgloom.util.SafeThrowables;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.tinylog.Logger;
import org.tinylog.configuration.Configuration;
import org.tinylog.provider.ProviderRegistry;
import sun.misc.Signal;

public final class Main {
    private Main() {}

    /** The text log's line; each message is logfmt with escaped values (util.SafeLogging, see tinylog.properties). */
    public static final String TEXT_FORMAT = "{date:yyyy-MM-dd HH:mm:ss.SSS} {level} {message}";
    /** The text log's exception filter: an exception's message cannot break the line either. */
    public static final String TEXT_EXCEPTION_FILTER = SafeThrowables.class.getName();

    private static final String USAGE = """
            usage: java -jar proxy.jar CONFIG.toml      run pgloom
                   java -jar proxy.jar --check CONFIG.toml   validate a config and exit (0 valid, 1 invalid)
                   java -jar proxy.jar --version""";

    public static void main(String[] args) {
        String relaunch = JvmLauncher.relaunchIfWanted(args); // first: on success nothing below runs in this JVM
        String pollers = VirtualThreadPolling.apply(); // before any virtual thread blocks on a socket
        if (args.length == 1 && (args[0].equals("--version") || args[0].equals("-V"))) {
            System.out.println("pgloom " + Version.get());
            return;
        }
        if (args.length == 2 && args[0].equals("--check")) {
            System.exit(check(Path.of(args[1])));
        }
        if (args.length != 1 || args[0].startsWith("-")) {
            System.err.println(USAGE);
            System.exit(2);
        }
        Path file = Path.of(args[0]);
        ProxyConfig config;
        try {
            config = Pgloom.load(file);
        } catch (ConfigError e) {
            System.err.println("pgloom: invalid config:\n" + e.getMessage());
            System.exit(1);
            return;
        }
        configureLogging(config);
        if (relaunch != null) Logger.info("event=jvm_not_relaunched reason={}", relaunch);
        if (pollers != null) Logger.info("event=jvm_polling_tuned options={}", pollers);
        try {
            System.exit(run(config, file));
        } catch (Exception e) {
            Logger.error(e, "event=startup_failed error={}", e.getMessage());
            System.exit(1);
        }
    }

    static int check(Path file) {
        try {
            Pgloom.load(file);
            System.out.println(file + ": OK");
            return 0;
        } catch (ConfigError e) {
            System.err.println(e.getMessage());
            return 1;
        }
    }

    private static void configureLogging(ProxyConfig config) {
        // Log writes happen off the pumps, on tinylog's own thread (file/console I/O would capture a carrier).
        Configuration.set("writingthread", "true");
        if ("json".equals(config.log().format())) {
            // One JSON object per line on stdout (tinylog's JSON writer, LDJSON format).
            Configuration.set("writer", "json");
            Configuration.set("writer.file", "/dev/stdout");
            Configuration.set("writer.format", "LDJSON");
            Configuration.set("writer.level", config.log().level());
            Configuration.set("writer.field.time", "{date:yyyy-MM-dd'T'HH:mm:ss.SSSXXX}");
            Configuration.set("writer.field.level", "level");
            Configuration.set("writer.field.msg", "message");
        } else {
            Configuration.set("writer", "console");
            Configuration.set("writer.stream", "out");
            Configuration.set("writer.level", config.log().level());
            Configuration.set("writer.format", TEXT_FORMAT);
            Configuration.set("writer.exception", TEXT_EXCEPTION_FILTER);
        }
    }

    static int run(ProxyConfig config, Path file) throws Exception {
        List<String> jvm = JvmMemory.apply();
        if (!jvm.isEmpty()) Logger.info("event=jvm_memory_tuned options={}", String.join(" ", jvm));
        Pgloom pgloom = Pgloom.start(config, file);
        CountDownLatch stop = new CountDownLatch(1);
        Signal.handle(new Signal("TERM"), s -> stop.countDown());
        Signal.handle(new Signal("INT"), s -> stop.countDown());
        Signal.handle(new Signal("HUP"), s -> pgloom.reload());
        // SIGUSR1 = SHUTDOWN WAIT_FOR_CLIENTS, addressed to this process: with so_reuseport, the console port may
        // answer from the new process of a rolling restart instead.
        Signal.handle(new Signal("USR1"), s -> pgloom.runtime().requestShutdown(true));
        pgloom.runtime().onShutdown(stop::countDown);
        stop.await();
        pgloom.shutdown();
        ProviderRegistry.getLoggingProvider().shutdown();
        return 0;
    }
}
