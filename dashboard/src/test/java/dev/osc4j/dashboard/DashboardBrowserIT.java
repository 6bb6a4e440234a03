package dev.osc4j.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.osc4j.ApprovalStage;
import dev.osc4j.AuditEntry;
import dev.osc4j.MigrationId;
import dev.osc4j.MigrationOrchestrator;
import dev.osc4j.MigrationPolicy;
import dev.osc4j.MigrationRequest;
import dev.osc4j.MigrationState;
import dev.osc4j.store.jdbc.JdbcStateStore;
import dev.osc4j.testkit.FakeEngine;
import dev.osc4j.testkit.FakeTopology;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Cookie;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.interactions.Actions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The page in headless Chromium (Debian's {@code chromium} and {@code chromium-driver}), served by the JDK's
 * HttpServer, over a fleet a real controller drives on the embedded H2 store with the fake engine: bars and states
 * render, figures update live, a click pauses a migration, a double click is one directive, a page whose
 * application configured no authentication cannot direct, and a migration in its revert window is reverted or its
 * window closed from the page (the fake engine can revert). One browser for the class; screenshots in target/.
 */
class DashboardBrowserIT {
    @TempDir
    static Path dir;

    static JdbcStateStore store;
    static MigrationOrchestrator controller;
    static HttpServer server;
    static ChromeDriver browser;
    static String base;
    static MigrationId slow;
    static MigrationId other;
    static MigrationId gated;

    @BeforeAll
    static void start() throws Exception {
        for (String binary : new String[] {"/usr/bin/chromium", "/usr/bin/chromedriver"}) {
            assertThat(Files.isExecutable(Path.of(binary)))
                    .as("%s is needed: install the Debian packages chromium and chromium-driver", binary)
                    .isTrue();
        }
        store = JdbcStateStore.h2File(dir.resolve("osc4j"));
        Clock clock = Clock.systemUTC();
        FakeTopology topology = new FakeTopology(clock)
                .addUniformKeyspace("commerce", 4, 2_000_000)
                .addUniformKeyspace("billing", 2, 2_000);
        controller = MigrationOrchestrator.builder()
                .store(store)
                .topology(topology)
                .engine(FakeEngine.builder(topology)
                        .rowsPerSecond(20_000)
                        .revert(true)
                        .build())
                .clock(clock)
                .pollInterval(Duration.ofMillis(200))
                .build();
        controller.start();
        slow = controller.submit(request("browser-1", "orders"));
        other = controller.submit(request("browser-2", "payments"));
        gated = controller.submit(MigrationRequest.builder()
                .idempotencyKey("browser-3")
                .keyspace("commerce")
                .table("invoices")
                .ddl("ALTER TABLE invoices ADD COLUMN note VARCHAR(64)")
                .engine(FakeEngine.DEFAULT_NAME)
                .requestedBy("test")
                .policy(MigrationPolicy.builder().requireStartApproval(true).build())
                .build());
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        Dashboard withAuth = Dashboard.builder(controller)
                .authenticator(r -> Optional.ofNullable(r.header("cookie"))
                        .filter(c -> c.contains("user=alice"))
                        .map(c -> "alice"))
                .build();
        server.createContext("/osc4j", new DashboardHttpHandler(withAuth));
        server.createContext(
                "/readonly",
                new DashboardHttpHandler(Dashboard.builder(controller).build()));
        server.start();
        base = "http://127.0.0.1:" + server.getAddress().getPort();
        ChromeOptions options = new ChromeOptions();
        options.setBinary("/usr/bin/chromium");
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,900");
        browser = new ChromeDriver(
                new ChromeDriverService.Builder()
                        .usingDriverExecutable(Path.of("/usr/bin/chromedriver").toFile())
                        .build(),
                options);
        browser.get(base + "/osc4j/");
        browser.manage().addCookie(new Cookie("user", "alice"));
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.quit();
        }
        if (server != null) {
            server.stop(0);
        }
        if (controller != null) {
            controller.close();
        }
        if (store != null) {
            store.close();
        }
    }

    private static MigrationRequest request(String key, String table) {
        return MigrationRequest.builder()
                .idempotencyKey(key)
                .keyspace("commerce")
                .table(table)
                .ddl("ALTER TABLE " + table + " ADD COLUMN note VARCHAR(64)")
                .engine(FakeEngine.DEFAULT_NAME)
                .requestedBy("test")
                .build();
    }

    /** Waits; the fleet table is redrawn every second, so an element found a moment ago may be gone: look again. */
    private static WebDriverWait waiting(int seconds) {
        WebDriverWait wait = new WebDriverWait(browser, Duration.ofSeconds(seconds));
        wait.ignoring(StaleElementReferenceException.class);
        return wait;
    }

    /** The text of the first element matching {@code css} now, or "" (read in one script call: never stale). */
    private static String text(String css) {
        Object t = ((JavascriptExecutor) browser)
                .executeScript("const e = document.querySelector(arguments[0]); return e ? e.textContent : '';", css);
        return String.valueOf(t);
    }

    private static String percentOf(MigrationId id) {
        return text("tr[data-id='" + id.value() + "'] .percent");
    }

    private static void clickRow(MigrationId id) {
        waiting(5).until(d -> {
            d.findElement(By.cssSelector("tr[data-id='" + id.value() + "']")).click();
            return true;
        });
    }

    @Test
    @DisplayName("states, bars and owners render; the figures update live within 2 s; a click pauses; a double click"
            + " is one directive; a screenshot is kept")
    void fleetLiveAndDirectives() throws Exception {
        browser.get(base + "/osc4j/");
        waiting(10)
                .until(d -> String.valueOf(d.getPageSource()).contains("COPYING_ROWS")
                        && String.valueOf(d.getPageSource()).contains(slow.value()));
        assertThat(browser.findElement(By.id("session")).getText()).contains("alice");
        String before = percentOf(slow);
        waiting(3).until(d -> !percentOf(slow).equals(before));
        Object minis = ((JavascriptExecutor) browser)
                .executeScript(
                        "return document.querySelectorAll(arguments[0]).length;",
                        "tr[data-id='" + slow.value() + "'] .mini");
        assertThat(((Number) Objects.requireNonNull(minis)).intValue()).isEqualTo(4);
        assertThat(text("tr[data-id='" + slow.value() + "'] .age")).endsWith("s old");

        clickRow(slow);
        waiting(5).until(d -> d.findElements(By.cssSelector("#shards tr.shard")).size() == 4);
        WebElement pause = waiting(5).until(d -> d.findElement(By.cssSelector("#actions button[data-kind='pause']")));
        pause.click();
        waiting(5).until(d -> store.read(slow).orElseThrow().controls().paused());
        waiting(5).until(d -> d.findElement(By.id("action-result")).getText().contains("pause recorded"));

        WebElement resume = browser.findElement(By.cssSelector("#actions button[data-kind='resume']"));
        new Actions(browser).doubleClick(resume).perform();
        waiting(5).until(d -> !store.read(slow).orElseThrow().controls().paused());
        Thread.sleep(1_000); // a second request, if the page sent one, would have landed by now
        long resumes = controller.audit(slow).stream()
                .filter(e -> e.kind() == AuditEntry.Kind.DIRECTIVE && e.detail().startsWith("RESUME"))
                .count();
        assertThat(resumes).as("a double click is one directive").isEqualTo(1);
        waiting(5)
                .until(d ->
                        d.findElement(By.cssSelector("#audit tbody")).getText().contains("DIRECTIVE"));

        Path shot = Path.of("target", "dashboard.png");
        Files.write(shot, ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES));
        assertThat(Files.size(shot)).isGreaterThan(10_000);
    }

    @Test
    @DisplayName("a migration waiting for its start approval starts when approve is clicked")
    void approveStartsIt() {
        browser.get(base + "/osc4j/");
        waiting(10).until(d -> String.valueOf(d.getPageSource()).contains(gated.value()));
        clickRow(gated);
        waiting(5)
                .until(d ->
                        d.findElement(By.cssSelector("#shards tbody")).getText().contains("approval"));
        assertThat(store.read(gated).orElseThrow().state()).isEqualTo(MigrationState.QUEUED);
        browser.findElement(By.cssSelector("#actions button[data-kind='approve'][data-stage='start']"))
                .click();
        waiting(10).until(d -> store.read(gated).orElseThrow().state() != MigrationState.QUEUED);
        waiting(5)
                .until(d -> text("tr[data-id='" + gated.value() + "'] .state").contains("COPYING_ROWS")
                        || text("tr[data-id='" + gated.value() + "'] .state").contains("INITIALIZING"));
    }

    @Test
    @DisplayName(
            "a page whose application configured no authentication is read-only and the server refuses" + " directives")
    void readOnlyWithoutAuthentication() {
        browser.get(base + "/readonly/");
        waiting(10).until(d -> String.valueOf(d.getPageSource()).contains(other.value()));
        assertThat(browser.findElement(By.id("session")).getText()).contains("read-only");
        clickRow(other);
        WebElement abort = waiting(5).until(d -> d.findElement(By.cssSelector("#actions button[data-kind='abort']")));
        assertThat(abort.isEnabled()).isFalse();
        Object status = ((JavascriptExecutor) browser)
                .executeAsyncScript("const done = arguments[arguments.length - 1];"
                        + "fetch('api/migrations/" + other.value() + "/abort', {method: 'POST',"
                        + " headers: {'Content-Type': 'application/json', 'X-Osc4j-Csrf': 'x'},"
                        + " body: JSON.stringify({directiveId: 'sneaky'})}).then(r => done(r.status));");
        assertThat(((Number) Objects.requireNonNull(status)).intValue()).isEqualTo(403);
        assertThat(store.read(other).orElseThrow().state()).isNotEqualTo(MigrationState.ABORTED);
        assertThat(store.read(other).orElseThrow().controls().abortRequested()).isFalse();
    }

    @Test
    @DisplayName("a migration in its revert window shows until when; Revert starts a revert linked both ways, a second"
            + " click shows the refusal's reason; Close revert window ends another's window; a screenshot is kept")
    void revertFromThePage() throws Exception {
        // The revert inherits the policy's start approval, so it waits in QUEUED and the forward stays REVERTIBLE.
        MigrationId held = controller.submit(billing(
                "ledger", MigrationPolicy.builder().requireStartApproval(true).build()));
        controller.approve(held, "ok-ledger", ApprovalStage.START, "bob");
        MigrationId closing = controller.submit(billing("refunds", MigrationPolicy.defaults()));
        waiting(30)
                .until(d -> store.read(held).orElseThrow().state() == MigrationState.REVERTIBLE
                        && store.read(closing).orElseThrow().state() == MigrationState.REVERTIBLE);
        browser.get(base + "/osc4j/");
        waiting(10)
                .until(d -> text("tr[data-id='" + held.value() + "'] .revert-note")
                        .matches("revertible until .* \\(23h5\\dm left\\)"));

        clickRow(held);
        WebElement revert = displayed("#actions button[data-kind='revert']");
        assertThat(text("#revert-info")).startsWith("revertible until ");
        revert.click();
        // The directive links the revert on the forward record first, then creates the revert's record.
        waiting(5).until(d -> {
            MigrationId linked = store.read(held).orElseThrow().controls().revertedBy();
            return linked != null && store.read(linked).isPresent();
        });
        MigrationId revertId =
                Objects.requireNonNull(store.read(held).orElseThrow().controls().revertedBy());
        assertThat(Objects.requireNonNull(
                                store.read(revertId).orElseThrow().spec().revertOf())
                        .migration())
                .isEqualTo(held);
        waiting(5).until(d -> text("#action-result").contains("revert started as " + revertId.value()));
        waiting(5).until(d -> text("#revert-info").contains("reverted by " + revertId.value()));
        Path shot = Path.of("target", "dashboard-revert.png");
        Files.write(shot, ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES));
        assertThat(Files.size(shot)).isGreaterThan(10_000);

        displayed("#actions button[data-kind='revert']").click();
        waiting(5).until(d -> text("#action-result").contains("refused (409, ALREADY_REVERTING)"));
        assertThat(store.read(held).orElseThrow().controls().revertedBy()).isEqualTo(revertId);

        waiting(5).until(d -> {
            d.findElement(By.cssSelector("#revert-info a.link[data-id='" + revertId.value() + "']"))
                    .click();
            return true;
        });
        waiting(5).until(d -> text("#revert-info").contains("reverts " + held.value()));
        assertThat(browser.findElement(By.cssSelector("#actions button[data-kind='revert']"))
                        .isDisplayed())
                .as("a revert waiting for its start approval cannot be reverted")
                .isFalse();

        clickRow(closing);
        displayed("#actions button[data-kind='close-window']").click();
        waiting(10).until(d -> store.read(closing).orElseThrow().state() == MigrationState.COMPLETED);
        waiting(5)
                .until(d -> text("tr[data-id='" + closing.value() + "'] .state").equals("COMPLETED"));
        assertThat(text("tr[data-id='" + closing.value() + "'] .revert-note")).isEmpty();
    }

    private static WebElement displayed(String css) {
        waiting(5).until(d -> d.findElement(By.cssSelector(css)).isDisplayed());
        return browser.findElement(By.cssSelector(css));
    }

    private static MigrationRequest billing(String table, MigrationPolicy policy) {
        return MigrationRequest.builder()
                .idempotencyKey("browser-" + table)
                .keyspace("billing")
                .table(table)
                .ddl("ALTER TABLE " + table + " ADD COLUMN note VARCHAR(64)")
                .engine(FakeEngine.DEFAULT_NAME)
                .requestedBy("test")
                .policy(policy)
                .build();
    }
}
