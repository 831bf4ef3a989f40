"""The video network: InterIR's single-frame restoration plus temporal fusion with the previous output.

A frame restored on its own can only average over its own pixels; a camera that stands still shows the same
scene in every frame with fresh noise and rain, so the previous restored frame is a second observation of it.
`Fusion` predicts, per full-resolution pixel, softmax weights over 19 candidates:
  - the 3x3 neighbourhood of the previous output p (the reach follows motion of about a pixel a frame),
  - the 3x3 neighbourhood of the current frame's detail laid on the restored frame's colours,
    x_dh = y + (x - blur x) - (y - blur y)  (haze is smooth, so the low frequencies come from the physical path),
  - the single-frame restoration y itself (the spatial path, where things moved or were uncovered).
The output is a convex combination of those candidates, so the recursion cannot diverge: it is the previous
estimate entering the data term with a learned per-pixel weight, and the weight falls where the frame disagrees
with it (motion, a scene cut, a passing rain streak).

TorchScript contract (the same as InterIR's, so the Java side runs both):
    forward(x, state, k) -> (y, new_state, residuals, routing)
    state empty: the first frame of a sequence (the previous output is taken to be y); otherwise the state is the
    previous output of the same tile, pixel-unshuffled to the ISN's 1/s grid ([B, 3 s^2, H/s, W/s]). The ISN
    stages run cold on every frame (k is ignored): the temporal evidence is the previous image, which is bounded,
    not the stage state, whose warm chains drifted.
"""
from typing import List, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F

from .network import InterIR, box_sum5, pixel_shuffle

CANDIDATES = 19  # 9 taps of the previous output, 9 of the current detail, 1 the single-frame restoration


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


def align_history(p: torch.Tensor, y: torch.Tensor, reach: int = 2) -> torch.Tensor:
    """The previous output shifted by the whole-pixel offset (up to `reach` px each way) that best matches the current
    restoration, one offset per tile: a pan or a shaking camera moves a tile's content as a whole, and the fusion's
    3x3 taps only reach a pixel. The match is the mean absolute luma difference; the unshifted view wins ties (a 2%
    bonus), so noise does not make a still camera's history wander."""
    B, _, H, W = p.shape
    n = 2 * reach + 1
    yl = y.mean(dim=1, keepdim=True)
    pad = F.pad(p, [reach, reach, reach, reach], mode="replicate")
    pl = pad.mean(dim=1, keepdim=True)
    costs: List[torch.Tensor] = []
    for dy in range(n):
        for dx in range(n):
            costs.append((pl[:, :, dy:dy + H, dx:dx + W] - yl).abs().mean(dim=(1, 2, 3)))
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


def clamp_history(p: torch.Tensor, y: torch.Tensor, sigma: torch.Tensor) -> torch.Tensor:
    """The previous output limited, per pixel and colour, to the range of the current restoration's 3x3 neighbourhood
    widened by a margin that follows the noise (the neighbourhood clamp of temporal anti-aliasing). Where the scene
    stands still the previous output lies inside that range and passes untouched; where something moved, was
    uncovered or cut, it does not, and what would have been a ghost is pulled to what the current frame shows. The
    learned weights miss some motion (a fast object, a steady pan): without the clamp those frames came out below
    the single-frame restoration."""
    m = (0.5 * sigma + 2.0 / 255.0).view(-1, 1, 1, 1)
    hi = F.max_pool2d(y, 3, 1, 1) + m
    lo = -F.max_pool2d(-y, 3, 1, 1) - m
    return torch.maximum(torch.minimum(p, hi), lo)


