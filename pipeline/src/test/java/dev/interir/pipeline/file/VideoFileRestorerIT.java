package dev.interir.pipeline.file;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import dev.interir.model.DjlRestorer;
import dev.interir.model.FrameRestorer;
import dev.interir.pipeline.SingleThreadRestorer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real files made here with the ffmpeg CLI, restored with the bundled model, checked with ffprobe.
 * Clips are tiny (128x96 or 160x120, 10 fps, 1-3 s); the model runs where it matters (audio, VFR), an identity
 * restorer where only containers and errors are checked, to keep the suite fast on 2 cores.
 */
class VideoFileRestorerIT {
    @TempDir
    static Path tmp;

    private static DjlRestorer model;
    private static SingleThreadRestorer shared;
    private static VideoFileRestorer files;
    /** Returns the frame as it is: for the tests about containers and errors, where the network adds only time. */
    private static final VideoFileRestorer identity = new VideoFileRestorer(
            (frame, warm) -> java.util.concurrent.CompletableFuture.completedFuture(
                    new dev.interir.model.RestoredImage(frame, false, 0, new float[0], new float[0], 1, 0)),
            VideoFileRestorer.Options.defaults());

    @BeforeAll
    static void load() {
        model = DjlRestorer.loadBundled("live", Device.cpu());
        shared = new SingleThreadRestorer(new FrameRestorer(model), true);
        files = new VideoFileRestorer(shared, VideoFileRestorer.Options.defaults());
    }

    @AfterAll
    static void close() {
        shared.close();
        model.close();
    }

    @Test
    void keepsFramesDurationAndAudioAndCleansAStalePartial() throws Exception {
        Path in = tmp.resolve("with-audio.mp4");
        ffmpeg("-f", "lavfi", "-i", "testsrc2=size=128x96:rate=10", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=44100",
                "-t", "1", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "64k", in.toString());
        Path outDir = Files.createDirectories(tmp.resolve("out1"));
        Path target = outDir.resolve(VideoFileRestorer.outputName(in));
        Path stale = PartialFile.of(target);
        Files.writeString(stale, "left by a killed run"); // looks like a crash: must be removed, not kept

        List<VideoFileRestorer.Progress> seen = new ArrayList<>();
        VideoFileRestorer.Result r = files.restore(in, target, seen::add, () -> false);

        assertEquals(10, r.frames());
        assertEquals(1, r.audioStreams());
        assertEquals(10, countFrames(target));
        assertEquals(probe(in, "format=duration"), probe(target, "format=duration"), 0.06, "duration");
        assertEquals("aac", probe(target, "-select_streams", "a", "stream=codec_name").strip());
        assertEquals(probe(in, "-select_streams", "a", "stream=nb_frames").strip(),
                probe(target, "-select_streams", "a", "stream=nb_frames").strip(), "audio packets copied, all of them");
        assertEquals("h264", probe(target, "-select_streams", "v", "stream=codec_name").strip());
        assertEquals("128,96", probe(target, "-select_streams", "v", "stream=width,height").strip().replace("\n", ","));
        assertEquals(10, seen.size());
        assertEquals(10, seen.get(9).framesDone());
        assertEquals(10, seen.get(9).framesTotal());
        assertFalse(Files.exists(stale), "stale partial removed");
        assertEquals(List.of(target), list(outDir), "only the finished file is left");
    }

