"""The video network: its TorchScript contract, the history's alignment, and what the temporal filter does on a
still scene, a scene that changes and a rain streak."""
import unittest

import torch
import torch.nn.functional as F

from interir.network import pixel_shuffle, pixel_unshuffle
from interir.video import FILTER_PLANES, STATE_PLANES, TemporalFilter, VideoInterIR, align_history


def still_scene(seed: int = 0) -> torch.Tensor:
    """A smooth 64x64 test image (gradients and a soft blob), so the noise estimate sees mostly noise."""
    g = torch.Generator().manual_seed(seed)
    yy, xx = torch.meshgrid(torch.linspace(0, 1, 64), torch.linspace(0, 1, 64), indexing="ij")
    c = torch.rand(3, 1, 1, generator=g)
    img = 0.2 + 0.5 * c * xx + 0.2 * yy + 0.1 * torch.exp(-((xx - 0.5) ** 2 + (yy - 0.4) ** 2) * 20)
    return img.unsqueeze(0).clamp(0, 1)


def history(a: torch.Tensor, b: torch.Tensor, n: torch.Tensor) -> torch.Tensor:
    """A filter history holding the means a and b of n frames."""
    return torch.cat([a, b, n], dim=1)


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
            single, _, _ = self.model.spatial_pass(x)
        s = self.model.s
        self.assertEqual(list(st.shape), [2, STATE_PLANES * s * s, 32 // s, 32 // s])
        self.assertEqual(st2.shape, st.shape)
        self.assertEqual(res.shape[1], self.model.K)
        self.assertEqual(res2.shape[1], self.model.K, "k is ignored: every frame runs all stages")
        torch.testing.assert_close(y, single, msg="a first frame is the single-frame restoration")
        self.assertTrue(bool(((y2 >= 0) & (y2 <= 1)).all()))

    def test_alignment_finds_a_whole_pixel_pan(self):
        img = torch.rand(2, 3, 48, 48)
        x = img[:, :, 4:36, 4:36]
        # tile 0's history lies one pixel down and left of it, tile 1's where it is
        h = torch.cat([torch.cat([img[:1, :, 5:37, 3:35], img[1:, :, 4:36, 4:36]]), torch.rand(2, 6, 32, 32)], dim=1)
        aligned = align_history(h, x)
        torch.testing.assert_close(aligned[:1, :3, 2:-2, 2:-2], x[:1, :, 2:-2, 2:-2])
        torch.testing.assert_close(aligned[:1, 3:, 2:-2, 2:-2], h[:1, 3:, 1:-3, 3:-1],
                                   msg="the other planes move with the mean")
        self.assertTrue(torch.equal(aligned[1:], h[1:]), "a tile that stood still keeps its history as it was")

    def test_alignment_follows_a_block_that_moved_on_its_own(self):
        g = torch.Generator().manual_seed(3)
        img = torch.rand(1, 3, 70, 70, generator=g)
        x = img[:, :, 2:66, 2:66].clone()
        hist_mean = x.clone()
        # in the 16 x 16 block at rows 16-31, columns 32-47 the history holds the content one pixel down and right
        # of where it was: the content moved up and left
        hist_mean[:, :, 16:32, 32:48] = img[:, :, 17:33, 33:49]
        h = torch.cat([hist_mean, torch.rand(1, 6, 64, 64, generator=g)], dim=1)
        aligned = align_history(h, x)
        # (the block's last row and column would come from outside the block, which did not move)
        torch.testing.assert_close(aligned[:, :3, 16:31, 32:47], x[:, :, 16:31, 32:47],
                                   msg="the block's history comes from where its content was")
        self.assertTrue(torch.equal(aligned[:, :, :16], h[:, :, :16]), "the rest stays where it was")
        torch.testing.assert_close(aligned[:, 3:, 16:31, 32:47], h[:, 3:, 17:32, 33:48],
                                   msg="the other planes move with the mean")

    def test_noise_alone_never_moves_a_still_history(self):
        g = torch.Generator().manual_seed(4)
        clean = still_scene()
        for sigma in (0.05, 0.1, 0.2):
            x = (clean + sigma * torch.randn(clean.shape, generator=g)).clamp(0, 1)
            mean = (clean + sigma / 4 * torch.randn(clean.shape, generator=g)).clamp(0, 1)
            h = torch.cat([mean, torch.rand(clean.shape[0], 4, *clean.shape[2:], generator=g)], dim=1)
            self.assertTrue(torch.equal(align_history(h, x), h), f"sigma {sigma}")

    def test_pixel_unshuffle_is_the_builtin_layout(self):
        x = torch.rand(2, 9, 32, 48)
        self.assertTrue(torch.equal(pixel_unshuffle(x, 4), F.pixel_unshuffle(x, 4)))
        self.assertTrue(torch.equal(pixel_shuffle(pixel_unshuffle(x, 4), 4), x))

    def test_alignment_keeps_a_still_view(self):
        x = torch.rand(2, 3, 32, 32)
        h = torch.cat([x + 0.01 * torch.randn_like(x), torch.ones(2, 1, 32, 32)], dim=1)
        torch.testing.assert_close(align_history(h, x), h)

    def test_a_still_scene_gets_better_with_every_frame_and_loses_the_restorations_bias(self):
        f = TemporalFilter()
        clean = still_scene()
        y_bias = 0.02  # a restoration that shifts the tone, as a haze prior does on flat areas
        g = torch.Generator().manual_seed(1)
        x = (clean + 0.1 * torch.randn(clean.shape, generator=g)).clamp(0, 1)
        hist = f.start(x, clean + y_bias)
        errs = []
        for _ in range(40):
            x = (clean + 0.1 * torch.randn(clean.shape, generator=g)).clamp(0, 1)
            out, hist = f.step(x, clean + y_bias, hist)
            errs.append(float((out - clean).pow(2).mean().sqrt()))
        self.assertGreater(float(hist[:, 6].mean()), 30, "a still scene's frames all join the mean")
        self.assertLess(errs[-1], errs[2], "the output improves as frames accumulate")
        self.assertLess(errs[-1], 0.75 * y_bias, "and ends closer to the scene than the biased restoration")

    def test_a_changed_scene_drops_the_history_instead_of_showing_a_ghost(self):
        f = TemporalFilter()
        before = still_scene(0)
        after = 1.0 - before
        hist = history(before, before, torch.full_like(before[:, :1], 30.0))
        g = torch.Generator().manual_seed(2)
        x = (after + 0.05 * torch.randn(after.shape, generator=g)).clamp(0, 1)
        out, hist = f.step(x, after, hist)
        self.assertGreater(float((hist[:, 6] < 2).float().mean()), 0.8,
                           "the count starts again (but where the two agree)")
        self.assertLess(float((out - after).abs().mean()), 0.2 * float((before - after).abs().mean()),
                        "the output is the new scene's restoration, not the old mean")

    def test_a_faint_streak_moves_a_long_mean_by_little(self):
        f = TemporalFilter()
        clean = still_scene()
        g = torch.Generator().manual_seed(3)
        hist = history(clean, clean, torch.full_like(clean[:, :1], 40.0))
        x = (clean + 0.05 * torch.randn(clean.shape, generator=g)).clamp(0, 1)
        x[:, :, :, 30] += 0.1  # a one-pixel streak down the frame, two noise sigmas bright
        _, hist2 = f.step(x, clean, hist)
        self.assertGreater(float(hist2[:, 6, :, 30].mean()), 10, "a faint thin streak is not taken for motion")
        self.assertLess(float((hist2[:, :3] - clean)[:, :, :, 30].abs().mean()), 0.01,
                        "its step is divided by the count")

    def test_a_hazy_still_scene_keeps_the_haze_the_restoration_removed(self):
        f = TemporalFilter()
        g = torch.Generator().manual_seed(4)
        texture = F.avg_pool2d(torch.rand(1, 1, 64, 64, generator=g), 3, 1, 1)  # detail a few pixels across
        clean = (still_scene() + 0.6 * (texture - 0.5)).clamp(0, 1)
        hazy = 0.5 * clean + 0.4  # half the contrast, a bright veil: what the restoration undoes
        x = (hazy + 0.05 * torch.randn(clean.shape, generator=g)).clamp(0, 1)
        hist = f.start(x, clean)
        for _ in range(30):
            x = (hazy + 0.05 * torch.randn(clean.shape, generator=g)).clamp(0, 1)
            y = (clean + 0.02 * torch.randn(clean.shape, generator=g)).clamp(0, 1)
            out, hist = f.step(x, y, hist)
        self.assertGreater(float(hist[:, 6].mean()), 20, "haze is no motion: the frames are averaged")
        self.assertLess(float((out - clean).abs().mean()), 0.015,
                        "the output keeps the restoration's tones, not the haze")

    def run_still(self, frames: int, seed: int, moving_from: int = -1):
        """The video network over two 32 px tiles of a still scene with fresh noise; from frame `moving_from` a
        bright square moves across the second tile. Returns the frames since the network last ran on each tile,
        per frame."""
        clean = still_scene()[:, :, :32, :32].expand(2, 3, 32, 32).clone()
        g = torch.Generator().manual_seed(seed)
        st = torch.zeros(0)
        ages = []
        with torch.no_grad():
            for i in range(frames):
                scene = clean.clone()
                if 0 <= moving_from <= i:
                    p = 4 + 2 * (i - moving_from)
                    scene[1, :, 10:16, p:p + 6] = 1.0
                x = (scene + 0.05 * torch.randn(scene.shape, generator=g)).clamp(0, 1)
                _, st, _, _ = self.model(x, st, 1)
                planes = torch.nn.functional.pixel_shuffle(st, self.model.s)
                ages.append(planes[:, FILTER_PLANES].amax(dim=(1, 2)).tolist())
        return ages

    def test_a_long_still_tile_skips_the_network_but_not_for_long(self):
        ages = self.run_still(40, 6)
        skipped = sum(1 for a in ages if a[0] > 0)
        self.assertGreater(skipped, 10, f"a still tile's history restores it on most frames: {ages}")
        self.assertLessEqual(max(a[0] for a in ages), self.model.skip_max, "the network runs again every few frames")
        self.assertTrue(any(a[0] == 0 and a[1] > 0 for a in ages[20:]),
                        f"still tiles take turns, so that one frame does not run them all: {ages}")

    def test_something_moving_into_a_still_tile_runs_the_network(self):
        ages = self.run_still(40, 7, moving_from=30)
        self.assertTrue(all(a[1] == 0 for a in ages[30:]), f"the tile with the moving square runs every frame: {ages}")
        self.assertTrue(any(a[0] > 0 for a in ages[30:]), "the still tile beside it still skips")

    def test_the_fast_variant_runs_its_first_frame_at_full_resolution_and_later_ones_at_half(self):
        fast = VideoInterIR("test", spatial_scale=2).eval()
        fast.load_state_dict(self.model.state_dict())
        sm = torch.jit.script(fast)
        g = torch.Generator().manual_seed(3)
        frames = [(still_scene() + 0.08 * torch.randn(1, 3, 64, 64, generator=g)).clamp(0, 1) for _ in range(2)]
        with torch.no_grad():
            y0, st, _, _ = sm(frames[0], torch.zeros(0), 0)
            full0, _, _ = self.model.spatial_pass(frames[0])
            half1, _, _ = fast.spatial_pass(frames[1], 2)
            full1, _, _ = fast.spatial_pass(frames[1])
            y1, st1, _, _ = sm(frames[1], st, 0)
        torch.testing.assert_close(y0, full0, msg="a sequence's first frame is the full-resolution restoration")
        self.assertEqual(list(half1.shape), [1, 3, 64, 64])
        self.assertFalse(torch.equal(half1, full1))
        self.assertEqual(st1.shape, st.shape)
        self.assertTrue(bool(((y1 >= 0) & (y1 <= 1)).all()))

    def test_the_same_frames_give_bit_identical_outputs(self):
        sm = torch.jit.script(self.model)
        g = torch.Generator().manual_seed(8)
        frames = [(still_scene()[:, :, :32, :32] + 0.05 * torch.randn(1, 3, 32, 32, generator=g)).clamp(0, 1)
                  for _ in range(25)]
        runs = []
        with torch.no_grad():
            for _ in range(2):
                st = torch.zeros(0)
                outs = []
                for x in frames:
                    y, st, _, _ = sm(x, st, 1)
                    outs.append(y)
                runs.append(torch.cat(outs))
        self.assertTrue(torch.equal(runs[0], runs[1]))

    def test_long_recursion_stays_bounded(self):
        x = torch.rand(1, 3, 32, 32)
        st = torch.zeros(0)
        with torch.no_grad():
            for _ in range(70):
                y, st, _, _ = self.model(x, st, 1)
        n = torch.nn.functional.pixel_shuffle(st, self.model.s)[:, 6]
        self.assertTrue(bool(torch.isfinite(y).all()))
        self.assertTrue(bool(((y >= 0) & (y <= 1)).all()))
        self.assertLessEqual(float(n.max()), 64.0, "the memory is capped")


if __name__ == "__main__":
    unittest.main()
