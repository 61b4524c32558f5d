// The live page in a real browser (Debian's chromium through chromium-driver, driven by Selenium) against a live
// pgloom and PostgreSQL: credentials asked and wrong ones refused, 20 clients with 5 waiting for a pool of 2 shown,
// a stopped backend shown down with the runbook link, then recovered; no JavaScript errors. Skips without chromium.
package io.pgloom.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pgloom.testkit.Await;
import io.pgloom.testkit.PostgresFixture;
import io.pgloom.testkit.ProxyHarness;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;

class LivePageBrowserIT {
    private static final int POOL = 2, WAITING = 5, CLIENTS = 20;

    /** The first executable found: the env variable's path, else each candidate on PATH. */
    private static Path executable(String env, String... names) {
        String given = System.getenv(env);
        if (given != null && Files.isExecutable(Path.of(given))) return Path.of(given);
        String path = System.getenv().getOrDefault("PATH", "");
        for (String name : names) {
            for (String dir : path.split(":")) {
                Path p = Path.of(dir, name);
                if (!dir.isEmpty() && Files.isExecutable(p)) return p;
            }
        }
        return null;
    }

    private static ChromeDriver chromium() {
        Path browser = executable("PGLOOM_CHROMIUM", "chromium", "chromium-browser", "google-chrome");
        Path driver = executable("PGLOOM_CHROMEDRIVER", "chromedriver");
        Assumptions.assumeTrue(
                browser != null, "chromium is not installed (scripts/install-test-tools.sh installs it)");
        Assumptions.assumeTrue(
                driver != null,
                "chromedriver is not installed (Debian package chromium-driver; scripts/install-test-tools.sh)");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(browser.toFile());
        options.addArguments(
                "--headless=new",
                "--no-sandbox",
                "--disable-dev-shm-usage",
                "--disable-gpu",
                "--window-size=1400,1100",
                "--no-first-run",
                "--disable-extensions");
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        options.setCapability("goog:loggingPrefs", logs);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(driver.toFile())
                .usingAnyFreePort()
                .build();
        return new ChromeDriver(service, options);
    }

    /** Sends this Authorization header (or none) with every request the browser makes from now on. */
    private static void authorization(ChromeDriver browser, String userPassword) {
        browser.executeCdpCommand("Network.enable", Map.of());
        Map<String, Object> headers = userPassword == null ? Map.of() : Map.of("Authorization", basic(userPassword));
        browser.executeCdpCommand("Network.setExtraHTTPHeaders", Map.of("headers", headers));
    }

    private static String basic(String userPassword) {
        return "Basic " + Base64.getEncoder().encodeToString(userPassword.getBytes(StandardCharsets.UTF_8));
    }

    private static List<String> severe(ChromeDriver browser) {
        return browser.manage().logs().get(LogType.BROWSER).getAll().stream()
                .filter(e -> e.getLevel().intValue() >= Level.SEVERE.intValue())
                .map(LogEntry::toString)
                .toList();
    }

    private static String text(ChromeDriver browser, String id) {
        return browser.findElement(By.id(id)).getText().strip();
    }

    private static void screenshot(ChromeDriver browser, String name) throws Exception {
        Path out = Path.of("target", name);
        Files.createDirectories(out.getParent());
        Files.copy(browser.getScreenshotAs(OutputType.FILE).toPath(), out, StandardCopyOption.REPLACE_EXISTING);
    }

