import os
import sys
import unittest

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from interir import degrade as dg  # noqa: E402
from interir import data  # noqa: E402


def smooth_image(h=128, w=128, seed=0):
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    img = np.stack([0.5 + 0.3 * np.sin(x / 9.0 + c) * np.cos(y / 13.0) for c in range(3)], axis=2)
    return np.clip(img + 0.02 * rng.standard_normal((h, w, 3)), 0, 1).astype(np.float32)


class Noise(unittest.TestCase):
    def test_std_matches_sigma(self):
        img = np.full((256, 256, 3), 0.5, np.float32)
        for sigma in (5, 15, 25, 50):
            out = dg.add_noise(img, np.random.default_rng(sigma), sigma)
            std = float((out - img).std()) * 255
            self.assertAlmostEqual(std, sigma, delta=0.03 * sigma + 0.3, msg=f"sigma {sigma}: {std}")

    def test_signal_dependent_grows_with_intensity(self):
        rng = np.random.default_rng(0)
        dark = dg.add_noise(np.full((128, 128, 3), 0.1, np.float32), rng, 2, 0.01)
        bright = dg.add_noise(np.full((128, 128, 3), 0.8, np.float32), rng, 2, 0.01)
        self.assertGreater((bright - 0.8).std(), 1.5 * (dark - 0.1).std())

    def test_seeded(self):
        img = smooth_image()
        a = dg.degrade(img, np.random.default_rng(3), dg.random_spec(np.random.default_rng(4)))
        b = dg.degrade(img, np.random.default_rng(3), dg.random_spec(np.random.default_rng(4)))
        self.assertTrue(np.array_equal(a, b))


class Haze(unittest.TestCase):
    def test_lowers_contrast_and_brightens(self):
        img = smooth_image()
        for seed in range(5):
            out = dg.add_haze(img, np.random.default_rng(seed))
            self.assertLess(out.std(), img.std())
            self.assertGreater(out.mean(), img.mean())
            self.assertLessEqual(out.max(), 1.0)


class Rain(unittest.TestCase):
    def test_bright_oriented_streaks(self):
        h = w = 192
        for angle in (-25.0, 0.0, 25.0):
            p = dict(angle=angle, density=0.004, length=25, width=1, intensity=0.7)
            layer = dg.rain_layer(h, w, np.random.default_rng(1), p)
            img = np.full((h, w, 3), 0.3, np.float32)
            out = dg.add_rain(img, np.random.default_rng(1), layer=layer)
            self.assertTrue(np.all(out >= img - 1e-6))          # rain only adds light
            self.assertGreater(float((out - img).max()), 0.3)   # bright streaks
            self.assertGreater(float((out - img > 0.05).mean()), 0.01)
            # orientation: the layer's autocorrelation is longest along the streak direction
            f = np.fft.fft2(layer - layer.mean())
            ac = np.real(np.fft.ifft2(f * np.conj(f)))
            ac = np.fft.fftshift(ac) / ac.max()
            c = h // 2
            best, best_a = -1.0, None
            for cand in np.arange(-40, 41, 5):
                t = np.radians(cand)
                vals = [ac[int(round(c - r * np.cos(t))), int(round(c - r * np.sin(t)))] for r in range(4, 10)]
                if np.mean(vals) > best:
                    best, best_a = float(np.mean(vals)), cand
            # direction including the sign of the tilt (positive angle: top of the streak to the left)
            self.assertLessEqual(abs(best_a - angle), 10, msg=f"angle {angle}: found {best_a}")


class Compression(unittest.TestCase):
    def test_jpeg_changes_and_stays_close(self):
        img = smooth_image()
        out = dg.jpeg(img, 20)
        err = np.abs(out - img).mean()
        self.assertGreater(err, 0.001)
        self.assertLess(err, 0.05)


class Sequences(unittest.TestCase):
    def test_transmission_explains_the_haze(self):
        # a haze-only sequence: every frame is clean * t + A (1 - t) with the t that degrade_seq returns
        # (train.py --haze-aux supervises the network with that t, so it must be the haze's own)
        big = smooth_image(140, 140)
        spec = {"haze": dg.haze_params(np.random.default_rng(7))}
        A = np.clip(np.array(spec["haze"]["airlight"], np.float32), 0, 1)
        seq = data.degrade_seq(big, np.random.default_rng(8), spec, 128, 6, n=3)
        for c, d, t in seq:
            self.assertEqual(t.shape, (128, 128))
            self.assertLess(float(t.min()), 0.95)
            np.testing.assert_allclose(d, np.clip(c * t[..., None] + A * (1 - t[..., None]), 0, 1), atol=1e-5)

    def test_without_haze_transmission_is_one_and_clean_is_identity(self):
        big = smooth_image(140, 140)
        for c, d, t in data.degrade_seq(big, np.random.default_rng(1), {}, 128, 6, n=2):
            self.assertTrue(np.all(t == 1.0))
            self.assertTrue(np.array_equal(c, d))      # the mix's clean samples: the target is the input

    def test_mix_has_clean_samples_and_sums_to_one(self):
        self.assertAlmostEqual(sum(p for p, _ in dg.TRAIN_MIX), 1.0)
        rng = np.random.default_rng(0)
        self.assertGreater(sum(dg.random_spec(rng) == {} for _ in range(500)), 10)


class Split(unittest.TestCase):
    def test_split_is_deterministic_and_complete(self):
        if not os.path.isdir(data.IMAGES):
            self.skipTest("no image folder")
        sp = data.make_split()
        names = sorted(sp["train"] + sp["val"])
        self.assertEqual(len(set(sp["train"]) & set(sp["val"])), 0)
        self.assertEqual(len(sp["val"]), len([i for i in range(len(names)) if i % 7 == 3]))
        self.assertEqual(sp, data.make_split())


if __name__ == "__main__":
    unittest.main()
