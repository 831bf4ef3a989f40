"""The video network: InterIR's single-frame restoration plus a noise-calibrated temporal filter.

A frame restored on its own can only average over its own pixels; a camera that stands still shows the same scene
in every frame with fresh noise and rain, so every earlier frame is another observation of it. The filter keeps,
per tile and pixel, a running mean `a` of the degraded input and the count `n` of frames it holds:

  - where the input agrees with the mean (the 5x5 luma mean of their difference is within what the noise level
    explains), the frame joins the mean and `n` grows (up to N_MAX frames);
  - where it does not (something moved, was uncovered, a scene cut), `n` falls back towards 1 and the mean follows
    the new frame. The test is a ratio to the expected noise variance of that difference, so it means the same at
    any noise level; its threshold and softness were chosen on clips (not learned by gradient descent).

The output weighs the mean against the single-frame restoration y by their error variances: the mean's is the
noise variance over n (unbiased, it shrinks with every still frame), y's is a fraction RHO of the noise variance
(its bias: the network smooths texture and, on flat low-contrast areas, its haze prior shifts the tone). Averaging
the raw input rather than y matters: averaging y over time keeps y's bias, averaging the input removes the noise
and keeps the picture. Before the two are weighed, y is corrected by the low frequencies of (mean - y), weighted
by how much the mean knows, so a long-still tile loses y's tone shift too.

Haze is not noise: a hazy still camera converges to its hazy mean where y is uncertain, so on haze the filter
gains least (figures in model/python/eval/video/results.md).

TorchScript contract (the same as InterIR's, so the Java side runs both):
    forward(x, state, k) -> (y, new_state, residuals, routing)
    state empty: the first frame of a sequence; otherwise the tile's mean and count, [a (3 planes), n (1 plane)]
    pixel-unshuffled by the ISN's scale s: [B, 4 s^2, H/s, W/s]. The ISN stages run cold on every frame (k is
    ignored): the temporal evidence is the mean of earlier frames, which is bounded, not the stage state.
"""
from typing import List, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F

from .network import InterIR, box_sum5, pixel_shuffle

STATE_PLANES = 4  # the running mean of the input (RGB) and its frame count


def blur5(x: torch.Tensor) -> torch.Tensor:
    """5x5 box mean of every channel (window clipped at the border)."""
    B, C, H, W = x.shape
    s = box_sum5(x.reshape(B * C, 1, H, W)).reshape(B, C, H, W)
    n = box_sum5(torch.ones_like(x[:1, :1]))
    return s / n


def noise_sigma(x: torch.Tensor) -> torch.Tensor:
    """Per-sample noise level [B] (in 0..1 units) from the median absolute horizontal luma difference: the median
    ignores edges and streaks, which cover few pixels; for Gaussian noise median|d| = 0.6745 sqrt(2) sigma."""
    luma = x.mean(dim=1)
    d = (luma[:, :, 1:] - luma[:, :, :-1]).abs().flatten(1)
    return d.median(dim=1).values / 0.954 * 1.7320508  # luma averages 3 channels: sigma_luma = sigma / sqrt(3)


def align_history(h: torch.Tensor, target: torch.Tensor, reach: int = 2) -> torch.Tensor:
    """The history planes `h` shifted by the whole-pixel offset (up to `reach` px each way) whose first three planes
    best match `target`, one offset per tile: a pan or a shaking camera moves a tile's content as a whole. The
    match is the mean absolute luma difference; the unshifted view wins ties (a 2% bonus), so noise does not make a
    still camera's history wander."""
    B, _, H, W = h.shape
    n = 2 * reach + 1
    tl = target.mean(dim=1, keepdim=True)
    pad = F.pad(h, [reach, reach, reach, reach], mode="replicate")
    pl = pad[:, :3].mean(dim=1, keepdim=True)
    costs: List[torch.Tensor] = []
    for dy in range(n):
        for dx in range(n):
            costs.append((pl[:, :, dy:dy + H, dx:dx + W] - tl).abs().mean(dim=(1, 2, 3)))
    c = torch.stack(costs, dim=1)
    centre = reach * n + reach
    c[:, centre] = c[:, centre] * 0.98
    best = c.argmin(dim=1)
    rows: List[torch.Tensor] = []
    for b in range(B):
        k = int(best[b])
        dy = k // n
        dx = k % n
        rows.append(pad[b, :, dy:dy + H, dx:dx + W])
    return torch.stack(rows, dim=0)


