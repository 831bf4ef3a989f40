package dev.interir.model;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValue;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the exported TorchScript network through DJL's PyTorch engine.
 * The module's signature is {@code forward(x, state, k) -> (y, state, residuals, routing)}; an empty state
 * means a cold start (see model/python/README.md for the contract).
 */
public final class DjlRestorer implements Restorer {
    private static final Logger LOG = LoggerFactory.getLogger(DjlRestorer.class);

    private final Model model;
    private final PtSymbolBlock block;
    private final ModelInfo info;
    private final Device device;
    /** Owns the input memory (on the CPU, whatever the model's device), for the restorer's life. */
    private final NDManager inputMemory;
    /** The lanes not running a pass now; a pass takes one for its duration (its input memory is the lane's). */
    private final BlockingQueue<Lane> idle;
    private final int lanes;
    private volatile boolean closed;

    /** One pass's input memory: the tiles and the states. */
    private record Lane(InputMemory tiles, InputMemory states) {
    }

    private DjlRestorer(Model model, ModelInfo info, Device device, int lanes) {
        this.model = model;
        this.block = (PtSymbolBlock) model.getBlock();
        this.info = info;
        this.device = device;
        this.lanes = Math.max(1, lanes);
        this.inputMemory = model.getNDManager().newSubManager(Device.cpu());
        this.idle = new ArrayBlockingQueue<>(this.lanes);
        for (int i = 0; i < this.lanes; i++) {
            idle.add(new Lane(new InputMemory(inputMemory), new InputMemory(inputMemory)));
        }
    }

    /** Loads {@code <variant>.pt} and {@code <variant>.json} that ship inside the model jar, with one lane. */
    public static DjlRestorer loadBundled(String variant, Device device) {
        return loadBundled(variant, device, 1);
    }

