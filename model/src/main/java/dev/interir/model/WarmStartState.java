package dev.interir.model;

/**
 * The ISN state each tile of one image sequence reached on its last frame: the warm start of the next frame.
 * It belongs to one stream; {@link #reset()} on a scene cut, a resolution change, a reconnect or a seek.
 */
public final class WarmStartState {
    private TileGrid grid;
    private float[][] tileStates;

    float[][] statesFor(TileGrid current) {
        return current == grid ? tileStates : null;
    }

    void remember(TileGrid current, float[][] states) {
        this.grid = current;
        this.tileStates = states;
    }

    TileGrid grid() {
        return grid;
    }

    public void reset() {
        grid = null;
        tileStates = null;
    }

    public boolean isEmpty() {
        return tileStates == null;
    }
}
