"""The video network: its TorchScript contract, the history's alignment and clamp, and a bounded recursion."""
import unittest

import torch
import torch.nn.functional as F

from interir.video import VideoInterIR, align_history, clamp_history


class Video(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        torch.manual_seed(0)
        torch.set_num_threads(1)
        cls.model = VideoInterIR("test").eval()

    def test_scripted_contract(self):
        sm = torch.jit.script(self.model)
        x = torch.rand(2, 3, 32, 32)
        with torch.no_grad():
            y, st, res, rout = sm(x, torch.zeros(0), 0)
            y2, st2, res2, _ = sm(x, st, 1)
        s = self.model.s
        self.assertEqual(list(st.shape), [2, 3 * s * s, 32 // s, 32 // s])
        self.assertEqual(st2.shape, st.shape)
        self.assertEqual(res.shape[1], self.model.K)
        self.assertEqual(res2.shape[1], self.model.K, "k is ignored: every frame runs all stages")
        # the state is the output itself, pixel-unshuffled
        torch.testing.assert_close(F.pixel_shuffle(st, s), y)
        self.assertTrue(bool(((y2 >= 0) & (y2 <= 1)).all()))

    def test_alignment_finds_a_whole_pixel_pan(self):
        img = torch.rand(1, 3, 48, 48)
        y = img[:, :, 4:36, 4:36]
        p = img[:, :, 5:37, 3:35]          # the previous view, one pixel down and one to the left of it
        aligned = align_history(p, y)
        torch.testing.assert_close(aligned[:, :, 2:-2, 2:-2], y[:, :, 2:-2, 2:-2])

    def test_alignment_keeps_a_still_view(self):
        y = torch.rand(2, 3, 32, 32)
        p = y + 0.01 * torch.randn_like(y)
        torch.testing.assert_close(align_history(p, y), p)

    def test_clamp_passes_agreement_and_stops_ghosts(self):
        y = torch.full((1, 3, 16, 16), 0.5)
        p = y.clone()
        p[:, :, 4:8, 4:8] = 1.0            # something that is no longer there
        sigma = torch.tensor([0.02])
        out = clamp_history(p, y, sigma)
        torch.testing.assert_close(out[:, :, 10:, 10:], y[:, :, 10:, 10:])
        self.assertLess(float(out.max()), 0.5 + 0.5 * 0.02 + 2.0 / 255 + 1e-6)

    def test_long_recursion_stays_bounded(self):
        x = torch.rand(1, 3, 32, 32)
        st = torch.zeros(0)
        with torch.no_grad():
            for _ in range(30):
                y, st, _, _ = self.model(x, st, 1)
        self.assertTrue(bool(torch.isfinite(y).all()))
        self.assertTrue(bool(((y >= 0) & (y <= 1)).all()))


if __name__ == "__main__":
    unittest.main()
