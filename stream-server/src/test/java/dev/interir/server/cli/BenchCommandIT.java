package dev.interir.server.cli;

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
class BenchCommandIT {

    /** Each configuration starts a service, which warms the model up for every batch size: --batch 2 keeps that short. */
    @Test
    void benchRunsEveryConfigurationOnATinyClipAndWritesJson(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("bench.json");
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream old = System.out;
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        int code;
        try {
            code = new CommandLine(new Main()).execute("bench", "--size", "128x96", "--streams", "2", "--fps", "10",
                    "--seconds", "1.5", "--warmup", "1", "--batch", "2", "--markdown", "--json", json.toString());
        } finally {
            System.setOut(old);
        }
        String out = buf.toString(StandardCharsets.UTF_8);
        assertEquals(0, code, out);
        JsonNode rows = new ObjectMapper().readTree(json.toFile()).get("results");
        assertEquals(6, rows.size(), "unwatched, watched, watched with extras, on-demand demo; unbatched/batched");
        for (JsonNode row : rows) {
            String name = row.get("configuration").asText();
            if (!row.get("viewers").asBoolean()) {
                assertEquals(0, row.get("frames").asInt(), name + ": nobody watches, nothing is restored");
                continue;
            }
            assertTrue(row.get("frames").asInt() > 0, name + " restored no frame");
            assertTrue(row.get("deliveredFpsPerStream").asDouble() > 0, name + ": the viewer received no frame");
            assertTrue(row.get("latencyP50Ms").asDouble() > 0, name);
            assertNotNull(row.get("psnr"), name + ": the bundled clip has a clean version");
            assertEquals(4.0, row.get("stagesPerFrame").asDouble(), 1e-9, name + ": every frame runs all K stages");
            for (String stage : new String[]{"decode", "colour", "tiling", "forward", "blend", "jpeg"}) {
                assertTrue(row.get("msPerFrame").get(stage).asDouble() > 0, name + ": no time in " + stage);
            }
            assertTrue(row.get("cpuUserCores").asDouble() > 0, name);
        }
        assertTrue(rows.get(2).get("msPerFrame").get("h264").asDouble() > 0, "HLS was asked for: the encoder ran");
        assertEquals(0.0, rows.get(1).get("msPerFrame").get("h264").asDouble(), 1e-9, "nobody asked for HLS: no encoding");
        assertTrue(out.contains("| configuration | fps restored (per stream) | fps at the viewer |"), out);
    }

    @Test
    void forwardOnlyTimesColdAndWarmPasses() {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream old = System.out;
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        int code;
        try {
            code = new CommandLine(new Main()).execute("bench", "--forward-only", "--size", "256x128", "--runs", "3", "--sweep", "2");
        } finally {
            System.setOut(old);
        }
        String out = buf.toString(StandardCharsets.UTF_8);
        assertEquals(0, code, out);
        assertTrue(out.contains("256x128 = 1 tile of 128x256 px"), out);
        assertTrue(out.contains("first frame") && out.contains("first-frame ms/tile by batch size"), out);
    }
}
