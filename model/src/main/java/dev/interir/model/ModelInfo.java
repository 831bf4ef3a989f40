package dev.interir.model;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * What the exported network declares about itself in its JSON sidecar (written by model/python/export.py).
 *
 * @param variant   size variant name, e.g. "live"
 * @param scale     pixel-unshuffle factor s of the tiles and of the state
 * @param stages    number of ISN stages K
 * @param bank      number of kernels in the explainable convolution's bank (length of the routing vector)
 * @param tile      the square tile side the network was trained on, in pixels
 * @param overlap   recommended overlap between neighbouring tiles in pixels
 * @param untrained true when the weights were exported without training
 * @param temporal  true for the video network: its state is a running mean of the tile's earlier frames, which the
 *                  next frame weighs against its own restoration; every call runs all stages. A network that is not temporal restores
 *                  every frame on its own (see {@link FrameRestorer})
 * @param sidecar   the whole sidecar, for reporting (training command, figures)
 */
public record ModelInfo(String variant, int scale, int stages, int bank, int tile, int overlap,
                        boolean untrained, boolean temporal, JsonNode sidecar) {

    static ModelInfo fromSidecar(JsonNode json) {
        return new ModelInfo(
                json.path("variant").asText("unknown"),
                json.path("scale").asInt(4),
                json.path("stages").asInt(4),
                json.path("bank").asInt(0),
                json.path("tile").asInt(128),
                json.path("overlap").asInt(16),
                json.path("untrained").asBoolean(false),
                json.path("temporal").asBoolean(false),
                json);
    }

    /**
     * The longest tile side the service cuts frames into (sidecar "maxTile"; without it, tiles of {@link #tile()}):
     * see {@link TileGrid#side}.
     */
    public int maxTile() {
        return sidecar == null ? tile : Math.max(tile, sidecar.path("maxTile").asInt(tile));
    }

    /**
     * What tile sides must be multiples of: the scale, times two for a network that runs its single-frame pass on
     * half-resolution tiles (sidecar "spatialScale": `export --spatial-scale 2`, docs/model.md).
     */
    public int tileStep() {
        int spatial = sidecar == null ? 1 : Math.max(1, sidecar.path("spatialScale").asInt(1));
        return scale * spatial;
    }
}
