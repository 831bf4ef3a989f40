package dev.interir.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.interir.server.config.ServiceConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.logging.LogEntry;

/**
 * The viewer against a service with a token, in Chromium: the page sends a browser without the login cookie to
 * the login page, a wrong token is refused there, the right one brings it back to a working viewer (its modules
 * are served only with the cookie) with the stream list and the jobs event stream.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ViewerLoginBrowserIT {
    private static final String TOKEN = "viewer-token-" + System.nanoTime();
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    static Path tmp;

    private InterirService service;
    private BrowserSession browser;

    @BeforeAll
    void start() throws Exception {
        assumeTrue(BrowserSession.available() || System.getenv("CI") != null,
                "needs Debian's chromium and chromium-driver (scripts/test.sh installs them)");
        ServiceConfig cfg = ServiceClient.testConfig(tmp);
        cfg.server.token = TOKEN;
        service = InterirService.start(cfg);
        browser = BrowserSession.start(1280, 800, tmp.resolve("downloads"));
    }

    @AfterAll
    void stop() {
        if (browser != null) {
            browser.close();
        }
        if (service != null) {
            service.close();
        }
    }

    @Test
    void withoutTheCookieThePageGoesToTheLoginAndComesBackWorking() throws Exception {
        String base = "http://127.0.0.1:" + service.port() + "/";
        browser.driver.get(base);
        await("sent to the login page", () -> browser.driver.getCurrentUrl().endsWith("/login.html"));

        browser.driver.findElement(By.id("token")).sendKeys("wrong-" + TOKEN);
        browser.driver.findElement(By.cssSelector("button[type=submit]")).click();
        await("a wrong token refused", () -> browser.driver.getCurrentUrl().endsWith("login.html?failed")
                && !browser.driver.findElement(By.id("login-error")).getText().isBlank());

        browser.driver.findElement(By.id("token")).sendKeys(TOKEN);
        browser.driver.findElement(By.cssSelector("button[type=submit]")).click();
        await("back on the viewer", () -> browser.driver.getCurrentUrl().equals(base));
        await("the viewer's modules loaded and the list answered", () -> Boolean.TRUE.equals(browser.js(
                "return window.interir !== undefined && !document.getElementById('list-empty').hidden")));
        assertEquals("server connected", browser.driver.findElement(By.id("conn-status")).getText());
        await("the jobs event stream open", () -> browser.driver.findElement(By.id("jobs-panel")).isDisplayed());
        assertEquals("No stream selected", browser.driver.findElement(By.id("viewer-title")).getText());

        // the first visit's 401s are the way the page learns it must log in; nothing else may fail
        List<String> severe = browser.console().stream()
                .filter(e -> e.getLevel().intValue() >= java.util.logging.Level.SEVERE.intValue())
                .map(LogEntry::getMessage)
                .filter(m -> !m.contains("status of 401"))
                .collect(Collectors.toList());
        assertEquals(List.of(), severe, "console errors");
        assertTrue(!String.valueOf(browser.js("return document.cookie")).contains(TOKEN),
                "the login cookie is HttpOnly: the page's scripts cannot read the token");
    }

    private void await(String what, BooleanSupplier condition) throws Exception {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + WAIT.toSeconds() + " s waiting for: " + what
                        + " (at " + browser.driver.getCurrentUrl() + ")");
            }
            Thread.sleep(150);
        }
    }
}
