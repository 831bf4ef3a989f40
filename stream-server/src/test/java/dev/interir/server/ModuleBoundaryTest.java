package dev.interir.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * What ARCHITECTURE.md allows stream-server of the model module, checked on the sources: everything else reaches
 * the model through pipeline.
 */
class ModuleBoundaryTest {
    private static final Path SOURCES = Path.of(System.getProperty("basedir", "."), "src", "main", "java");
    private static final Pattern MODEL_IMPORT = Pattern.compile("^import (dev\\.interir\\.model\\.\\w+);", Pattern.MULTILINE);

    /** Loading the network (and closing it), restoring still images in `restore`, timing it in `bench --forward-only`. */
    private static final Map<String, Set<String>> ALLOWED = Map.of(
            "dev/interir/server/ModelLoader.java", Set.of("dev.interir.model.DjlRestorer"),
            "dev/interir/server/InterirService.java", Set.of("dev.interir.model.DjlRestorer"),
            "dev/interir/server/cli/BenchCommand.java", Set.of("dev.interir.model.DjlRestorer"),
            "dev/interir/server/cli/RestoreCommand.java", Set.of("dev.interir.model.DjlRestorer",
                    "dev.interir.model.FrameRestorer", "dev.interir.model.RestoredImage"),
            "dev/interir/server/bench/ForwardBench.java", Set.of("dev.interir.model.Restorer",
                    "dev.interir.model.TileBatchResult", "dev.interir.model.TileGrid"));

    @Test
    void streamServerUsesTheModelOnlyWhereTheArchitectureSays() throws Exception {
        Map<String, Set<String>> found = new TreeMap<>();
        try (Stream<Path> files = Files.walk(SOURCES)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                Matcher m = MODEL_IMPORT.matcher(Files.readString(f));
                Set<String> imports = new TreeSet<>();
                while (m.find()) {
                    imports.add(m.group(1));
                }
                if (!imports.isEmpty()) {
                    found.put(SOURCES.relativize(f).toString().replace('\\', '/'), imports);
                }
            }
        }
        Map<String, Set<String>> allowed = new TreeMap<>();
        ALLOWED.forEach((k, v) -> allowed.put(k, new TreeSet<>(v)));
        assertEquals(allowed, found, "model imports in stream-server (update ARCHITECTURE.md with this list)");
    }
}
