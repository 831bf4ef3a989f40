package dev.interir.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * The Python evaluation (model/python/interir/evaluate.py) cuts and blends frames itself; its figures describe the
 * service only if both tile alike. Both sides check their code against the same table, tiling.json (the Python
 * side in model/python/tests/test_tiling.py).
 */
class TileGridAgreementTest {

    private static JsonNode table() throws IOException {
        try (InputStream in = TileGridAgreementTest.class.getResourceAsStream("/tiling.json")) {
            return new ObjectMapper().readTree(in);
        }
    }

    @Test
    void tilesStartWhereThePythonEvaluationCutsThem() throws IOException {
        for (JsonNode c : table().path("starts")) {
            int side = c.path("side").asInt();
            int tile = c.path("tile").asInt();
            int overlap = c.path("overlap").asInt();
            int[] expected = new int[c.path("starts").size()];
            for (int i = 0; i < expected.length; i++) {
                expected[i] = c.path("starts").get(i).asInt();
            }
            // a frame side x 1 (one row of tiles) gives the starts along x
            TileGrid grid = new TileGrid(side, 1, tile, overlap);
            int[] xs = new int[grid.count()];
            for (int i = 0; i < xs.length; i++) {
                xs[i] = grid.origin(i)[0];
            }
            assertArrayEquals(expected, xs, "starts for side " + side + ", tile " + tile + ", overlap " + overlap
                    + ": " + Arrays.toString(xs));
        }
    }

    @Test
    void tileSidesFollowThePythonEvaluationsRule() throws IOException {
        for (JsonNode c : table().path("sides")) {
            assertEquals(c.path("side").asInt(), TileGrid.side(c.path("n").asInt(), c.path("tile").asInt(),
                    c.path("overlap").asInt(), c.path("maxTile").asInt(), c.path("step").asInt()), c.toString());
        }
    }

    @Test
    void tilesBlendWithThePythonEvaluationsRamp() throws IOException {
        JsonNode ramp = table().path("ramp16_4");
        TileGrid grid = new TileGrid(64, 64, 16, 4);
        for (int i = 0; i < ramp.size(); i++) {
            assertEquals(ramp.get(i).asDouble(), grid.weight(i, 8), 1e-6, "ramp at " + i);
        }
    }
}
