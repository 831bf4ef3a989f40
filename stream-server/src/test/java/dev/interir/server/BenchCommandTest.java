package dev.interir.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** `bench` is a benchmark, not a test: this only checks that it runs end to end on a tiny input and reports. */
class BenchCommandTest {

    @Test
    void benchRunsEveryConfigurationOnATinyClipAndWritesJson(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("bench.json");
        int code = new CommandLine(new Main()).execute("bench", "--size", "128x96", "--streams", "2", "--fps", "10",
                "--seconds", "1.5", "--warmup", "0.5", "--json", json.toString());
        assertEquals(0, code);
        JsonNode doc = new ObjectMapper().readTree(json.toFile());
        JsonNode rows = doc.get("results");
        assertEquals(3, rows.size(), "one stream; several unbatched and batched");
        for (JsonNode row : rows) {
            String name = row.get("configuration").asText();
            assertTrue(row.get("frames").asInt() > 0, name + " restored no frame");
            assertTrue(row.get("fpsTotal").asDouble() > 0, name);
            assertTrue(row.get("latencyP50Ms").asDouble() > 0, name);
            assertTrue(row.get("forwardMsPerFrame").asDouble() > 0, name);
            assertNotNull(row.get("psnr"), name + ": the bundled clip has a clean version");
            assertEquals(4.0, row.get("stagesPerFrame").asDouble(), 1e-9, name + ": every frame runs all K stages");
        }
    }

    @Test
    void forwardOnlyTimesColdAndWarmPasses() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream old = System.out;
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        int code;
        try {
            code = new CommandLine(new Main()).execute("bench", "--forward-only", "--size", "256x128", "--runs", "3");
        } finally {
            System.setOut(old);
        }
        String out = buf.toString(StandardCharsets.UTF_8);
        assertEquals(0, code, out);
        assertTrue(out.contains("256x128 = 3 tiles of 128 px"), out);
        assertTrue(out.contains("first frame") && out.contains("first-frame ms/tile by batch size"), out);
    }
}
