"""Residual ratio per ISN stage, ||F_j|| / ||F_1||, of cold passes on the val set (128 px centre crops).

    cd model/python && /usr/bin/python3 -m interir.residuals [--model ../src/main/resources/interir/live.pt]

The design's per-tile early stop ends a tile's iteration once this ratio falls below a threshold. This prints
whether the ratio of a trained model falls stage by stage (then an early stop saves stages) or only at the
last stage (then it saves nothing).
"""
import argparse
import os

import numpy as np
import torch

from . import data

RES = os.path.join(data.HERE, "..", "src", "main", "resources", "interir")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default=os.path.join(RES, "live.pt"), help="exported TorchScript file")
    ap.add_argument("--threads", type=int, default=1)
    a = ap.parse_args(argv)
    torch.set_num_threads(a.threads)
    m = torch.jit.load(a.model).eval()
    vset = data.val_set(data.load_set("val"), 128)
    print(f"{os.path.basename(a.model)}: ||F_j|| / ||F_1|| per stage j of a cold pass, median [max] over "
          f"{len(next(iter(vset.values()))[0])} val crops")
    with torch.no_grad():
        for cond, (_, deg) in vset.items():
            _, _, res, _ = m(torch.from_numpy(deg), torch.zeros(0), 0)
            r = (res / res[:, :1]).numpy()
            cells = "  ".join(f"{med:.4f} [{mx:.4f}]" for med, mx in zip(np.median(r, 0), r.max(0)))
            print(f"{cond:>16}: {cells}")


if __name__ == "__main__":
    main()
