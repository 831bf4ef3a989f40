package dev.interir.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class TileGridTest {

    private static FloatImage randomImage(int w, int h, long seed) {
        Random r = new Random(seed);
        float[] px = new float[3 * w * h];
        for (int i = 0; i < px.length; i++) {
            px[i] = r.nextFloat();
        }
        return new FloatImage(px, w, h);
    }

    @Test
    void cuttingAndBlendingUnchangedTilesGivesTheImageBack() {
        for (int[] size : new int[][]{{641, 359}, {128, 128}, {100, 60}, {1280, 720}}) {
            FloatImage img = randomImage(size[0], size[1], 7);
            TileGrid grid = new TileGrid(size[0], size[1], 128, 16);
            float[][] tiles = new float[grid.count()][];
            for (int i = 0; i < tiles.length; i++) {
                tiles[i] = grid.cut(img, i);
            }
            FloatImage back = grid.blend(tiles);
            for (int i = 0; i < img.chw().length; i++) {
                assertEquals(img.chw()[i], back.chw()[i], 1e-5, "pixel " + i + " of " + size[0] + "x" + size[1]);
            }
        }
    }

    @Test
    void rectangularTilesGiveTheImageBackToo() {
        for (int[] size : new int[][]{{640, 360}, {320, 240}, {1281, 719}}) {
            FloatImage img = randomImage(size[0], size[1], 11);
            TileGrid grid = new TileGrid(size[0], size[1], 184, 328, 8);
            float[][] tiles = new float[grid.count()][];
            for (int i = 0; i < tiles.length; i++) {
                tiles[i] = grid.cut(img, i);
                assertEquals(3 * 184 * 328, tiles[i].length);
            }
            FloatImage back = grid.blend(tiles);
            for (int i = 0; i < img.chw().length; i++) {
                assertEquals(img.chw()[i], back.chw()[i], 1e-5, "pixel " + i + " of " + size[0] + "x" + size[1]);
            }
        }
        assertEquals(4, new TileGrid(640, 360, 184, 328, 8).count(), "640x360 in 2 x 2 tiles of 184x328");
    }

    @Test
    void framesAreCutIntoTheFewestTilesOfAtMostTheLongestSide() {
        TileGrid hd = TileGrid.forFrame(640, 360, 128, 368, 8, 4);
        assertEquals(360, hd.tileHeight());
        assertEquals(324, hd.tileWidth());
        assertEquals(2, hd.count());
        TileGrid small = TileGrid.forFrame(100, 60, 128, 368, 8, 4);
        assertEquals(128, small.tileHeight(), "never below the trained tile: a small frame is padded");
        assertEquals(1, small.count());
        TileGrid squares = TileGrid.forFrame(640, 360, 128, 128, 8, 4);
        assertEquals(128, squares.tileWidth());
        assertEquals(18, squares.count());
    }

    @Test
    void overlappingTilesBlendWithoutSeams() {
        // tiles that each add a different constant: in the overlap the output must move smoothly from one to the other
        int w = 256;
        int h = 128;
        TileGrid grid = new TileGrid(w, h, 128, 32);
        FloatImage zero = FloatImage.blank(w, h);
        float[][] tiles = new float[grid.count()][];
        for (int i = 0; i < tiles.length; i++) {
            tiles[i] = grid.cut(zero, i);
            java.util.Arrays.fill(tiles[i], i);
        }
        FloatImage out = grid.blend(tiles);
        float maxStep = 0;
        for (int x = 1; x < w; x++) {
            maxStep = Math.max(maxStep, Math.abs(out.chw()[64 * w + x] - out.chw()[64 * w + x - 1]));
        }
        assertTrue(grid.count() >= 2);
        assertTrue(maxStep < 0.1f, "a step of " + maxStep + " between neighbouring pixels is a seam");
        assertEquals(0f, out.chw()[64 * w], 1e-6);
        assertEquals(grid.count() - 1, out.chw()[64 * w + w - 1], 1e-6);
    }
}