    @Test
    void showsTheFlowLiveInARealBrowser() throws Exception {
        ChromeDriver browser = chromium();
        try (PostgresFixture pg = PostgresFixture.startNew();
                ProxyHarness proxy = ProxyHarness.start(
                        pg, "transaction", "query_wait_timeout = 120", """
                     [failover]
                     health_check_user = "app"
                     health_check_period = 0.2
                     health_check_timeout = 1
                     failover_threshold = 2
                     recovery_threshold = 2

                     [databases.flow]
                     hosts = ["127.0.0.1:%d"]
                     dbname = "app"
                     pool_size = %d
                     """.formatted(pg.port(), POOL), "127.0.0.1:0")) {
            String base = "http://127.0.0.1:" + proxy.pgloom().httpPort();

            // Asks for credentials (an HTTP Basic challenge) and refuses wrong ones: the browser shows no page.
            HttpClient http = HttpClient.newHttpClient();
            for (String credentials : new String[] {null, "admin:wrong", "app:app"}) {
                HttpRequest.Builder get = HttpRequest.newBuilder(URI.create(base + "/"));
                if (credentials != null) get.header("Authorization", basic(credentials));
                HttpResponse<String> refused = http.send(get.build(), HttpResponse.BodyHandlers.ofString());
                assertEquals(401, refused.statusCode(), "credentials " + credentials);
                assertTrue(refused.headers()
                        .firstValue("WWW-Authenticate")
                        .orElse("")
                        .startsWith("Basic "));
                authorization(browser, credentials);
                browser.get(base + "/");
                assertTrue(browser.findElements(By.id("clients-total")).isEmpty(), "no page for " + credentials);
                assertFalse(browser.getPageSource().contains("Connection flow"), browser.getPageSource());
            }
            severe(browser); // the refused loads above are logged as failed resources: drained here

            authorization(browser, "admin:admin");
            browser.get(base + "/");
            Await.until(() -> text(browser, "status").startsWith("up "), 20, "the page's first update");

            List<Connection> clients = new ArrayList<>();
            ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();
            try {
                for (int i = 0; i < CLIENTS; i++) clients.add(proxy.connect("flow", "app", "app"));
                // Two clients hold both servers inside open transactions; five more ask for a server and wait.
                for (int i = 0; i < POOL; i++) {
                    clients.get(i).setAutoCommit(false);
                    try (Statement st = clients.get(i).createStatement()) {
                        st.execute("SELECT 1");
                    }
                }
                List<Future<?>> waiters = new ArrayList<>();
                for (int i = POOL; i < POOL + WAITING; i++) {
                    Connection c = clients.get(i);
                    waiters.add(pool.submit(() -> {
                        try (Statement st = c.createStatement()) {
                            return st.execute("SELECT 1");
                        }
                    }));
                }
                Await.until(
                        () -> text(browser, "clients-waiting").equals(String.valueOf(WAITING))
                                && text(browser, "clients-total").equals(String.valueOf(CLIENTS)),
                        20,
                        "the page showing " + CLIENTS + " clients and " + WAITING + " waiting");
                WebElement row = browser.findElement(By.cssSelector("#pools tr[data-pool='flow/app']"));
                String cells = row.getText();
                assertTrue(cells.contains(POOL + " / " + POOL), "servers in use / pool size: " + cells);
                assertEquals(
                        String.valueOf(WAITING),
                        row.findElements(By.tagName("td")).get(6).getText());
                assertEquals(String.valueOf(POOL), text(browser, "clients-idle-in-transaction"));
                Await.until(
                        () -> attentionLinks(browser).stream().anyMatch(h -> h.endsWith("#" + LiveState.RB_SATURATION)),
                        10,
                        "the saturated pool under needs attention");
                screenshot(browser, "live-page.png");

                for (int i = 0; i < POOL; i++) clients.get(i).commit();
                for (Future<?> w : waiters) w.get(30, TimeUnit.SECONDS);
                Await.until(() -> text(browser, "clients-waiting").equals("0"), 20, "the waiting clients served");
            } finally {
                for (Connection c : clients) c.close();
                pool.shutdownNow();
            }

            // The backend stops: the host turns down, and the attention list links to the runbook's backend entry.
            String host = "127.0.0.1:" + pg.port();
            String hostRow = "#backends tr[data-database='flow'][data-host='" + host + "']";
            pg.stop();
            Await.until(
                    () -> "down"
                            .equals(browser.findElement(By.cssSelector(hostRow)).getAttribute("data-state")),
                    30,
                    "the host shown down");
            assertTrue(browser.findElement(By.cssSelector(hostRow)).getText().contains("down"), "down in words too");
            String backendEntry = "#" + LiveState.RB_BACKEND_DOWN;
            Await.until(
                    () -> attentionLinks(browser).stream().anyMatch(h -> h.endsWith(backendEntry)),
                    10,
                    "a backend-down item linking to the runbook");
            screenshot(browser, "live-page-backend-down.png");
            String link = attentionLinks(browser).stream()
                    .filter(h -> h.endsWith(backendEntry))
                    .findFirst()
                    .orElseThrow();
            browser.get(link);
            WebElement heading = browser.findElement(By.id(LiveState.RB_BACKEND_DOWN));
            assertTrue(heading.getText().startsWith("Backend down"), heading.getText());
            browser.navigate().back();

            pg.start();
            Await.until(
                    () -> "up"
                            .equals(browser.findElement(By.cssSelector(hostRow)).getAttribute("data-state")),
                    60,
                    "the host shown up again");
            Await.until(
                    () -> attentionLinks(browser).stream().noneMatch(h -> h.endsWith(backendEntry)),
                    10,
                    "the backend item gone from needs attention");

            assertEquals(List.of(), severe(browser), "JavaScript errors or failed loads in the browser log");
        } finally {
            browser.quit();
        }
    }

    private static List<String> attentionLinks(ChromeDriver browser) {
        try (Stream<WebElement> links = browser.findElements(By.cssSelector("#attention a")).stream()) {
            return links.map(a -> a.getAttribute("href")).toList();
        }
    }
}
