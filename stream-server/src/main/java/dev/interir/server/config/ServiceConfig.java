package dev.interir.server.config;

import com.fasterxml.jackson.annotation.JsonMerge;
import com.fasterxml.jackson.annotation.OptBoolean;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.interir.pipeline.PipelineSettings;
import dev.interir.pipeline.file.VideoFileRestorer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The service configuration: one tree, read from one YAML file laid over the bundled
 * {@code interir-default.yaml}, which is the only place defaults live (and documents each key).
 */
public final class ServiceConfig {
    public Server server;
    public Model model;
    public Pipeline pipeline;
    public Hls hls;
    public WebSocket websocket;
    public Media media;
    public Jobs jobs;
    public Cluster cluster;
    @JsonMerge(OptBoolean.FALSE) // a file's stream list replaces the default one
    public List<StreamEntry> streams = new ArrayList<>();

    public static final class Server {
        public String host;
        public int port;
        public String token;
    }

    public static final class Model {
        public String variant;
        public String file;
        public int threads;
        public int lanes;
    }

    public static final class Pipeline {
        public int tile;
        public int maxTile;
        public int overlap;
        public int maxBatch;
        public boolean batchStreams;
        public int batchDeadlineMs;
        public boolean temporal;
        public float sceneCutThreshold;
        public int slotCapacity;
        public long maxFramePixels;
        public int maxStreams;
        public int idleSeconds;
    }

    public static final class Hls {
        public String dir;
        public int segmentSeconds;
        public int listSize;
    }

    public static final class WebSocket {
        public int jpegQuality;
        public int maxViewers;
        @JsonMerge(OptBoolean.FALSE) // a file's list replaces the default one
        public List<String> allowedOrigins = new ArrayList<>();
    }

    public static final class Media {
        public String dir;
    }

    public static final class Jobs {
        public int concurrency;
        public String outputDir;
        public long maxUploadMegabytes;
        public long videoBitrate;
        public int maxQueued;
        public int keepFinishedMinutes;
    }

    public static final class Cluster {
        public boolean enabled;
        public String name;
        public String nodeName;
        public String host;
        public int port;
        public int eventBusPort;
        @JsonMerge(OptBoolean.FALSE) // a file's list replaces the default one
        public List<String> members = new ArrayList<>();
        public String kubernetesServiceDns;
        public String httpUrl;
        public int leaseSeconds;
        public int renewMillis;
        public int minMembers;
        public int memberTimeoutSeconds;
        public int historySize;
    }

    public static final class StreamEntry {
        public String id;
        public String source;
        /** watched (default), onDemand or always: see {@link dev.interir.pipeline.Demand.Mode} */
        public String mode;
    }

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    /** Updates nested sections in place, so a file may set a single key of a section. */
    private static final ObjectMapper MERGING = YAML.copy().setDefaultMergeable(true);

    public static ServiceConfig defaults() {
        try (InputStream in = ServiceConfig.class.getResourceAsStream("/interir-default.yaml")) {
            return YAML.readValue(in, ServiceConfig.class);
        } catch (IOException e) {
            throw new UncheckedIOException("bundled default config is unreadable", e);
        }
    }

    /** The defaults, then {@code file} (may be null), then the environment; lists (streams) are replaced. */
    public static ServiceConfig load(Path file, Map<String, String> env) {
        ServiceConfig cfg = file == null ? defaults() : load(file);
        ObjectNode overrides = YAML.createObjectNode();
        for (Map.Entry<String, String> e : env.entrySet()) {
            String name = e.getKey();
            if (!name.startsWith("INTERIR_") || name.equals("INTERIR_TOKEN") || name.startsWith("INTERIR_LOG_")) {
                continue;
            }
            String[] parts = name.substring("INTERIR_".length()).toLowerCase(Locale.ROOT).split("_", 2);
            if (parts.length < 2) {
                throw new IllegalArgumentException("environment variable " + name + " names no key: use INTERIR_<SECTION>_<KEY>");
            }
            try {
                overrides.with(parts[0]).set(camelCase(parts[1]), YAML.readTree(e.getValue()));
            } catch (JsonProcessingException ex) {
                throw new IllegalArgumentException("environment variable " + name + ": not a value: " + e.getValue());
            }
        }
        String token = env.get("INTERIR_TOKEN");
        if (token != null && !token.isBlank()) {
            overrides.with("server").put("token", token);
        }
        try {
            return MERGING.readerForUpdating(cfg).readValue(overrides);
        } catch (IOException e) {
            throw new IllegalArgumentException("bad environment override: " + e.getMessage());
        }
    }

    private static String camelCase(String snake) {
        StringBuilder b = new StringBuilder();
        boolean upper = false;
        for (char c : snake.toCharArray()) {
            if (c == '_') {
                upper = true;
            } else {
                b.append(upper ? Character.toUpperCase(c) : c);
                upper = false;
            }
        }
        return b.toString();
    }

    /** The defaults with the keys of {@code file} laid over them; lists (streams) are replaced, not merged. */
    public static ServiceConfig load(Path file) {
        ServiceConfig cfg = defaults();
        try {
            return MERGING.readerForUpdating(cfg).readValue(file.toFile());
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("bad config " + file + ": " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read config " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * The pipeline's settings: tile and maxTile 0 take the model's, overlap -1 the model's overlap (at most half a
     * tile, so a smaller tile still has room for it).
     */
    public PipelineSettings pipelineSettings(int modelTile, int modelMaxTile, int modelOverlap) {
        int tile = pipeline.tile > 0 ? pipeline.tile : modelTile;
        return new PipelineSettings(
                tile, pipeline.maxTile > 0 ? pipeline.maxTile : modelMaxTile,
                pipeline.overlap >= 0 ? pipeline.overlap : Math.min(modelOverlap, tile / 2),
                pipeline.maxBatch, pipeline.batchStreams, pipeline.batchDeadlineMs, pipeline.temporal,
                pipeline.sceneCutThreshold, pipeline.slotCapacity,
                pipeline.maxFramePixels, pipeline.maxStreams, pipeline.idleSeconds);
    }

    /** The encoder settings of video-file jobs: the defaults with the keys the config has. */
    public VideoFileRestorer.Options jobOptions() {
        return VideoFileRestorer.Options.defaults().withBitrate(jobs.videoBitrate)
                .withMaxFramePixels(pipeline.maxFramePixels);
    }
}
