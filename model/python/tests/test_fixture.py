"""The shipped live.pt, live.json and the Java fixture must agree with each other."""
import json
import os
import unittest

import numpy as np
import torch

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RES = os.path.join(HERE, "..", "src", "main", "resources", "interir")
FIX = os.path.join(HERE, "..", "src", "test", "resources", "fixture")


def read(name, shape):
    a = np.fromfile(os.path.join(FIX, name), dtype="<f4")
    return torch.from_numpy(a.reshape(shape).copy())


@unittest.skipUnless(os.path.exists(os.path.join(RES, "live.pt")) and os.path.exists(os.path.join(FIX, "fixture.json")),
                     "no exported model / fixture yet")
class Fixture(unittest.TestCase):
    def test_exported_model_reproduces_fixture(self):
        torch.set_num_threads(2)
        with open(os.path.join(FIX, "fixture.json")) as f:
            meta = json.load(f)
        with open(os.path.join(RES, "live.json")) as f:
            side = json.load(f)
        sh = meta["shapes"]
        m = torch.jit.load(os.path.join(RES, "live.pt")).eval()
        x = read("input.bin", sh["input"])
        with torch.no_grad():
            y, st, res, rout = m(x, torch.zeros(0), 0)
            yw, _, resw, _ = m(x, st, meta["k"])
        self.assertEqual(list(st.shape), sh["cold_state"])
        self.assertEqual(sh["cold_state"][1], side["stateChannels"])
        self.assertEqual(sh["residuals_cold"][1], side["stages"])
        self.assertEqual(sh["routing_cold"][1], side["bank"])
        for t, name in [(y, "cold_y"), (st, "cold_state"), (res, "residuals_cold"), (rout, "routing_cold"),
                        (yw, "warm_y"), (resw, "residuals_warm")]:
            ref = read(name + ".bin", sh[name])
            # the Java side's bounds (ParityBounds): in units of the reference's RMS, because float32 kernels
            # differ between processors; a real mismatch lies an order of magnitude above them
            scale = max(float(ref.pow(2).mean().sqrt()), 1e-30)
            d = (t - ref).abs()
            self.assertLess(float(d.max()) / scale, 5e-2, name)
            self.assertLess(float(d.mean()) / scale, 2e-3, name)
            self.assertLess(float(d.pow(2).mean().sqrt()) / scale, 5e-3, name)


if __name__ == "__main__":
    unittest.main()
