"""evaluate.py tiles frames as the service's TileGrid does: both check against model/src/test/resources/tiling.json
(the Java side in TileGridAgreementTest)."""
import json
import os
import unittest

import numpy as np

from interir.evaluate import feather, tile_side, tile_starts

TABLE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "src", "test", "resources", "tiling.json")


class Tiling(unittest.TestCase):
    def test_starts_match_the_shared_table(self):
        with open(TABLE) as f:
            table = json.load(f)
        for c in table["starts"]:
            self.assertEqual(list(tile_starts(c["side"], c["tile"], c["overlap"])), c["starts"], c)

    def test_ramp_matches_the_shared_table(self):
        with open(TABLE) as f:
            table = json.load(f)
        np.testing.assert_allclose(feather(16, 4)[8], table["ramp16_4"], atol=1e-6)

    def test_tile_sides_match_the_shared_table(self):
        with open(TABLE) as f:
            table = json.load(f)
        self.assertTrue(table["sides"])
        for c in table["sides"]:
            self.assertEqual(tile_side(c["n"], c["tile"], c["overlap"], c["maxTile"], c["step"]), c["side"], c)

    def test_rectangular_tiles_ramp_along_each_side(self):
        w = feather(16, 4, 24)
        self.assertEqual(w.shape, (16, 24))
        np.testing.assert_allclose(w[:, 12], feather(16, 4)[8], atol=1e-6)
        np.testing.assert_allclose(w[8, :4], feather(16, 4)[8][:4], atol=1e-6)
        self.assertEqual(float(w[8, 12]), 1.0)


if __name__ == "__main__":
    unittest.main()
