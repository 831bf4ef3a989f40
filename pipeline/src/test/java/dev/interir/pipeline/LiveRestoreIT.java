package dev.interir.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import dev.interir.model.DjlRestorer;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The live path end to end with the bundled model: a fixed, noisy view played like a camera. Frames reach the
 * sink in order (delivery runs on its own thread); every frame runs all stages, and after the first each starts
 * from its predecessor's state exactly when the network is temporal.
 */
class LiveRestoreIT {

    @Test
    void aNoisyFixedViewIsDeliveredInOrderAndCarriesItsStateWhenTheNetworkIsTemporal(@TempDir Path dir) throws Exception {
        Path clip = dir.resolve("fixed.mkv");
        // a static test pattern with fresh sensor-like noise in every frame, 10 fps, 30 s: longer than the test
        // runs, so the file never loops (a loop resets the state, and its first frame is rightly not warm)
        Process ff = new ProcessBuilder("ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i",
                "testsrc2=size=256x192:rate=10,trim=end_frame=1,loop=loop=-1:size=1,noise=alls=20:allf=t,trim=duration=30",
                "-c:v", "ffv1", clip.toString()).inheritIO().start();
        assertTrue(ff.waitFor(60, TimeUnit.SECONDS) && ff.exitValue() == 0, "ffmpeg made the clip");

        List<RestoredFrame> got = new CopyOnWriteArrayList<>();
        boolean temporal;
        FrameSink sink = got::add;
        try (DjlRestorer model = DjlRestorer.loadBundled("live", Device.cpu())) {
            temporal = model.info().temporal();
            PipelineSettings settings = new PipelineSettings(128, 128, 8, 8, true, 10, true, 0.12f, 2, Long.MAX_VALUE, 4, 60);
            try (StreamRegistry registry = new StreamRegistry(settings.frameRestorer(model), settings,
                    s -> List.of(sink))) {
                registry.add("fixed", SourceSpec.parse("file:" + clip).withPlayback(SourceSpec.FilePlayback.BENCHMARK));
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                while (got.size() < 8 && System.nanoTime() < deadline) {
                    Thread.sleep(100);
                }
            }
        }
        assertTrue(got.size() >= 8, "restored frames: " + got.size());
        for (int i = 1; i < got.size(); i++) {
            assertTrue(got.get(i).original().seq() > got.get(i - 1).original().seq(), "frames out of order at " + i);
        }
        assertFalse(got.get(0).stats().warm(), "the first frame has no predecessor");
        for (RestoredFrame f : got) {
            assertEquals(4.0, f.stats().stagesRun(), 1e-9, "every frame runs all stages");
        }
        for (RestoredFrame f : got.subList(1, got.size())) {
            assertEquals(temporal, f.stats().warm(), "frame " + f.original().seq());
        }
    }
}
