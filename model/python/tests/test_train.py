import os
import sys
import unittest

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from interir import train  # noqa: E402
from test_degrade import smooth_image  # noqa: E402


class Batches(unittest.TestCase):
    """train.batches: the GPU leases depend on the worker path delivering what the in-process path does."""

    def setUp(self):
        self.images = [smooth_image(160, 200, seed=i) for i in range(3)]

    def check(self, frames, batch, size, n):
        self.assertEqual(len(frames), n)
        for clean, degraded, t in frames:
            self.assertEqual(clean.shape, (batch, 3, size, size))
            self.assertEqual(degraded.shape, (batch, 3, size, size))
            self.assertEqual(t.shape, (batch, 1, size, size))
            self.assertEqual(degraded.dtype, np.float32)
            self.assertTrue(np.isfinite(degraded).all())

    def test_workers_deliver_the_same_kind_of_batches(self):
        for workers in (0, 1):
            stream = train.batches(self.images, 32, 2, seed=7, n=3, workers=workers)
            for _ in range(2):
                self.check(next(stream), 2, 32, 3)

    def test_one_worker_draws_what_this_process_would(self):
        # worker 0 seeds its sampler with the run's seed, so one worker reproduces the in-process stream
        here = next(train.batches(self.images, 32, 2, seed=11, n=2, workers=0))
        there = next(train.batches(self.images, 32, 2, seed=11, n=2, workers=1))
        for a, b in zip(here, there):
            for x, y in zip(a, b):
                np.testing.assert_array_equal(x, y)


if __name__ == "__main__":
    unittest.main()
