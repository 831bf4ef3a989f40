package dev.interir.model;

/**
 * What each tile of one image sequence reached on its last frame: its ISN state (the warm start of the next
 * frame), its input and output (so a tile whose input has not changed can reuse its output), and the coarse
 * content it had when it last ran a stage, with the frames it has stayed still since (see {@link TileReuse}), and
 * its warm age: the frames since it last started cold.
 * It belongs to one sequence; {@link #reset()} on a scene cut, a resolution change, a reconnect or a seek.
 */
public final class WarmStartState {
    private TileGrid grid;
    private float[][] states;
    private float[][] inputs;
    private float[][] outputs;
    private float[][] coarse;
    private int[] stillFrames;
    private int[] warmAges;

    boolean matches(TileGrid current) {
        return grid == current && states != null;
    }

    TileGrid grid() {
        return grid;
    }

    float[] state(int tile) {
        return states[tile];
    }

    float[] input(int tile) {
        return inputs[tile];
    }

    float[] output(int tile) {
        return outputs[tile];
    }

    float[] coarse(int tile) {
        return coarse[tile];
    }

    int stillFrames(int tile) {
        return stillFrames[tile];
    }

    int warmAge(int tile) {
        return warmAges[tile];
    }

    void remember(TileGrid current, float[][] tileStates, float[][] tileInputs, float[][] tileOutputs,
                  float[][] tileCoarse, int[] tileStillFrames, int[] tileWarmAges) {
        this.grid = current;
        this.states = tileStates;
        this.inputs = tileInputs;
        this.outputs = tileOutputs;
        this.coarse = tileCoarse;
        this.stillFrames = tileStillFrames;
        this.warmAges = tileWarmAges;
    }

    public void reset() {
        grid = null;
        states = null;
        inputs = null;
        outputs = null;
        coarse = null;
        stillFrames = null;
        warmAges = null;
    }

    public boolean isEmpty() {
        return states == null;
    }
}
