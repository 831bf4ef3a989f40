package dev.interir.pipeline;

/**
 * The pipeline's knobs; stream-server fills them from the config file (defaults documented there).
 *
 * @param tile           square tile side in pixels (a multiple of the model's scale)
 * @param overlap        overlap of neighbouring tiles in pixels, blended so no seam shows
 * @param maxBatch       most tiles in one forward pass
 * @param warmStages     ISN stages run from the previous frame's state; 0 restores every frame cold
 * @param slotCapacity   frames waiting per stream; live sources drop the oldest beyond it
 * @param maxFramePixels frames larger than this are refused (their stream fails with a message)
 * @param maxStreams     most streams at once
 */
public record PipelineSettings(int tile, int overlap, int maxBatch, int warmStages, int slotCapacity,
                               long maxFramePixels, int maxStreams) {
}
