package dev.interir.pipeline;

import dev.interir.model.FrameRestorer;
import dev.interir.model.Restorer;

/**
 * The pipeline's knobs; stream-server fills them from the config file (defaults documented there).
 *
 * @param tile              smallest tile side in pixels (a multiple of the model's scale)
 * @param maxTile           longest tile side in pixels: frames are cut into the fewest tiles of at most this side
 *                          ({@link dev.interir.model.TileGrid#side}); tile or less: tile x tile squares
 * @param overlap           overlap of neighbouring tiles in pixels, blended so no seam shows
 * @param maxBatch          most tiles in one forward pass
 * @param batchStreams      put the tiles of several streams' frames into the same forward passes
 * @param batchDeadlineMs   once one stream's frame is ready, how long to wait for the other live streams' frames
 * @param temporal          pass each tile's state on to the sequence's next frame (a temporal network averages
 *                          its earlier frames); false restores every frame on its own
 * @param sceneCutThreshold mean absolute change of a frame's coarse luma above which its warm start is reset
 * @param slotCapacity      frames waiting per stream; live sources drop the oldest beyond it
 * @param maxFramePixels    frames larger than this are refused (their stream fails with a message)
 * @param maxStreams        most streams at once
 * @param idleSeconds       a stream nobody has watched (WebSocket) or asked for (HLS) this long stops restoring
 *                          (see {@link Demand})
 */
public record PipelineSettings(int tile, int maxTile, int overlap, int maxBatch, boolean batchStreams, int batchDeadlineMs,
                               boolean temporal, float sceneCutThreshold, int slotCapacity,
                               long maxFramePixels, int maxStreams, int idleSeconds) {

    /** The model's frame restorer with these tiles and batches: the one the live streams and the file jobs share. */
    public FrameRestorer frameRestorer(Restorer restorer) {
        return new FrameRestorer(restorer, tile, maxTile, overlap, maxBatch);
    }
}
