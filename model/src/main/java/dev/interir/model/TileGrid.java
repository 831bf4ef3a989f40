package dev.interir.model;

import java.util.ArrayList;
import java.util.List;

/**
 * Where the square tiles of a frame lie, and how to cut and blend them. Neighbouring tiles overlap; their
 * outputs are blended with a linear ramp across the overlap so no seam shows. Frames smaller than a tile
 * are padded by edge replication.
 */
public final class TileGrid {
    private final int width;
    private final int height;
    private final int tile;
    private final int overlap;
    private final List<int[]> origins; // {x0, y0}
    private final float[] ramp;        // blending weight along one tile side

    public TileGrid(int width, int height, int tile, int overlap) {
        if (tile <= 0 || overlap < 0 || overlap >= tile) {
            throw new IllegalArgumentException("bad tile/overlap " + tile + "/" + overlap);
        }
        this.width = width;
        this.height = height;
        this.tile = tile;
        this.overlap = overlap;
        this.origins = new ArrayList<>();
        for (int y : starts(height)) {
            for (int x : starts(width)) {
                origins.add(new int[]{x, y});
            }
        }
        this.ramp = new float[tile];
        for (int i = 0; i < tile; i++) {
            float edge = Math.min(i + 0.5f, tile - i - 0.5f);
            ramp[i] = overlap == 0 ? 1f : Math.min(1f, edge / overlap);
        }
    }

    private List<Integer> starts(int side) {
        List<Integer> s = new ArrayList<>();
        if (side <= tile) {
            s.add(0);
            return s;
        }
        int stride = tile - overlap;
        for (int p = 0; ; p += stride) {
            if (p + tile >= side) {
                s.add(side - tile); // last tile flush with the far edge
                break;
            }
            s.add(p);
        }
        return s;
    }

    public int count() {
        return origins.size();
    }

    public int tile() {
        return tile;
    }

    /** {x0, y0} of tile i: where it lies in the frame. */
    int[] origin(int i) {
        return origins.get(i).clone();
    }

    /** The blending weight along one tile side at offset i (1 inside, falling linearly across the overlap). */
    float ramp(int i) {
        return ramp[i];
    }

    public boolean sameGeometry(int w, int h, int t, int o) {
        return w == width && h == height && t == tile && o == overlap;
    }

    /** Cuts tile i out of the image (CHW), replicating edges where the tile exceeds the frame. */
    public float[] cut(FloatImage img, int i) {
        int[] o = origins.get(i);
        float[] out = new float[3 * tile * tile];
        int plane = width * height;
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < tile; y++) {
                int sy = Math.min(o[1] + y, height - 1);
                int src = c * plane + sy * width;
                int dst = (c * tile + y) * tile;
                for (int x = 0; x < tile; x++) {
                    out[dst + x] = img.chw()[src + Math.min(o[0] + x, width - 1)];
                }
            }
        }
        return out;
    }

    /** Blends restored tiles back into one image. */
    public FloatImage blend(float[][] tiles) {
        float[] acc = new float[3 * width * height];
        float[] weight = new float[width * height];
        int plane = width * height;
        for (int i = 0; i < tiles.length; i++) {
            int[] o = origins.get(i);
            int h = Math.min(tile, height - o[1]);
            int w = Math.min(tile, width - o[0]);
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    float wgt = ramp[y] * ramp[x];
                    int p = (o[1] + y) * width + o[0] + x;
                    weight[p] += wgt;
                    int t = y * tile + x;
                    acc[p] += wgt * tiles[i][t];
                    acc[plane + p] += wgt * tiles[i][tile * tile + t];
                    acc[2 * plane + p] += wgt * tiles[i][2 * tile * tile + t];
                }
            }
        }
        for (int p = 0; p < plane; p++) {
            float inv = 1f / weight[p];
            acc[p] *= inv;
            acc[plane + p] *= inv;
            acc[2 * plane + p] *= inv;
        }
        return new FloatImage(acc, width, height);
    }
}
