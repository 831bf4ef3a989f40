package dev.interir.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.interir.server.config.ServiceConfig;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonArray;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.support.ui.Select;

/**
 * The viewer (web-ui) in a real browser against the real service: Debian's headless Chromium through Selenium,
 * one service with a looping file stream made by ffmpeg. Checks that restored frames are painted and change, that
 * the stats, the residual chart and the routing bars update, the split slider, full screen, the snapshot, adding,
 * switching between and removing streams from the page, HLS playback through hls.js, the jobs panel (an upload
 * followed through the job event stream to a downloaded result, a cancelled job), the phone layout, keyboard
 * reach, and a clean console. Screenshots go to {@code target/screenshots/}.
 *
 * <p>{@code -Dviewer.readmeShot=FILE} also starts the bundled demo stream and saves the README's screenshot of it
 * (docs/viewer.png is that file quantized to 256 colours to stay small:
 * {@code /usr/bin/python3 -c "from PIL import Image; Image.open('FILE').quantize(256).save('docs/viewer.png', optimize=True)"}).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@ExtendWith(VertxExtension.class)
class ViewerBrowserIT {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final Path SHOTS = Path.of(System.getProperty("basedir", "."), "target", "screenshots");
    private static final String README_SHOT = System.getProperty("viewer.readmeShot", "");
    /** The 409 this test provokes on purpose (Chromium logs every 4xx response as a console error). */
    private static final List<String> EXPECTED_ERRORS = List.of(
            "api/streams - Failed to load resource: the server responded with a status of 409");

    @TempDir
    static Path tmp;

    private InterirService service;
    private BrowserSession browser;
    private Path extraClip;
    /** A clip long enough to be cancelled while it runs. */
    private Path longClip;
    private Path downloads;
    /** What a user types to add the extra clip: its path in the media folder, or its absolute path. */
    private String extraPath;
    private ServiceClient client;

    @BeforeAll
    void start(Vertx vertx) throws Exception {
        // on a developer machine without Chromium the test is skipped; in CI (scripts/test.sh installs it) it must run
        assumeTrue(BrowserSession.available() || System.getenv("CI") != null,
                "needs Debian's chromium and chromium-driver (scripts/test.sh installs them)");
        Path clip = tmp.resolve("cam.mp4");
        Processes.ffmpeg("-f", "lavfi", "-i", "testsrc2=size=192x108:rate=8", "-t", "4",
                "-pix_fmt", "yuv420p", clip.toString());
        Path media = Files.createDirectories(tmp.resolve("media"));
        extraClip = media.resolve("extra clip.mp4");
        Processes.ffmpeg("-f", "lavfi", "-i", "testsrc=size=128x72:rate=5", "-t", "2",
                "-pix_fmt", "yuv420p", extraClip.toString());
        longClip = tmp.resolve("long.mp4");
        Processes.ffmpeg("-f", "lavfi", "-i", "testsrc2=size=320x180:rate=10", "-t", "120",
                "-pix_fmt", "yuv420p", longClip.toString());
        ServiceConfig cfg = ServiceConfig.defaults();
        cfg.server.port = 0;
        cfg.hls.dir = tmp.resolve("hls").toString();
        cfg.media.dir = media.toString();
        List<ServiceConfig.StreamEntry> streams = new ArrayList<>();
        streams.add(ServiceClient.streamEntry("cam", "file:" + clip, null));
        if (!README_SHOT.isBlank()) {
            streams.add(ServiceClient.streamEntry("demo", "bundled:demo", null));
        }
        cfg.streams = streams;
        service = InterirService.start(cfg);
        client = new ServiceClient(vertx, service.port());
        extraPath = clientFilePath();
        Files.createDirectories(SHOTS);
        downloads = Files.createDirectories(tmp.resolve("downloads"));
        browser = BrowserSession.start(1366, 860, downloads);
        browser.driver.get(base() + "#cam");
        // the modules load after the page (app.js asks the server first)
        await("viewer started", () -> Boolean.TRUE.equals(browser.js("return window.interir !== undefined")));
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
    @Order(1)
    void restoredFramesArePaintedAndChange() throws Exception {
        await("restored and original frames painted", () -> n("window.interir.framesPainted") >= 2
                && n("window.interir.framesPaintedOriginal") >= 1);
        assertEquals("cam", browser.js("return window.interir.selected"));
        // the counters move when a frame is handed to the canvas; on a loaded machine its pixels can land a moment later
        await("restored and original canvases show a picture", () -> canvasSignature("restored").get(1) > 10
                && canvasSignature("original").get(1) > 10);
        List<Double> first = canvasSignature("restored");
        await("restored pixels change", () -> !canvasSignature("restored").get(2).equals(first.get(2)));
        assertEquals(192, (int) n("return document.getElementById('restored').width"));
        browser.screenshot(SHOTS.resolve("01-desktop.png"));
    }

    @Test
    @Order(2)
    void statsResidualChartAndRoutingUpdate() throws Exception {
        await("two stats messages", () -> n("window.interir.statsCount") >= 2);
        // the network's first passes (libtorch optimises the graph on them) can outlast the first stats messages
        await("a restored frame in the stats", () -> text("stats").matches("(?s).*latency \\d+ ms.*"));
        long draws = (long) n("window.interir.chartDraws");
        String statsText = text("stats");
        assertTrue(statsText.matches("(?s).*fps \\d+(\\.\\d+)?.*"), statsText);
        assertTrue(statsText.matches("(?s).*latency \\d+ ms.*"), statsText);
        assertTrue(statsText.matches("(?s).*frames in \\d+ / out \\d+.*"), statsText);
        assertTrue(statsText.contains("dropped 0"), statsText);
        await("residual chart redrawn with a newer stats message", () -> n("window.interir.chartDraws") > draws);
        await("residual history grows", () -> n("window.interir.residualHistory.length") >= 2);
        double residuals = n("return window.interir.lastStats.residuals.length");
        assertTrue(residuals >= 1, "stats carry residuals per stage");
        double inked = n("var c=document.getElementById('residual-chart');"
                + "var d=c.getContext('2d').getImageData(0,0,c.width,c.height).data,k=0;"
                + "for(var i=3;i<d.length;i+=4){if(d[i]>0)k++;} return k/(c.width*c.height);");
        assertTrue(inked > 0.01, "residual chart is empty: " + inked);
        assertTrue(text("residual-text").startsWith("Residual per stage: stage"), text("residual-text"));
        int bars = browser.driver.findElements(By.cssSelector("#routing .route-bar")).size();
        assertEquals(n("return window.interir.lastStats.routing.length"), bars, "one bar per routing weight");
        assertTrue(bars > 0);
        assertEquals("live", browser.driver.findElement(By.id("viewer-status")).getText());
        WebElement item = browser.driver.findElement(By.cssSelector(".stream-item[data-id='cam']"));
        assertEquals("live", item.findElement(By.cssSelector(".badge")).getText());
        assertTrue(item.findElement(By.cssSelector(".stream-meta")).getText().matches("[0-9.]+ fps · 0 dropped.*"),
                item.getText());
    }

    @Test
    @Order(3)
    void splitSliderAndSnapshot() throws Exception {
        click("layout-split");
        assertEquals("split", browser.js("return window.interir.layout"));
        WebElement handle = browser.driver.findElement(By.id("split-handle"));
        assertTrue(handle.isDisplayed());
        handle.sendKeys(Keys.ARROW_LEFT, Keys.ARROW_LEFT);
        assertEquals(40.0, n("window.interir.split"));
        assertEquals("inset(0px 60% 0px 0px)", browser.js("return getComputedStyle(document.getElementById('original')).clipPath"));
        // drag with the mouse: a quarter of the way in
        browser.js("var b=document.getElementById('restored-box').getBoundingClientRect();"
                + "var o={bubbles:true,pointerId:1,button:0,clientX:b.left+b.width/4,clientY:b.top+b.height/2};"
                + "var t=document.getElementById('restored-box');"
                + "t.dispatchEvent(new PointerEvent('pointerdown',o));t.dispatchEvent(new PointerEvent('pointerup',o));");
        assertEquals(25.0, n("window.interir.split"), 1.0);
        int painted = (int) n("window.interir.framesPaintedOriginal");
        await("original still painted under the slider", () -> n("window.interir.framesPaintedOriginal") > painted);
        browser.screenshot(SHOTS.resolve("02-split.png"));
        click("layout-side");
        assertEquals("side", browser.js("return window.interir.layout"));

        click("fullscreen");
        await("full screen on the video area", () -> "stage".equals(browser.js("return document.fullscreenElement && document.fullscreenElement.id")));
        assertEquals("true", browser.driver.findElement(By.id("fullscreen")).getAttribute("aria-pressed"));
        click("fullscreen-exit");
        await("full screen left", () -> browser.js("return document.fullscreenElement") == null);

        await("snapshot enabled", () -> browser.driver.findElement(By.id("snapshot")).isEnabled());
        click("snapshot");
        await("snapshot made", () -> n("window.interir.snapshots") >= 1);
        assertTrue(n("window.interir.lastSnapshotBytes") > 1000, "snapshot PNG too small");
    }

    @Test
    @Order(4)
    void addAndRemoveAStreamFromThePage() throws Exception {
        // rejected in the page: an RTSP camera needs an rtsp:// URL
        type("add-id", "extra");
        type("add-source", "camera.local/stream");
        click("add-submit");
        assertTrue(text("add-error").contains("rtsp://"), text("add-error"));
        // rejected by the server, its message shown: the id is taken
        new Select(browser.driver.findElement(By.id("add-kind"))).selectByValue("file");
        type("add-id", "cam");
        type("add-source", extraPath);
        click("add-submit");
        await("409 message shown", () -> text("add-error").contains("already exists"));

        type("add-id", "extra");
        long painted = (long) n("window.interir.framesPainted");
        click("add-submit");
        await("new stream listed and selected", () -> !browser.driver.findElements(By.cssSelector(".stream-item[data-id='extra']")).isEmpty()
                && "extra".equals(browser.js("return window.interir.selected")));
        assertEquals("", text("add-error"));
        assertEquals("", browser.driver.findElement(By.id("add-id")).getAttribute("value"), "form cleared");
        assertTrue(streamIds().contains("extra"));
        assertTrue(Set.of("connecting", "live").contains(badge("extra")), badge("extra"));
        await("new stream painted", () -> n("window.interir.framesPainted") > painted
                && n("return document.getElementById('restored').width") == 128);
        browser.screenshot(SHOTS.resolve("03-added-stream.png"));

        // switch between the two from the list: each brings its own frames, stats and #hash
        browser.driver.findElement(By.cssSelector(".stream-item[data-id='cam'] .stream-select")).click();
        await("cam selected again", () -> "cam".equals(browser.js("return window.interir.selected"))
                && n("return document.getElementById('restored').width") == 192 && n("window.interir.statsCount") >= 1);
        assertEquals("#cam", browser.js("return location.hash"));
        assertEquals("cam", text("viewer-title"));
        assertEquals("cam", browser.js("return window.interir.lastStats.id"));
        assertEquals("true", browser.driver.findElement(By.cssSelector(".stream-item[data-id='cam'] .stream-select"))
                .getAttribute("aria-current"));
        browser.driver.findElement(By.cssSelector(".stream-item[data-id='extra'] .stream-select")).click();
        await("extra selected again", () -> "extra".equals(browser.js("return window.interir.selected"))
                && n("return document.getElementById('restored').width") == 128);
        assertEquals("#extra", browser.js("return location.hash"));

        browser.driver.findElement(By.cssSelector(".stream-item[data-id='extra'] .stream-remove")).click();
        await("stream gone from the page", () -> browser.driver.findElements(By.cssSelector(".stream-item[data-id='extra']")).isEmpty());
        assertFalse(streamIds().contains("extra"));
        await("viewer back on the remaining stream", () -> "cam".equals(browser.js("return window.interir.selected")));
        long before = (long) n("window.interir.framesPainted");
        await("its frames again", () -> n("window.interir.framesPainted") > before
                && n("return document.getElementById('restored').width") == 192);

        // a camera that is not there: its status and the reason show in the list and over the view
        new Select(browser.driver.findElement(By.id("add-kind"))).selectByValue("rtsp");
        type("add-id", "nowhere");
        type("add-source", "rtsp://127.0.0.1:" + RtspCamera.freePort() + "/none");
        click("add-submit");
        await("the failing camera's error shown under it", () -> {
            List<WebElement> err = browser.driver.findElements(By.cssSelector(".stream-item[data-id='nowhere'] .stream-error"));
            return !err.isEmpty() && err.get(0).isDisplayed() && !err.get(0).getText().isBlank();
        });
        assertTrue(Set.of("reconnecting", "offline", "failed").contains(badge("nowhere")), badge("nowhere"));
        await("viewer says why", () -> browser.driver.findElement(By.id("viewer-error")).isDisplayed());
        browser.screenshot(SHOTS.resolve("03-failing-camera.png"));
        browser.driver.findElement(By.cssSelector(".stream-item[data-id='nowhere'] .stream-remove")).click();
        await("failing camera removed", () -> browser.driver.findElements(By.cssSelector(".stream-item[data-id='nowhere']")).isEmpty());
        await("viewer back on cam", () -> "cam".equals(browser.js("return window.interir.selected")));
    }

    @Test
    @Order(5)
    void hlsPlays() throws Exception {
        awaitHlsPlaylist("cam");
        click("mode-hls");
        assertEquals("hls", browser.js("return window.interir.mode"));
        assertTrue(browser.driver.findElement(By.id("hls-video")).isDisplayed());
        await("HLS video plays", () -> n("var v=document.getElementById('hls-video');"
                + "return v.readyState>=2 && v.currentTime>0 && v.videoWidth>0 ? 1 : 0") == 1);
        double t0 = n("return document.getElementById('hls-video').currentTime");
        await("HLS time advances", () -> n("return document.getElementById('hls-video').currentTime") > t0);
        assertEquals(192, (int) n("return document.getElementById('hls-video').videoWidth"));
        browser.screenshot(SHOTS.resolve("04-hls.png"));
        long original = (long) n("window.interir.framesPaintedOriginal");
        click("mode-ws");
        await("live frames again", () -> n("window.interir.framesPaintedOriginal") > original);
    }

    @Test
    @Order(6)
    void phoneLayoutAndKeyboard() throws Exception {
        Dimension laptop = browser.driver.manage().window().getSize();
        try {
            browser.driver.manage().window().setSize(new Dimension(390, 844));
            await("phone width applied", () -> n("return window.innerWidth") <= 400);
            assertTrue(n("return document.documentElement.scrollWidth - window.innerWidth") <= 1,
                    "the page scrolls sideways on a phone");
            browser.screenshot(SHOTS.resolve("05-phone.png"));
            browser.js("document.getElementById('add-form').scrollIntoView()");
            browser.screenshot(SHOTS.resolve("06-phone-list.png"));
        } finally {
            browser.driver.manage().window().setSize(laptop);
        }
        // every control is reached with Tab alone (the snapshot button once there is a frame)
        await("snapshot enabled", () -> browser.driver.findElement(By.id("snapshot")).isEnabled());
        browser.js("document.activeElement && document.activeElement.blur(); window.scrollTo(0,0); window.__focused=[];"
                + "document.addEventListener('focusin',function(e){var a=e.target;"
                + "window.__focused.push(a.id || (a.className ? '.' + String(a.className).split(' ')[0] : a.tagName));});");
        Keys[] tabs = new Keys[30];
        java.util.Arrays.fill(tabs, Keys.TAB);
        new org.openqa.selenium.interactions.Actions(browser.driver).sendKeys(tabs).perform();
        @SuppressWarnings("unchecked")
        Set<String> reached = new java.util.LinkedHashSet<>((List<String>) browser.js("return window.__focused"));
        for (String want : List.of(".skip-link", ".stream-select", ".stream-remove", "add-id", "add-kind", "add-source",
                "add-submit", "mode-ws", "layout-side", "layout-split", "snapshot", "fullscreen")) {
            assertTrue(reached.contains(want), "Tab never reaches " + want + "; reached " + reached);
        }
        // the mode tabs work with the arrow keys
        WebElement ws = browser.driver.findElement(By.id("mode-ws"));
        ws.sendKeys(Keys.ARROW_RIGHT);
        assertEquals("hls", browser.js("return window.interir.mode"));
        browser.driver.switchTo().activeElement().sendKeys(Keys.ARROW_LEFT);
        assertEquals("ws", browser.js("return window.interir.mode"));
    }

    @Test
    @Order(7)
    @EnabledIfSystemProperty(named = "viewer.readmeShot", matches = ".+")
    void readmeScreenshotOfTheDemoStream() throws Exception {
        browser.driver.findElement(By.cssSelector(".stream-item[data-id='demo'] .stream-select")).click();
        await("demo selected", () -> "demo".equals(browser.js("return window.interir.selected")));
        // the demo alone, with the model to itself
        client.delete("/api/streams/cam");
        await("cam gone from the list", () -> browser.driver.findElements(By.cssSelector(".stream-item[data-id='cam']")).isEmpty());
        Duration slow = Duration.ofSeconds(120);
        await("demo painted, a few stats in", slow, () -> n("window.interir.framesPainted") >= 3
                && n("window.interir.framesPaintedOriginal") >= 3 && n("window.interir.residualHistory.length") >= 8);
        // a window tall enough for the whole page: video, stats and both charts
        Dimension size = browser.driver.manage().window().getSize();
        int chrome = size.getHeight() - (int) n("window.innerHeight");
        int page = (int) n("document.documentElement.scrollHeight");
        browser.driver.manage().window().setSize(new Dimension(size.getWidth(), Math.min(1200, page + chrome)));
        browser.js("window.scrollTo(0,0); document.activeElement && document.activeElement.blur();");
        long painted = (long) n("window.interir.framesPainted");
        await("a fresh frame after the resize", slow, () -> n("window.interir.framesPainted") > painted + 1);
        byte[] png = browser.screenshot(SHOTS.resolve("07-demo.png"));
        browser.driver.manage().window().setSize(size);
        Path out = Path.of(README_SHOT);
        Files.createDirectories(out.toAbsolutePath().getParent());
        Files.write(out, png);
    }

    @Test
    @Order(8)
    void jobsPanelFollowsTheEventStreamToADownload() throws Exception {
        await("jobs panel shown once its event stream is open", () -> browser.driver.findElement(By.id("jobs-panel")).isDisplayed()
                && Boolean.TRUE.equals(browser.js("return window.interir.jobsShown")));
        // every request from here on is counted (the default buffer of 250 fills with the list polls)
        browser.js("performance.clearResourceTimings(); performance.setResourceTimingBufferSize(100000);");
        // a long clip: cancelled while it runs
        uploadJob(longClip);
        await("long job running", Duration.ofSeconds(60), () -> "running".equals(jobState("long.mp4")));
        long events = (long) n("window.interir.jobEvents");
        await("progress events while it runs", () -> n("window.interir.jobEvents") > events + 1);
        WebElement longJob = jobItem("long.mp4");
        assertTrue(longJob.findElement(By.cssSelector("progress")).isDisplayed(), longJob.getText());
        assertTrue(longJob.findElement(By.cssSelector(".job-meta")).getText().matches("\\d+% · \\d+ / \\d+ frames.*"),
                longJob.getText());
        browser.screenshot(SHOTS.resolve("08-job-running.png"));
        longJob.findElement(By.cssSelector(".job-cancel")).click();
        await("long job cancelled", () -> "cancelled".equals(jobState("long.mp4")));
        assertTrue(jobItem("long.mp4").findElements(By.cssSelector(".job-actions a, .job-cancel")).isEmpty(),
                "a cancelled job offers neither a download nor a cancel");

        // a short clip: runs to the end, and its result downloads through the link
        uploadJob(extraClip);
        await("short job done with a download link", Duration.ofSeconds(90), () -> "done".equals(jobState("extra clip.mp4"))
                && !jobItem("extra clip.mp4").findElements(By.cssSelector(".job-actions a")).isEmpty());
        assertEquals("", text("job-error"));
        assertTrue(jobItem("extra clip.mp4").getText().contains("10 / 10 frames"), jobItem("extra clip.mp4").getText());
        assertEquals("extra clip.mp4", browser.js("return window.interir.jobs[0].input"), "newest job first");
        browser.screenshot(SHOTS.resolve("08-jobs.png"));
        jobItem("extra clip.mp4").findElement(By.cssSelector(".job-actions a")).click();
        await("restored file downloaded", () -> downloadedMp4() != null);
        byte[] head = Files.readAllBytes(downloadedMp4());
        assertTrue(head.length > 1000 && new String(head, 4, 4, java.nio.charset.StandardCharsets.ISO_8859_1).equals("ftyp"),
                "the download is an MP4 file");

        // fed by the event stream, not by polling api/jobs: the page's only requests to it are the uploads
        double listRequests = n("return performance.getEntriesByType('resource')"
                + ".filter(function(e){return /\\/api\\/jobs$/.test(e.name);}).length");
        assertEquals(2.0, listRequests, "requests to api/jobs besides the two uploads");
    }

    @Test
    @Order(100)
    void consoleHasNoErrors() {
        List<LogEntry> all = browser.console();
        try {
            Files.write(SHOTS.resolve("console.log"), all.stream().map(LogEntry::toString).collect(Collectors.toList()));
        } catch (java.io.IOException e) {
            // the log file is only for reading after a failure
        }
        List<String> severe = all.stream()
                .filter(e -> e.getLevel().intValue() >= java.util.logging.Level.SEVERE.intValue())
                .map(LogEntry::getMessage)
                .filter(m -> EXPECTED_ERRORS.stream().noneMatch(m::contains))
                .collect(Collectors.toList());
        assertEquals(List.of(), severe, "console errors");
        assertNotEquals(null, browser.js("return window.interir"));
    }

    // ------------------------------------------------------------------ helpers

    private void uploadJob(Path file) throws Exception {
        browser.driver.findElement(By.id("job-file")).sendKeys(file.toString());
        click("job-submit");
        await("job of " + file.getFileName() + " listed", () -> jobItemOrNull(file.getFileName().toString()) != null);
    }

    private WebElement jobItemOrNull(String name) {
        for (WebElement li : browser.driver.findElements(By.cssSelector("#job-list .job-item"))) {
            if (name.equals(li.findElement(By.cssSelector(".job-name")).getText())) {
                return li;
            }
        }
        return null;
    }

    private WebElement jobItem(String name) {
        WebElement li = jobItemOrNull(name);
        if (li == null) {
            throw new AssertionError("no job " + name + " in the list");
        }
        return li;
    }

    private String jobState(String name) {
        WebElement li = jobItemOrNull(name);
        return li == null ? null : li.findElement(By.cssSelector(".badge")).getText();
    }

    /** The finished download (Chromium writes a .crdownload file first). */
    private Path downloadedMp4() {
        try (var files = Files.list(downloads)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".mp4")).findFirst().orElse(null);
        } catch (java.io.IOException e) {
            return null;
        }
    }

    /**
     * API clients name {@code file:} streams inside the media folder (relative paths) where the server enforces it,
     * else by absolute path: asks the server which, with a stream that is removed at once.
     */
    private String clientFilePath() throws Exception {
        if (client.addStream("probe", "file:" + extraClip.getFileName()).statusCode() == 201) {
            client.delete("/api/streams/probe");
            return extraClip.getFileName().toString();
        }
        return extraClip.toString();
    }

    private String base() {
        return "http://127.0.0.1:" + service.port() + "/";
    }

    private double n(String expr) {
        return browser.number(expr.startsWith("return ") || expr.startsWith("var ") ? expr : "return " + expr);
    }

    private String text(String id) {
        return browser.driver.findElement(By.id(id)).getText();
    }

    private void click(String id) {
        browser.driver.findElement(By.id(id)).click();
    }

    private void type(String id, String value) {
        WebElement input = browser.driver.findElement(By.id(id));
        input.clear();
        input.sendKeys(value);
    }

    private String badge(String id) {
        return browser.driver.findElement(By.cssSelector(".stream-item[data-id='" + id + "'] .badge")).getText();
    }

    /** [mean, stddev, hash] of a canvas's pixels (every 4th pixel). */
    @SuppressWarnings("unchecked")
    private List<Double> canvasSignature(String id) {
        List<Object> v = (List<Object>) browser.js("var c=document.getElementById(arguments[0]);"
                + "var d=c.getContext('2d').getImageData(0,0,c.width,c.height).data,n=0,s=0,s2=0,h=7;"
                + "for(var i=0;i<d.length;i+=16){var x=d[i]+d[i+1]+d[i+2];s+=x;s2+=x*x;n++;h=(h*31+x)|0;}"
                + "var m=s/n;return [m/3,Math.sqrt(Math.max(0,s2/n-m*m))/3,h];", id);
        return v.stream().map(o -> ((Number) o).doubleValue()).collect(Collectors.toList());
    }

    private List<String> streamIds() throws Exception {
        JsonArray all = client.get("/api/streams").bodyAsJsonArray();
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < all.size(); i++) {
            ids.add(all.getJsonObject(i).getString("id"));
        }
        return ids;
    }

    private void awaitHlsPlaylist(String id) throws Exception {
        // the first segment needs a GOP of restored frames: slow on a busy machine
        Duration limit = Duration.ofSeconds(90);
        ServiceClient.await(client.until(() -> client.request(HttpMethod.GET, "/hls/" + id + "/index.m3u8").send(),
                r -> r.statusCode() == 200 && r.bodyAsString().contains(".ts"), limit, "HLS playlist with a segment"),
                limit.plusSeconds(5));
    }

    private void await(String what, BooleanSupplier condition) throws Exception {
        await(what, WAIT, condition);
    }

    private void await(String what, Duration limit, BooleanSupplier condition) throws Exception {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                browser.screenshot(SHOTS.resolve("failed-" + what.replaceAll("[^A-Za-z0-9]+", "-") + ".png"));
                throw new AssertionError("timed out after " + limit.toSeconds() + " s waiting for: " + what
                        + "; interir=" + browser.js("return JSON.stringify({p:window.interir.framesPainted,"
                        + "o:window.interir.framesPaintedOriginal,s:window.interir.statsCount,sel:window.interir.selected,"
                        + "mode:window.interir.mode,streams:window.interir.streams})"));
            }
            Thread.sleep(150);
        }
    }
}