class Fusion(nn.Module):
    def __init__(self, width: int = 32):
        super().__init__()
        # x, y, p, |y - p| luma, its 5x5 mean (motion shows as a difference over an area, noise averages out of it),
        # the noise level as a plane; pixel-unshuffled by 2
        cin = 4 * (3 + 3 + 3 + 1 + 1 + 1)
        self.c1 = nn.Conv2d(cin, width, 3, padding=1)
        self.c2 = nn.Conv2d(width, width, 3, padding=2, dilation=2)
        self.c3 = nn.Conv2d(width, width, 3, padding=1)
        self.out = nn.Conv2d(width, 4 * CANDIDATES, 1)
        nn.init.zeros_(self.out.weight)
        with torch.no_grad():
            b = torch.zeros(CANDIDATES, 4)
            b[CANDIDATES - 1] = 2.0  # a third on the single-frame restoration; a saturated start (5.0) never left it
            self.out.bias.copy_(b.reshape(-1))

    def logits(self, x: torch.Tensor, y: torch.Tensor, p: torch.Tensor, sigma: torch.Tensor) -> torch.Tensor:
        """Candidate logits [B, 19, H, W], bounded to [-6, 6]: unbounded ones saturated within minutes of training
        (one candidate took all the weight, and a saturated softmax passes no gradient back); e^12 between two
        candidates still picks one cleanly."""
        B, _, H, W = x.shape
        diff = (y - p).abs().mean(dim=1, keepdim=True)
        sig = (sigma * 10.0).view(B, 1, 1, 1).expand(B, 1, H, W)
        f = F.pixel_unshuffle(torch.cat([x, y, p, diff, blur5(diff), sig], dim=1), 2)
        f = F.leaky_relu(self.c1(f), 0.1)
        f = F.leaky_relu(self.c2(f), 0.1)
        f = F.leaky_relu(self.c3(f), 0.1)
        return 6.0 * torch.tanh(pixel_shuffle(self.out(f), 2) / 6.0)

    def weights(self, x: torch.Tensor, y: torch.Tensor, p: torch.Tensor) -> torch.Tensor:
        """Softmax weights [B, 19, H, W] over the candidates (for diagnosis; forward normalises once at the end)."""
        return torch.softmax(self.logits(x, y, p, noise_sigma(x)), dim=1)

    def forward(self, x: torch.Tensor, y: torch.Tensor, p: torch.Tensor) -> torch.Tensor:
        B, _, H, W = x.shape
        sigma = noise_sigma(x)  # one median per tile, shared by the clamp and the weights
        p = clamp_history(align_history(p, y), y, sigma)
        # the softmax as exp of the bounded logits and one division of the 3-channel sum: the same function, a
        # 19-channel max, sum and division fewer at full resolution
        e = torch.exp(self.logits(x, y, p, sigma))
        xd = y + (x - blur5(x)) - (y - blur5(y))
        pp = F.pad(p, [1, 1, 1, 1], mode="replicate")
        xp = F.pad(xd, [1, 1, 1, 1], mode="replicate")
        acc = torch.addcmul(torch.zeros_like(y), e[:, 18:19], y)  # the last candidate: the single-frame restoration
        i = 0
        for dy in range(3):
            for dx in range(3):
                acc = torch.addcmul(acc, e[:, i:i + 1], pp[:, :, dy:dy + H, dx:dx + W])
                acc = torch.addcmul(acc, e[:, 9 + i:10 + i], xp[:, :, dy:dy + H, dx:dx + W])
                i += 1
        return acc / e.sum(dim=1, keepdim=True)


class VideoInterIR(nn.Module):
    """InterIR (the spatial path, any variant) followed by Fusion; see the module docstring for the contract."""

    def __init__(self, spatial_variant: str = "live_nl", width: int = 32):
        super().__init__()
        self.spatial = InterIR(spatial_variant)
        self.fusion = Fusion(width)
        self.s = self.spatial.s
        self.K = self.spatial.K

    def spatial_pass(self, x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(y clamped to [0, 1], residuals, routing) of the single-frame network, all K stages from cold."""
        y, _, res, routing = self.spatial.run(x, torch.zeros(0, device=x.device), self.K)
        return y.clamp(0.0, 1.0), res, routing

    def previous(self, state: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        if state.numel() == 0:
            return y
        return pixel_shuffle(state[:, :3 * self.s * self.s], self.s)

    def forward(self, x: torch.Tensor, state: torch.Tensor, k: int
                ) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        y, res, routing = self.spatial_pass(x)
        out = self.fusion(x, y, self.previous(state, y)).clamp(0.0, 1.0)
        return out, F.pixel_unshuffle(out, self.s), res, routing
