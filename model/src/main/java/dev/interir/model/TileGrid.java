package dev.interir.model;

import java.util.ArrayList;
import java.util.List;

/**
 * Where the tiles of a frame lie, and how to cut and blend them. Tiles are {@code tileHeight x tileWidth}; neighbouring
 * tiles overlap, and their outputs are blended with a linear ramp across the overlap so no seam shows. Frames smaller
 * than a tile are padded by edge replication.
 */
public final class TileGrid {
    private final int width;
    private final int height;
    private final int tileHeight;
    private final int tileWidth;
    private final int overlap;
    private final List<int[]> origins; // {x0, y0}
    private final float[] rampY;       // blending weight down a tile
    private final float[] rampX;       // blending weight across a tile

    /** Square tiles. */
    public TileGrid(int width, int height, int tile, int overlap) {
        this(width, height, tile, tile, overlap);
    }

    public TileGrid(int width, int height, int tileHeight, int tileWidth, int overlap) {
        if (tileHeight <= 0 || tileWidth <= 0 || overlap < 0 || overlap >= Math.min(tileHeight, tileWidth)) {
            throw new IllegalArgumentException("bad tile/overlap " + tileHeight + "x" + tileWidth + "/" + overlap);
        }
        this.width = width;
        this.height = height;
        this.tileHeight = tileHeight;
        this.tileWidth = tileWidth;
        this.overlap = overlap;
        this.origins = new ArrayList<>();
        for (int y : starts(height, tileHeight)) {
            for (int x : starts(width, tileWidth)) {
                origins.add(new int[]{x, y});
            }
        }
        this.rampY = ramp(tileHeight, overlap);
        this.rampX = ramp(tileWidth, overlap);
    }

    /**
     * The grid the service cuts a frame into: tiles of {@link #side} along each axis.
     *
     * @param tile    the side the network was trained on: no tile is smaller (a smaller frame is padded)
     * @param maxTile the longest tile side
     * @param step    what tile sides must be multiples of ({@link ModelInfo#tileStep()})
     */
    public static TileGrid forFrame(int width, int height, int tile, int maxTile, int overlap, int step) {
        return new TileGrid(width, height, side(height, tile, overlap, maxTile, step),
                side(width, tile, overlap, maxTile, step), overlap);
    }

    /**
     * The tiles' side along a frame side of n pixels: the fewest tiles of at most maxTile pixels that cover it with
     * the overlap, evened out and rounded up to a multiple of step, never below the trained tile. Larger tiles restore
     * better than the 128 px the network was trained on: its haze prior and its low-rank stages see more of the view,
     * and fewer tile borders cross it (README, "Quality"). model/python/interir/evaluate.py tile_side is the same rule.
     */
    public static int side(int n, int tile, int overlap, int maxTile, int step) {
        if (maxTile <= tile) {
            return tile;
        }
        int k = Math.max(1, ceilDiv(n - overlap, maxTile - overlap));
        int even = ceilDiv(n + (k - 1) * overlap, k);
        return Math.max(tile, ceilDiv(even, step) * step);
    }

    private static int ceilDiv(int a, int b) {
        return -Math.floorDiv(-a, b);
    }

    private static float[] ramp(int tile, int overlap) {
        float[] r = new float[tile];
        for (int i = 0; i < tile; i++) {
            float edge = Math.min(i + 0.5f, tile - i - 0.5f);
            r[i] = overlap == 0 ? 1f : Math.min(1f, edge / overlap);
        }
        return r;
    }

    private List<Integer> starts(int side, int tile) {
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

    public int tileHeight() {
        return tileHeight;
    }

    public int tileWidth() {
        return tileWidth;
    }

    /** {x0, y0} of tile i: where it lies in the frame. */
    int[] origin(int i) {
        return origins.get(i).clone();
    }

    /** The blending weight of a tile's pixel (y, x): 1 inside, falling linearly across the overlap. */
    float weight(int y, int x) {
        return rampY[y] * rampX[x];
    }

    public boolean sameGeometry(int w, int h, int th, int tw, int o) {
        return w == width && h == height && th == tileHeight && tw == tileWidth && o == overlap;
    }

    /** Cuts tile i out of the image (CHW), replicating edges where the tile exceeds the frame. */
    public float[] cut(FloatImage img, int i) {
        int[] o = origins.get(i);
        float[] out = new float[3 * tileHeight * tileWidth];
        int plane = width * height;
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < tileHeight; y++) {
                int sy = Math.min(o[1] + y, height - 1);
                int src = c * plane + sy * width;
                int dst = (c * tileHeight + y) * tileWidth;
                for (int x = 0; x < tileWidth; x++) {
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
        int tilePlane = tileHeight * tileWidth;
        for (int i = 0; i < tiles.length; i++) {
            int[] o = origins.get(i);
            int h = Math.min(tileHeight, height - o[1]);
            int w = Math.min(tileWidth, width - o[0]);
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    float wgt = rampY[y] * rampX[x];
                    int p = (o[1] + y) * width + o[0] + x;
                    weight[p] += wgt;
                    int t = y * tileWidth + x;
                    acc[p] += wgt * tiles[i][t];
                    acc[plane + p] += wgt * tiles[i][tilePlane + t];
                    acc[2 * plane + p] += wgt * tiles[i][2 * tilePlane + t];
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
