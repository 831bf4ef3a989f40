import os
import sys
import tempfile
import unittest

import torch

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from interir.network import InterIR, VARIANTS, graft, haze_prior  # noqa: E402
from interir import export  # noqa: E402

torch.set_num_threads(2)


class NetworkShapes(unittest.TestCase):
    def test_every_variant_cold_and_warm(self):
        for v, cfg in VARIANTS.items():
            with self.subTest(variant=v):
                torch.manual_seed(0)
                m = InterIR(v).eval()
                s = cfg["s"]
                H, W = 8 * s, 12 * s          # small, non-square, divisible by s
                x = torch.rand(2, 3, H, W)
                with torch.no_grad():
                    y, st, res, rout = m(x, torch.zeros(0), 0)
                    self.assertEqual(tuple(y.shape), (2, 3, H, W))
                    self.assertEqual(tuple(st.shape), (2, m.state_channels(H // s, W // s), H // s, W // s))
                    self.assertEqual(tuple(res.shape), (2, cfg["K"]))
                    self.assertEqual(tuple(rout.shape), (2, cfg["NB"]))
                    self.assertTrue(torch.allclose(rout.sum(1), torch.ones(2), atol=1e-5))
                    self.assertGreaterEqual(float(y.min()), 0.0)
                    self.assertLessEqual(float(y.max()), 1.0)
                    for k, expect in [(2, 2), (0, 0), (99, cfg["K"])]:  # k = 0: a still tile, no stage
                        y2, st2, res2, _ = m(x, st, k)
                        self.assertEqual(tuple(res2.shape), (2, expect))
                        self.assertEqual(st2.shape, st.shape)
                        self.assertTrue(torch.isfinite(y2).all())

    def test_square_tile_state_channels(self):
        m = InterIR("live")
        self.assertEqual(m.state_channels(32, 32), 2 * m.C + 2 * m.G)

    def test_pack_unpack_roundtrip(self):
        m = InterIR("test")
        for h, w in [(8, 8), (8, 20), (20, 8)]:
            U = torch.randn(2, m.C, h, w)
            Lam = torch.randn(2, m.C, h, w)
            L = torch.randn(2, m.G, h, h)
            R = torch.randn(2, m.G, w, w)
            U2, Lam2, L2, R2 = m.unpack(m.pack(U, Lam, L, R))
            for a, b in [(U, U2), (Lam, Lam2), (L, L2), (R, R2)]:
                self.assertTrue(torch.equal(a.clamp(-20, 20), b))

    def test_warm_start_refines_same_frame(self):
        """Warm path entry point: the state of the same frame goes in, a warm call runs only k stages."""
        torch.manual_seed(1)
        m = InterIR("test").eval()
        x = torch.rand(1, 3, 32, 32)
        with torch.no_grad():
            _, st, res_c, _ = m(x, torch.zeros(0), 0)
            _, _, res_w, _ = m(x, st, 1)
        self.assertEqual(res_w.shape[1], 1)
        self.assertTrue(torch.isfinite(res_w).all())

    def test_still_tile_runs_only_the_output_layer(self):
        """k = 0 with a state: no stage runs, the state comes back as it went in, the output is the head's on
        the new frame (so fresh noise is still filtered)."""
        torch.manual_seed(2)
        m = InterIR("test").eval()
        x = torch.rand(2, 3, 32, 32)
        with torch.no_grad():
            _, st, _, _ = m(x, torch.zeros(0), 0)
            x2 = (x + 0.05 * torch.randn_like(x)).clamp(0, 1)
            y, st2, res, rout = m(x2, st, 0)
            U = m.unpack(st)[0]
            expected = m.head(U, x2).clamp(0, 1)
        self.assertEqual(tuple(res.shape), (2, 0))
        self.assertEqual(tuple(rout.shape), (2, m.NB))
        self.assertTrue(torch.equal(st2, st))
        self.assertTrue(torch.allclose(y, expected))


class ExportRoundTrip(unittest.TestCase):
    def test_scripted_equals_eager_and_reloads(self):
        torch.manual_seed(0)
        m = InterIR("test").eval()
        sm = export.script_model(m)
        self.assertEqual(export.check_roundtrip(m, sm, torch.rand(2, 3, 32, 32)), 0.0)
        with tempfile.TemporaryDirectory() as d:
            p = os.path.join(d, "m.pt")
            sm.save(p)
            lm = torch.jit.load(p)
            x = torch.rand(2, 3, 16, 24)
            with torch.no_grad():
                a = m(x, torch.zeros(0), 0)
                b = lm(x, torch.zeros(0), 0)
                a2 = m(x, a[1], 2)
                b2 = lm(x, b[1], 2)
            for p_, q_ in list(zip(a, b)) + list(zip(a2, b2)):
                self.assertTrue(torch.equal(p_, q_))

    def test_live_variant_scripts(self):
        m = InterIR("live").eval()
        sm = export.script_model(m)
        self.assertLess(export.check_roundtrip(m, sm, torch.rand(1, 3, 64, 64)), 1e-6)


class HazePrior(unittest.TestCase):
    def test_recovers_a_known_haze(self):
        # a textured scene with dark pixels in every 20 px block (the prior's assumption) under transmission 0.5,
        # and a far region at the top (t = 0.02, where the hazy image is the airlight, like a hazy sky)
        torch.manual_seed(0)
        clean = torch.rand(2, 3, 64, 64) * 0.8 + 0.1
        clean[:, :, ::4, ::4] = 0.0
        A = torch.tensor([0.9, 0.85, 0.8]).view(1, 3, 1, 1)
        t_true = torch.full((2, 1, 64, 64), 0.5)
        t_true[:, :, :16] = 0.02
        hazy = clean * t_true + A * (1 - t_true)
        t, a = haze_prior(hazy, 4)
        self.assertEqual(tuple(t.shape), (2, 1, 16, 16))
        self.assertEqual(tuple(a.shape), (2, 3, 1, 1))
        self.assertLess(float((a - A).abs().max()), 0.03)
        # away from the far region's reach; omega = 0.95 keeps a little haze on purpose: t = 1 - 0.95 * 0.5
        near = t[:, :, 8:]
        self.assertTrue(torch.allclose(near, torch.full_like(near, 1 - 0.95 * 0.5), atol=0.03), near)
        self.assertLess(float(t[:, :, :2].max()), 0.2)

    def test_graft_starts_as_the_network_without_the_prior(self):
        torch.manual_seed(0)
        old = InterIR("live").eval()
        new = InterIR("live_dcp").eval()
        grafted = graft(new, old.state_dict())
        self.assertEqual(sorted(grafted), ["head.haze_beta.bias", "head.haze_beta.weight", "head.haze_trunk.bias", "head.haze_trunk.weight"])
        x = torch.rand(2, 3, 128, 128)
        with torch.no_grad():
            a = old(x, torch.zeros(0), 0)
            b = new(x, torch.zeros(0), 0)
            a1 = old(x, a[1], 1)
            b1 = new(x, b[1], 1)
        self.assertLess(float((a[0] - b[0]).abs().max()), 1e-5)
        self.assertLess(float((a1[0] - b1[0]).abs().max()), 1e-5)


def assert_same_cold_output(test, old, new):
    """A graft adds parts that start switched off: the new network computes what the old one did."""
    x = torch.rand(2, 3, 128, 128)
    with torch.no_grad():
        a = old(x, torch.zeros(0), 0)
        b = new(x, torch.zeros(0), 0)
    test.assertLess(float((a[0] - b[0]).abs().max()), 1e-5)


class CoarseFilter(unittest.TestCase):
    def test_graft_starts_as_the_network_without_it_and_the_mix_learns(self):
        torch.manual_seed(0)
        old = InterIR("live_dcp").eval()
        with torch.no_grad():
            old.head.haze_beta.bias.fill_(0.3)      # a trained-looking prior, so the graft carries it over
        new = InterIR("live_ms").eval()
        self.assertEqual(sorted(graft(new, old.state_dict())), ["head.coarse_mix.bias", "head.coarse_mix.weight",
                                                                "head.coarse_taps.bias", "head.coarse_taps.weight"])
        assert_same_cold_output(self, old, new)
        # the coarse branch gets a gradient through its (zero) mix: training can switch it on
        new.run(torch.rand(2, 3, 128, 128), torch.zeros(0), 0)[0].pow(2).mean().backward()
        self.assertGreater(float(new.head.coarse_mix.bias.grad.abs()), 0.0)

    def test_scripts(self):
        m = InterIR("live_ms").eval()
        with torch.no_grad():
            m.head.coarse_mix.bias.fill_(0.5)
        sm = export.script_model(m)
        self.assertLess(export.check_roundtrip(m, sm, torch.rand(1, 3, 64, 64)), 1e-6)


class PatchWeights(unittest.TestCase):
    def test_graft_starts_as_live_ms_and_the_scale_learns(self):
        torch.manual_seed(0)
        old = InterIR("live_ms").eval()
        with torch.no_grad():
            old.head.coarse_mix.bias.fill_(0.5)     # the coarse filter in use, so its patch weights matter too
        new = InterIR("live_nl").eval()
        self.assertEqual(sorted(graft(new, old.state_dict())), ["head.nl_gate.bias", "head.nl_gate.weight",
                                                                "head.nl_scale"])
        assert_same_cold_output(self, old, new)
        new.run(torch.rand(2, 3, 128, 128), torch.zeros(0), 0)[0].pow(2).mean().backward()
        self.assertGreater(float(new.head.nl_scale.grad.abs().min()), 0.0)

    def test_a_large_gamma_keeps_an_edge_the_taps_alone_blur(self):
        head = InterIR("live_nl").head
        D = torch.full((1, 3, 32, 32), 0.2)
        D[..., 16:] = 0.8
        t = torch.zeros(1, head.trunk.out_channels, 8, 8)
        weight = torch.zeros(9 * 16, t.shape[1], 1, 1)
        box = torch.zeros(9 * 16)                        # equal taps: a 3x3 box filter
        with torch.no_grad():
            blurred = head.filter(t, D, weight, box, 4)
            kept = head.filter(t, D, weight, box, 4, torch.full((1, 1, 32, 32), 1e3))
        self.assertGreater(float((blurred - D).abs().max()), 0.1)
        self.assertLess(float((kept - D).abs().max()), 1e-4)

    def test_scripts(self):
        m = InterIR("live_nl").eval()
        with torch.no_grad():
            m.head.nl_scale.fill_(0.2)
            m.head.coarse_mix.bias.fill_(0.5)
        sm = export.script_model(m)
        self.assertLess(export.check_roundtrip(m, sm, torch.rand(1, 3, 64, 64)), 1e-6)


if __name__ == "__main__":
    unittest.main()
