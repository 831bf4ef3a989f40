"""Training curves: the validation PSNR of one or more runs over training minutes, one panel per condition.

    /usr/bin/python3 -m interir.curves checkpoints/lineage/live checkpoints/lineage/live-dcp \
        checkpoints/lineage/live-ms checkpoints/live-nl --out eval/curves.png

Reads each run's log.csv (train.py writes it); runs continued from one another line up on the minutes axis.
The dashed line is the degraded input's PSNR on the same crops.
"""
import argparse
import csv
import os
from collections import defaultdict

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def read_val(path):
    """{condition: [(minutes, psnr_in, psnr_cold)]} from a run's log.csv."""
    rows = defaultdict(list)
    with open(os.path.join(path, "log.csv")) as f:
        for r in csv.DictReader(f):
            if r["kind"] == "val" and r["psnr_cold"] and not r["cond"].startswith("chain"):
                rows[r["cond"]].append((float(r["minutes"]), float(r["psnr_in"] or "nan"), float(r["psnr_cold"])))
    return rows


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("runs", nargs="+", help="run directories holding a log.csv")
    ap.add_argument("--out", default="curves.png")
    a = ap.parse_args(argv)
    runs = {}
    seen = set()
    for r in a.runs:
        # a run continued from another starts with a copy of its log: draw those points once, with the first run
        v = {c: [p for p in pts if (c, p[0]) not in seen] for c, pts in read_val(r).items()}
        seen |= {(c, p[0]) for c, pts in v.items() for p in pts}
        runs[os.path.basename(os.path.normpath(r))] = v
    conds = []
    for v in runs.values():
        conds += [c for c in v if c not in conds]
    cols = 3
    nrows = (len(conds) + cols) // cols          # one spare panel holds the legend
    fig, axes = plt.subplots(nrows, cols, figsize=(4.2 * cols, 3.2 * nrows), squeeze=False)
    panels = axes.reshape(-1)
    for ax, cond in zip(panels, conds):
        inp = None
        for i, (name, v) in enumerate(runs.items()):
            pts = v.get(cond)
            if not pts:
                continue
            ax.plot([p[0] for p in pts], [p[2] for p in pts], marker=".", ms=3, lw=1, label=name, color=f"C{i}")
            inp = pts[-1][1]
        if inp is not None and inp < 100:      # the clean condition's input is the reference itself
            ax.axhline(inp, ls="--", color="grey", lw=1, label="input")
        ax.set_title(cond)
        ax.set_xlabel("training minutes")
        ax.grid(alpha=0.3)
        ax.set_ylabel("val PSNR dB (cold)")
    handles = {}
    for ax in panels[:len(conds)]:
        for h, lab in zip(*ax.get_legend_handles_labels()):
            handles.setdefault(lab, h)
    for ax in panels[len(conds):]:
        ax.axis("off")
    panels[-1].legend(list(handles.values()), list(handles), loc="center", title="run (log.csv)")
    fig.tight_layout()
    fig.savefig(a.out, dpi=80)
    print(f"wrote {a.out}: {', '.join(runs)}; conditions {conds}")


if __name__ == "__main__":
    main()
