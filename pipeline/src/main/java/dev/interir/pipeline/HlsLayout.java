package dev.interir.pipeline;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * Where the HLS files of each stream lie: one folder per stream id under {@code root}, holding {@code index.m3u8}
 * and its segments {@code seg_NNNNN.ts}. The encoder writes this layout and the HTTP routes serve it, so both read
 * it from here.
 */
public record HlsLayout(Path root) {
    public static final String PLAYLIST = "index.m3u8";
    /** FFmpeg's pattern for the segment names (its {@code hls_segment_filename}). */
    private static final String SEGMENT_PATTERN = "seg_%05d.ts";
    private static final Pattern FILE_NAME = Pattern.compile(Pattern.quote(PLAYLIST) + "|seg_[0-9]{5}\\.ts");

    public Path dir(String streamId) {
        return root.resolve(streamId);
    }

    public Path playlist(String streamId) {
        return dir(streamId).resolve(PLAYLIST);
    }

    Path segmentPattern(String streamId) {
        return dir(streamId).resolve(SEGMENT_PATTERN);
    }

    /** Whether the stream's playlist exists yet (players asking earlier get a 404). */
    public boolean ready(String streamId) {
        return Files.isRegularFile(playlist(streamId));
    }

    /**
     * The path of a file of the stream's folder, or null when {@code name} is neither the playlist nor a segment
     * name: nothing else of the disk can be reached through a name.
     */
    public Path file(String streamId, String name) {
        return FILE_NAME.matcher(name).matches() ? dir(streamId).resolve(name) : null;
    }

    public static boolean isPlaylist(String name) {
        return PLAYLIST.equals(name);
    }
}
