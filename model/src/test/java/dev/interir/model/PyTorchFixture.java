package dev.interir.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The reference that model/python/interir/export.py (make_fixture) writes into src/test/resources/fixture:
 * an input batch and what PyTorch returned for a cold call and for a warm call from the cold state.
 * Shapes, k and the batch come from fixture.json, so a re-exported network with another state size or stage
 * count needs no change here.
 */
final class PyTorchFixture {
    static final String[] COLD = {"cold_y", "cold_state", "residuals_cold", "routing_cold"};
    static final String[] WARM = {"warm_y", "warm_state", "residuals_warm", "routing_warm"};

    private final JsonNode meta;

    private PyTorchFixture(JsonNode meta) {
        this.meta = meta;
    }

    static PyTorchFixture load() {
        try (InputStream in = open("fixture.json")) {
            return new PyTorchFixture(new ObjectMapper().readTree(in));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    int batch() {
        return shape("input")[0];
    }

    int height() {
        return shape("input")[2];
    }

    int width() {
        return shape("input")[3];
    }

    /** The k of the reference's warm call. */
    int k() {
        return meta.path("k").asInt();
    }

    int[] shape(String name) {
        JsonNode s = meta.path("shapes").path(name);
        if (s.isMissingNode()) {
            throw new IllegalStateException("fixture.json declares no shape for " + name);
        }
        int[] out = new int[s.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = s.get(i).asInt();
        }
        return out;
    }

    /** One row per sample of the batch. */
    float[][] rows(String name) {
        float[] flat = flat(name);
        int n = batch();
        int per = flat.length / n;
        float[][] out = new float[n][per];
        for (int i = 0; i < n; i++) {
            System.arraycopy(flat, i * per, out[i], 0, per);
        }
        return out;
    }

    float[] flat(String name) {
        try (InputStream in = open(name + ".bin")) {
            ByteBuffer b = ByteBuffer.wrap(in.readAllBytes()).order(ByteOrder.LITTLE_ENDIAN);
            float[] f = new float[b.remaining() / 4];
            b.asFloatBuffer().get(f);
            int declared = 1;
            for (int d : shape(name)) {
                declared *= d;
            }
            if (declared != f.length) {
                throw new IllegalStateException(name + ".bin holds " + f.length + " floats, fixture.json says " + declared);
            }
            return f;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The reference's cold call on {@code input}, outputs named as the fixture names them. */
    Map<String, float[][]> cold(Restorer restorer, float[][] input) {
        return named(COLD, restorer.restore(input, height(), width(), null, 0));
    }

    /** The reference's warm call on {@code input} from {@code state} with {@code k} stages. */
    Map<String, float[][]> warm(Restorer restorer, float[][] input, float[][] state, int k) {
        return named(WARM, restorer.restore(input, height(), width(), state, k));
    }

    private static Map<String, float[][]> named(String[] names, TileBatchResult r) {
        Map<String, float[][]> out = new LinkedHashMap<>();
        out.put(names[0], r.images());
        out.put(names[1], r.states());
        out.put(names[2], r.residuals());
        out.put(names[3], r.routing());
        return out;
    }

    private static InputStream open(String file) throws IOException {
        InputStream in = PyTorchFixture.class.getResourceAsStream("/fixture/" + file);
        if (in == null) {
            throw new IOException("missing fixture file " + file);
        }
        return in;
    }
}
