package dev.interir.model;

/**
 * An RGB image as planar floats in [0,1] (CHW order), the layout the network takes.
 * The model module sees only these, never video frames.
 */
public record FloatImage(float[] chw, int width, int height) {
    public FloatImage {
        if (chw.length != 3 * width * height) {
            throw new IllegalArgumentException("expected " + 3 * width * height + " floats, got " + chw.length);
        }
    }

    public static FloatImage blank(int width, int height) {
        return new FloatImage(new float[3 * width * height], width, height);
    }
}
