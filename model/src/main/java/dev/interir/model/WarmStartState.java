package dev.interir.model;

/**
 * The per-tile state one image sequence reached on its last frame (for the temporal network: each tile's restored
 * output), which the next frame of the sequence starts from. It belongs to one sequence; {@link #reset()} on a
 * scene cut, a resolution change, a reconnect, a seek or a pause.
 */
public final class WarmStartState {
    private TileGrid grid;
    private float[][] states;

    boolean matches(TileGrid current) {
        return grid == current && states != null;
    }

    TileGrid grid() {
        return grid;
    }

    float[] state(int tile) {
        return states[tile];
    }

    void remember(TileGrid current, float[][] tileStates) {
        this.grid = current;
        this.states = tileStates;
    }

    public void reset() {
        grid = null;
        states = null;
    }

    public boolean isEmpty() {
        return states == null;
    }
}
