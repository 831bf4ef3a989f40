package dev.interir.server.ops;

import dev.interir.pipeline.FrameSink;
import dev.interir.pipeline.LiveStream;
import dev.interir.pipeline.RestoredFrame;
import dev.interir.pipeline.StageClock;
import dev.interir.pipeline.StreamRegistry;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.bytedeco.javacpp.Pointer;

/**
 * Prometheus metrics at /metrics: per stream (fps in/out, drops, latency histogram, stages run, reconnects), the
 * model (frames per batch, forward time), the JVM, and native memory (process RSS and JavaCPP's allocations,
 * where FFmpeg/OpenCV buffers live; libtorch's show in the RSS).
 */
public final class ServiceMetrics {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

    public ServiceMetrics() {
        new JvmMemoryMetrics().bindTo(registry);
        new JvmGcMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        Gauge.builder("interir.process.resident.memory", ServiceMetrics::residentBytes).baseUnit("bytes")
                .description("Resident set size of the whole process (Java heap, libtorch, FFmpeg)").register(registry);
        Gauge.builder("interir.javacpp.physical.memory", Pointer::physicalBytes).baseUnit("bytes")
                .description("Physical memory as JavaCPP sees it").register(registry);
        Gauge.builder("interir.javacpp.allocated.memory", Pointer::totalBytes).baseUnit("bytes")
                .description("Native memory allocated through JavaCPP (FFmpeg/OpenCV buffers)").register(registry);
    }

    /** The gauges that read the stream set and the inference thread. */
    public void watch(StreamRegistry streams) {
        Gauge.builder("interir.streams", streams, s -> s.list().size()).description("Streams configured").register(registry);
        Gauge.builder("interir.model.batch.frames", streams, StreamRegistry::lastBatchFrames)
                .description("Frames restored together in the latest forward round").register(registry);
        Map<StageClock.Stage, Timer> stages = new EnumMap<>(StageClock.Stage.class);
        for (StageClock.Stage s : StageClock.Stage.values()) {
            stages.put(s, Timer.builder("interir.stage").tag("stage", s.label())
                    .description("Time per frame in each stage of the engine, all streams (decode: the grab thread's CPU time)")
                    .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1))
                    .maximumExpectedValue(Duration.ofSeconds(5)).register(registry));
        }
        streams.stageClock().listener((s, nanos) -> stages.get(s).record(nanos, TimeUnit.NANOSECONDS));
    }

    /** Registers the stream's meters; the returned sink records per-frame figures and removes them on close. */
    public FrameSink track(LiveStream stream) {
        Tags tags = Tags.of("stream", stream.id());
        Gauge.builder("interir.stream.fps.out", stream, s -> s.snapshot().fps()).tags(tags)
                .description("Restored frames per second").register(registry);
        Gauge.builder("interir.stream.fps.source", stream, LiveStream::sourceFps).tags(tags)
                .description("The source's nominal frame rate").register(registry);
        FunctionCounter.builder("interir.stream.frames.in", stream, s -> s.snapshot().framesIn()).tags(tags).register(registry);
        FunctionCounter.builder("interir.stream.frames.out", stream, s -> s.snapshot().framesOut()).tags(tags).register(registry);
        FunctionCounter.builder("interir.stream.frames.dropped", stream, s -> s.snapshot().dropped()).tags(tags).register(registry);
        FunctionCounter.builder("interir.stream.reconnects", stream, s -> s.snapshot().reconnects()).tags(tags).register(registry);
        Timer latency = Timer.builder("interir.stream.latency").tags(tags).description("Grab to restored")
                .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(5))
                .maximumExpectedValue(Duration.ofSeconds(10)).register(registry);
        DistributionSummary stages = DistributionSummary.builder("interir.stream.stages").tags(tags)
                .description("ISN stages run per tile").register(registry);
        Timer forward = Timer.builder("interir.model.forward").tags(tags)
                .description("This stream's share of forward-pass time per frame").register(registry);
        return new FrameSink() {
            @Override
            public void accept(RestoredFrame f) {
                latency.record(f.doneNanos() - f.original().grabNanos(), TimeUnit.NANOSECONDS);
                stages.record(f.stats().stagesRun());
                forward.record(f.stats().forwardNanos(), TimeUnit.NANOSECONDS);
            }

            @Override
            public void close() {
                for (Meter m : registry.getMeters()) {
                    if (stream.id().equals(m.getId().getTag("stream"))) {
                        registry.remove(m);
                    }
                }
            }
        };
    }

    /** For other parts' meters (the cluster's). */
    public io.micrometer.core.instrument.MeterRegistry meters() {
        return registry;
    }

    public String scrape() {
        return registry.scrape();
    }

    private static double residentBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Double.parseDouble(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return Double.NaN;
        }
        return Double.NaN;
    }
}