class TemporalFilter(nn.Module):
    """One step of the filter (see the module docstring). No learned parameters: its constants are a noise-test
    threshold and softness (T0, T1, in units of the expected variance), y's error variance as a fraction of the
    noise variance (RHO), the outlier clamp in noise sigmas (KAPPA: a faint spike moves a still pixel's mean by at
    most that much; a bright rain streak fails the motion test, restarts the history under it and is left to the
    single-frame restoration), the longest memory (N_MAX frames) and how much a first frame's mean is trusted (N_OFFSET:
    1 - N_OFFSET of a frame)."""

    def __init__(self, t0: float = 8.0, t1: float = 8.0, rho: float = 0.05, kappa: float = 3.0,
                 n_max: float = 64.0, n_offset: float = 0.9):
        super().__init__()
        self.t0 = t0
        self.t1 = t1
        self.rho = rho
        self.kappa = kappa
        self.n_max = n_max
        self.n_offset = n_offset

    def keep(self, d: torch.Tensor, s2: torch.Tensor, n0: torch.Tensor) -> torch.Tensor:
        """How much of the history stays, per pixel [B,1,H,W] in (0, 1]: the squared 5x5 mean of the luma difference
        d = x - a as a ratio to its variance if nothing moved, s2 (1 + 1/n0) / 75 (3 colours, 25 pixels)."""
        m = blur5(d.mean(dim=1, keepdim=True)) ** 2
        r = m / (s2 / 75.0 * (1.0 + 1.0 / n0))
        return torch.exp(-F.relu(r - self.t0) / self.t1)

    def forward(self, x: torch.Tensor, y: torch.Tensor, a0: torch.Tensor, n0: torch.Tensor
                ) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(output, new mean, new count) from the frame x, its single-frame restoration y and the aligned history."""
        sigma = noise_sigma(x).view(-1, 1, 1, 1)
        s2 = sigma * sigma + (1.0 / 255.0) ** 2  # 8-bit input: never trust the mean beyond the quantisation
        d = x - a0
        keep = self.keep(d, s2, n0)
        n = torch.clamp(1.0 + keep * n0, max=self.n_max)
        # a still pixel's step is clamped to KAPPA sigma (outliers); where the history is dropped, not at all
        bound = self.kappa * sigma + (1.0 - keep)
        a = a0 + torch.maximum(torch.minimum(d, bound), -bound) / n
        c = y + (1.0 - 1.0 / n) * blur5(a - y)
        vt = s2 / torch.clamp(n - self.n_offset, min=1e-3)
        vy = self.rho * s2
        return (a * vy + c * vt) / (vt + vy), a, n


class VideoInterIR(nn.Module):
    """InterIR (the spatial path, any variant) followed by the TemporalFilter; see the module docstring for the
    contract."""

    def __init__(self, spatial_variant: str = "live_nl"):
        super().__init__()
        self.spatial = InterIR(spatial_variant)
        self.temporal = TemporalFilter()
        self.s = self.spatial.s
        self.K = self.spatial.K

    def spatial_pass(self, x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(y clamped to [0, 1], residuals, routing) of the single-frame network, all K stages from cold."""
        y, _, res, routing = self.spatial.run(x, torch.zeros(0, device=x.device), self.K)
        return y.clamp(0.0, 1.0), res, routing

    def forward(self, x: torch.Tensor, state: torch.Tensor, k: int
                ) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        y, res, routing = self.spatial_pass(x)
        if state.numel() == 0:
            out = y
            a = x
            n = torch.ones_like(x[:, :1])
        else:
            h = align_history(pixel_shuffle(state, self.s), x)
            out, a, n = self.temporal(x, y, h[:, :3], h[:, 3:4])
        new_state = F.pixel_unshuffle(torch.cat([a, n], dim=1), self.s)
        return out.clamp(0.0, 1.0), new_state, res, routing
