package dev.interir.model;

/**
 * What each tile of one image sequence reached on its last frame: its ISN state (the warm start of the next
 * frame), and its input and output (so a tile whose input has not changed can reuse its output).
 * It belongs to one sequence; {@link #reset()} on a scene cut, a resolution change, a reconnect or a seek.
 */
public final class WarmStartState {
    private TileGrid grid;
    private float[][] states;
    private float[][] inputs;
    private float[][] outputs;

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

    void remember(TileGrid current, float[][] tileStates, float[][] tileInputs, float[][] tileOutputs) {
        this.grid = current;
        this.states = tileStates;
        this.inputs = tileInputs;
        this.outputs = tileOutputs;
    }

    public void reset() {
        grid = null;
        states = null;
        inputs = null;
        outputs = null;
    }

    public boolean isEmpty() {
        return states == null;
    }
}
