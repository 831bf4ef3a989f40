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
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
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

    private DjlRestorer(Model model, ModelInfo info, Device device) {
        this.model = model;
        this.block = (PtSymbolBlock) model.getBlock();
        this.info = info;
        this.device = device;
    }

    /** Loads {@code <variant>.pt} and {@code <variant>.json} that ship inside the model jar. */
    public static DjlRestorer loadBundled(String variant, Device device) {
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
            return load(ptFile, device);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Loads a TorchScript file; its sidecar is the same name with a .json extension. */
    public static DjlRestorer load(Path ptFile, Device device) {
        String file = ptFile.getFileName().toString();
        String name = file.endsWith(".pt") ? file.substring(0, file.length() - 3) : file;
        Path sidecar = ptFile.resolveSibling(name + ".json");
        try {
            ModelInfo info = ModelInfo.fromSidecar(new ObjectMapper().readTree(sidecar.toFile()));
            Model model = Model.newInstance("interir-" + name, device, "PyTorch");
            model.load(ptFile.getParent(), name);
            LOG.info("loaded InterIR variant '{}' from {} on {} (K={} stages, s={}, tile {}{})", info.variant(), ptFile,
                    device, info.stages(), info.scale(), info.tile(), info.untrained() ? ", UNTRAINED weights" : "");
            return new DjlRestorer(model, info, device);
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
    public TileBatchResult restore(float[][] tiles, int height, int width, float[][] states, int warmStages) {
        int n = tiles.length;
        if (states != null && states.length != n) {
            throw new IllegalArgumentException("one state per tile expected");
        }
        try (NDManager scope = model.getNDManager().newSubManager(device)) {
            PtNDManager manager = (PtNDManager) scope;
            PtNDArray x = (PtNDArray) manager.create(stack(tiles), new Shape(n, 3, height, width));
            PtNDArray state;
            if (states == null) {
                state = (PtNDArray) manager.zeros(new Shape(0), DataType.FLOAT32);
            } else {
                int perTile = states[0].length;
                int hs = height / info.scale();
                int ws = width / info.scale();
                state = (PtNDArray) manager.create(stack(states), new Shape(n, perTile / (hs * ws), hs, ws));
            }
            IValue[] inputs = {IValue.from(x), IValue.from(state), IValue.from((long) warmStages)};
            IValue out = block.forward(inputs);
            try {
                IValue[] parts = out.toIValueTuple();
                try {
                    return new TileBatchResult(
                            unstack(parts[0].toTensor(manager).toFloatArray(), n),
                            unstack(parts[1].toTensor(manager).toFloatArray(), n),
                            unstack(parts[2].toTensor(manager).toFloatArray(), n),
                            unstack(parts[3].toTensor(manager).toFloatArray(), n));
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

    private static FloatBuffer stack(float[][] rows) {
        int per = rows[0].length;
        FloatBuffer buf = FloatBuffer.allocate(per * rows.length);
        for (float[] r : rows) {
            if (r.length != per) {
                throw new IllegalArgumentException("tiles of one batch must share a shape");
            }
            buf.put(r);
        }
        return buf.flip();
    }

    private static float[][] unstack(float[] flat, int n) {
        int per = flat.length / n;
        float[][] rows = new float[n][];
        for (int i = 0; i < n; i++) {
            rows[i] = new float[per];
            System.arraycopy(flat, i * per, rows[i], 0, per);
        }
        return rows;
    }

    @Override
    public void close() {
        model.close();
    }
}
