package dev.interir.model;

/**
 * Output of one forward pass over a batch of same-shape tiles; index i of every array is tile i.
 *
 * @param images    restored tiles, CHW floats in [0,1]
 * @param states    ISN state per tile (U, Lambda, L, R packed), the warm start of the next frame's tile
 * @param residuals ||F_k|| per stage run, per tile
 * @param routing   explainable-convolution routing weights pi per tile
 */
public record TileBatchResult(float[][] images, float[][] states, float[][] residuals, float[][] routing) {
}
