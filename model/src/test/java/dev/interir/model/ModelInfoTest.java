package dev.interir.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class ModelInfoTest {
    /** The longest tile side comes from the sidecar's maxTile; an older sidecar without it means tile x tile squares. */
    @Test
    void theLongestTileSideIsTheSidecarsMaxTileOrTheTile() throws Exception {
        ObjectMapper json = new ObjectMapper();
        ModelInfo large = ModelInfo.fromSidecar(json.readTree("{\"tile\": 128, \"maxTile\": 368}"));
        ModelInfo square = ModelInfo.fromSidecar(json.readTree("{\"tile\": 128}"));
        assertEquals(368, large.maxTile());
        assertEquals(128, square.maxTile());
    }

    /**
     * A network exported with {@code --spatial-scale 2} runs its single-frame pass on tiles averaged down by two, so
     * their sides must be multiples of twice its scale; a tile it cannot take is refused before any frame runs.
     */
    @Test
    void aHalfResolutionSpatialPassDoublesTheTileStep() throws Exception {
        ObjectMapper json = new ObjectMapper();
        ModelInfo plain = ModelInfo.fromSidecar(json.readTree("{\"variant\": \"live\", \"scale\": 4}"));
        ModelInfo half = ModelInfo.fromSidecar(json.readTree(
                "{\"variant\": \"live_fast\", \"scale\": 4, \"spatialScale\": 2, \"temporal\": true}"));
        assertEquals(4, plain.tileStep());
        assertEquals(8, half.tileStep());
        Restorer restorer = new FixedInfoRestorer(half);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new FrameRestorer(restorer, 132, 8, 4));
        assertTrue(e.getMessage().contains("multiple of 8"), e.getMessage());
        new FrameRestorer(restorer, 136, 8, 4);
    }

    /** Only its description is read: a FrameRestorer checks the tile side when it is made. */
    private record FixedInfoRestorer(ModelInfo info) implements Restorer {
        @Override
        public TileBatchResult restore(float[][] tiles, int height, int width, float[][] states, int warmStages) {
            throw new UnsupportedOperationException("not run");
        }

        @Override
        public void close() {
        }
    }
}