    /** Loads {@code <variant>.pt} and {@code <variant>.json} that ship inside the model jar. */
    public static DjlRestorer loadBundled(String variant, Device device, int lanes) {
        String base = "/interir/" + variant;
        try (InputStream pt = DjlRestorer.class.getResourceAsStream(base + ".pt");
             InputStream json = DjlRestorer.class.getResourceAsStream(base + ".json")) {
            if (pt == null || json == null) {
                throw new IllegalArgumentException("no bundled model variant '" + variant + "' (looked for " + base + ".pt/.json)");
            }
            Path dir = Files.createTempDirectory("interir-model");
            dir.toFile().deleteOnExit();
            Path ptFile = dir.resolve(variant + ".pt");
            Files.copy(pt, ptFile, StandardCopyOption.REPLACE_EXISTING);
            Files.copy(json, dir.resolve(variant + ".json"), StandardCopyOption.REPLACE_EXISTING);
            ptFile.toFile().deleteOnExit();
            dir.resolve(variant + ".json").toFile().deleteOnExit();
            return load(ptFile, device, lanes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Loads a TorchScript file with one lane; its sidecar is the same name with a .json extension. */
    public static DjlRestorer load(Path ptFile, Device device) {
        return load(ptFile, device, 1);
    }

    /**
     * Loads a TorchScript file; its sidecar is the same name with a .json extension.
     *
     * @param lanes forward passes that may run at once (see {@link Restorer#lanes()})
     */
    public static DjlRestorer load(Path ptFile, Device device, int lanes) {
        String file = ptFile.getFileName().toString();
        String name = file.endsWith(".pt") ? file.substring(0, file.length() - 3) : file;
        Path sidecar = ptFile.resolveSibling(name + ".json");
        try {
            ModelInfo info = ModelInfo.fromSidecar(new ObjectMapper().readTree(sidecar.toFile()));
            Model model = Model.newInstance("interir-" + name, device, "PyTorch");
            model.load(ptFile.getParent(), name);
            LOG.info("loaded InterIR variant '{}' from {} on {} (K={} stages, s={}, tiles {}-{} px, {} lane{}{})",
                    info.variant(), ptFile, device, info.stages(), info.scale(), info.tile(), info.maxTile(), lanes,
                    lanes == 1 ? "" : "s", info.untrained() ? ", UNTRAINED weights" : "");
            return new DjlRestorer(model, info, device, lanes);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read model " + ptFile + ": " + e.getMessage(), e);
        } catch (MalformedModelException e) {
            throw new IllegalArgumentException("not a TorchScript InterIR model: " + ptFile, e);
        }
    }

    @Override
    public ModelInfo info() {
        return info;
    }

    @Override
    public int lanes() {
        return lanes;
    }

    /** One forward pass, in a lane of its own: it waits while every lane runs a pass. */
    @Override
    public TileBatchResult restore(float[][] tiles, int height, int width, float[][] states, int warmStages) {
        if (states != null && states.length != tiles.length) {
            throw new IllegalArgumentException("one state per tile expected");
        }
        Lane lane = takeLane();
        try {
            if (closed) {
                throw new IllegalStateException("the restorer is closed");
            }
            return forward(lane, tiles, height, width, states, warmStages);
        } finally {
            idle.add(lane);
        }
    }

    private Lane takeLane() {
        try {
            return idle.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for a forward pass", e);
        }
    }

    private TileBatchResult forward(Lane lane, float[][] tiles, int height, int width, float[][] states,
                                    int warmStages) {
        int n = tiles.length;
        // everything made in this scope (the tensors over the input memory, the outputs, the contiguous or CPU
        // copies DJL may make to read them) is freed when it closes, not by the garbage collector
        try (NDManager scope = model.getNDManager().newSubManager(device)) {
            PtNDManager manager = (PtNDManager) scope;
            PtNDArray x = wrap(manager, lane.tiles().fill(tiles), new Shape(n, 3, height, width));
            PtNDArray state;
            if (states == null) {
                state = (PtNDArray) manager.zeros(new Shape(0), DataType.FLOAT32);
            } else {
                int perTile = states[0].length;
                int hs = height / info.scale();
                int ws = width / info.scale();
                state = wrap(manager, lane.states().fill(states), new Shape(n, perTile / (hs * ws), hs, ws));
            }
            IValue[] inputs = {IValue.from(x), IValue.from(state), IValue.from((long) warmStages)};
            IValue out = block.forward(inputs);
            try {
                IValue[] parts = out.toIValueTuple();
                try {
                    // read before the scope closes: outputs may share memory with the inputs
                    return new TileBatchResult(
                            read(parts[0].toTensor(manager), n),
                            read(parts[1].toTensor(manager), n),
                            read(parts[2].toTensor(manager), n),
                            read(parts[3].toTensor(manager), n));
                } finally {
                    for (IValue p : parts) {
                        p.close();
                    }
                }
            } finally {
                for (IValue v : inputs) {
                    v.close();
                }
                out.close();
            }
        }
    }

    /**
     * A tensor over {@code data}, which must be a direct buffer: on the CPU DJL hands its address to libtorch's
     * from_blob (no copy; the tensor does not own the memory). Given a heap buffer DJL would copy it into a fresh
     * direct buffer on every call, which only a garbage collection frees. On a GPU libtorch copies it to the device.
     */
    private static PtNDArray wrap(PtNDManager manager, ByteBuffer data, Shape shape) {
        return manager.create(data, shape, DataType.FLOAT32);
    }

    /**
     * The tensor's values, one row per tile, copied straight out of the tensor's memory: toByteBuffer(true) is a
     * view of it (JNI NewDirectByteBuffer: no copy, no JVM direct buffer, valid while the tensor is open), as
     * toFloatArray reads it, without toFloatArray's intermediate array.
     */
    private static float[][] read(PtNDArray tensor, int n) {
        FloatBuffer flat = tensor.getDataType() == DataType.FLOAT32
                ? tensor.toByteBuffer(true).asFloatBuffer()
                : FloatBuffer.wrap(tensor.toFloatArray());
        int per = flat.remaining() / n;
        float[][] rows = new float[n][per];
        for (float[] row : rows) {
            flat.get(row);
        }
        return rows;
    }

    /**
     * Input memory kept from call to call: a flat float tensor that libtorch allocated on the CPU, written through a
     * view of its memory. Neither is a JVM direct buffer, so nothing waits for a garbage collection: growing it for a
     * larger batch closes the smaller tensor, which frees its memory there and then, and {@link #close} frees the
     * last one. Tensors made over it live within one {@link #restore} call only.
     */
    private static final class InputMemory implements AutoCloseable {
        private final NDManager owner;
        private PtNDArray storage;
        private ByteBuffer bytes;

        InputMemory(NDManager owner) {
            this.owner = owner;
        }

        /** Copies the rows one after the other; returns the bytes they fill. */
        ByteBuffer fill(float[][] rows) {
            int per = rows[0].length;
            int floats = Math.multiplyExact(per, rows.length);
            ensure(floats);
            FloatBuffer dst = bytes.asFloatBuffer();
            for (float[] r : rows) {
                if (r.length != per) {
                    throw new IllegalArgumentException("tiles of one batch must share a shape");
                }
                dst.put(r);
            }
            ByteBuffer filled = bytes.duplicate();
            filled.clear().limit(floats * Float.BYTES);
            return filled;
        }

        private void ensure(int floats) {
            long size = (long) floats * Float.BYTES;
            if (bytes != null && bytes.capacity() >= size) {
                return;
            }
            if (size > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("a batch of " + floats + " floats does not fit one buffer");
            }
            close();
            storage = (PtNDArray) owner.create(new Shape(floats), DataType.FLOAT32);
            bytes = storage.toByteBuffer(true);
        }

        @Override
        public void close() {
            bytes = null;
            if (storage != null) {
                storage.close();
                storage = null;
            }
        }
    }

    /** Frees the input memory and the model (waits for the forward passes in progress). */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        // every lane back means no pass is running; they go back to the queue freed, so that a later caller finds
        // the restorer closed instead of waiting for a lane forever
        List<Lane> all = new ArrayList<>(lanes);
        for (int i = 0; i < lanes; i++) {
            Lane lane = takeLane();
            lane.tiles().close();
            lane.states().close();
            all.add(lane);
        }
        inputMemory.close();
        model.close();
        idle.addAll(all);
    }
}