    @Test
    void variableFrameRateTimestampsSurvive() throws Exception {
        Path in = tmp.resolve("vfr.mkv");
        // 6 frames at 10 fps, then 6 frames at 4 fps
        ffmpeg("-f", "lavfi", "-i", "testsrc2=size=128x96:rate=10", "-frames:v", "12",
                "-vf", "setpts='if(lt(N,6),N/10,0.6+(N-6)/4)/TB'", "-fps_mode", "vfr", "-c:v", "libx264", "-pix_fmt", "yuv420p",
                in.toString());
        Path target = Files.createDirectories(tmp.resolve("out2")).resolve(VideoFileRestorer.outputName(in));
        files.restore(in, target, p -> { }, () -> false);
        double[] want = frameTimes(in);
        double[] got = frameTimes(target);
        assertEquals(12, want.length);
        assertEquals(want.length, got.length, "frame count");
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], got[i], 0.002, "timestamp of frame " + i + ": " + Arrays.toString(got));
        }
    }

    @Test
    void oddSizeIsPaddedToTheNextEvenSize() throws Exception {
        Path in = tmp.resolve("odd.mkv");
        ffmpeg("-f", "lavfi", "-i", "testsrc2=size=642x360:rate=10", "-t", "0.5", "-vf", "format=yuv444p,crop=641:359:0:0",
                "-c:v", "libx264", in.toString());
        Path target = Files.createDirectories(tmp.resolve("out3")).resolve(VideoFileRestorer.outputName(in));
        VideoFileRestorer.Result r = identity.restore(in, target, p -> { }, () -> false);
        assertEquals("641,359", probe(in, "-select_streams", "v", "stream=width,height").strip().replace("\n", ","));
        assertEquals(641, r.width());
        assertEquals("642,360", probe(target, "-select_streams", "v", "stream=width,height").strip().replace("\n", ","));
        assertEquals(5, countFrames(target));
    }

    @Test
    void brokenInputsFailWithAClearMessageAndLeaveNothing() throws Exception {
        Path good = tmp.resolve("good.mp4");
        ffmpeg("-f", "lavfi", "-i", "testsrc2=size=160x120:rate=10", "-f", "lavfi", "-i", "sine", "-t", "2",
                "-c:v", "libx264", "-pix_fmt", "yuv420p", "-c:a", "aac", good.toString());
        byte[] bytes = Files.readAllBytes(good);
        Path cut = tmp.resolve("truncated.mp4"); // moov at the end: the index is gone
        Files.write(cut, Arrays.copyOf(bytes, bytes.length / 2));
        Path fast = tmp.resolve("fast.mp4");
        ffmpeg("-i", good.toString(), "-c", "copy", "-movflags", "+faststart", fast.toString());
        byte[] fb = Files.readAllBytes(fast);
        Path cutFast = tmp.resolve("truncated-faststart.mp4"); // index intact, half the frames missing
        Files.write(cutFast, Arrays.copyOf(fb, fb.length / 2));
        Path audioOnly = tmp.resolve("audio-only.m4a");
        ffmpeg("-f", "lavfi", "-i", "sine", "-t", "1", "-c:a", "aac", audioOnly.toString());
        Path empty = Files.createFile(tmp.resolve("empty.mp4"));
        Path text = tmp.resolve("notes.mp4");
        Files.writeString(text, "this is not a video", StandardCharsets.UTF_8);

        Path outDir = Files.createDirectories(tmp.resolve("out4"));
        String[][] cases = {
                {cut.toString(), "not a readable video"},
                {cutFast.toString(), "ends early"},
                {audioOnly.toString(), "no video stream"},
                {empty.toString(), "empty file"},
                {text.toString(), "not a readable video"},
        };
        for (String[] c : cases) {
            Path in = Path.of(c[0]);
            Path target = outDir.resolve(VideoFileRestorer.outputName(in));
            VideoFileRestorer.VideoFileException e = assertThrows(VideoFileRestorer.VideoFileException.class,
                    () -> identity.restore(in, target, p -> { }, () -> false), in.toString());
            assertTrue(e.getMessage().contains(c[1]), in.getFileName() + ": " + e.getMessage());
        }
        assertEquals(List.of(), list(outDir), "a failed file leaves nothing behind");
        // and a good file after them still works
        Path target = outDir.resolve("good.mp4");
        assertEquals(20, identity.restore(good, target, p -> { }, () -> false).frames());
    }

    @Test
    void cancelStopsAndRemovesThePartialFile() throws Exception {
        Path in = tmp.resolve("long.mp4");
        ffmpeg("-f", "lavfi", "-i", "testsrc2=size=160x120:rate=10", "-t", "3", "-c:v", "libx264", "-pix_fmt", "yuv420p",
                in.toString());
        Path outDir = Files.createDirectories(tmp.resolve("out5"));
        AtomicInteger frames = new AtomicInteger();
        assertThrows(CancellationException.class, () -> identity.restore(in, outDir.resolve("long.mp4"),
                p -> frames.set((int) p.framesDone()), () -> frames.get() >= 3));
        assertEquals(List.of(), list(outDir));
    }

    // ---- helpers

    static void ffmpeg(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("ffmpeg", "-v", "error", "-y"));
        cmd.addAll(List.of(args));
        run(cmd);
    }

    static String run(List<String> cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), String.join(" ", cmd) + "\n" + out);
        return out;
    }

    static String probe(Path f, String... what) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("ffprobe", "-v", "error"));
        for (int i = 0; i < what.length - 1; i++) {
            cmd.add(what[i]);
        }
        cmd.addAll(List.of("-show_entries", what[what.length - 1], "-of", "default=nw=1:nk=1", f.toString()));
        return run(cmd);
    }

    static double probe(Path f, String what) throws Exception {
        return Double.parseDouble(probe(f, new String[] {what}).strip());
    }

    static int countFrames(Path f) throws Exception {
        return Integer.parseInt(probe(f, "-count_frames", "-select_streams", "v", "stream=nb_read_frames").strip());
    }

    static double[] frameTimes(Path f) throws Exception {
        return probe(f, "-select_streams", "v", "frame=best_effort_timestamp_time").lines()
                .filter(l -> !l.isBlank()).mapToDouble(Double::parseDouble).toArray();
    }

    static List<Path> list(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        }
    }
}
