package dev.interir.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import dev.interir.model.DjlRestorer;
import dev.interir.model.FrameRestorer;
import dev.interir.model.TileReuse;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The live path end to end with the bundled model: a fixed, noisy view played like a camera. Frames reach the
 * sink in order (delivery runs on its own thread), and once warm most tiles are still: the view does not move,
 * only its noise does.
 */
class LiveRestoreTest {

    @Test
    void aNoisyFixedViewIsDeliveredInOrderWithStillTiles(@TempDir Path dir) throws Exception {
        Path clip = dir.resolve("fixed.mkv");
        // a static test pattern with fresh sensor-like noise in every frame, 10 fps, 4 s
        Process ff = new ProcessBuilder("ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i",
                "testsrc2=size=256x192:rate=10,trim=end_frame=1,loop=loop=-1:size=1,noise=alls=20:allf=t,trim=duration=4",
                "-c:v", "ffv1", clip.toString()).inheritIO().start();
        assertTrue(ff.waitFor(60, TimeUnit.SECONDS) && ff.exitValue() == 0, "ffmpeg made the clip");

        List<RestoredFrame> got = new CopyOnWriteArrayList<>();
        FrameSink sink = got::add;
        try (DjlRestorer model = DjlRestorer.loadBundled("live", Device.cpu())) {
            TileReuse reuse = new TileReuse(0f, 0.1f, 10);
            PipelineSettings settings = new PipelineSettings(128, 8, 8, true, 10, 1, 0, reuse, 0.12f, 2,
                    Long.MAX_VALUE, 4);
            try (StreamRegistry registry = new StreamRegistry(new FrameRestorer(model, 128, 8, 8, reuse), settings,
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
        RestoredFrame first = got.get(0);
        assertEquals(4.0, first.stats().stagesRun(), 1e-9, "the first frame runs cold");
        long stillFrames = got.stream().skip(1).filter(f -> f.stats().stillTiles() > 0).count();
        assertTrue(stillFrames >= got.size() / 2, "frames with still tiles: " + stillFrames + " of " + got.size());
    }
}
