"""InterIR network as this project builds it (design and reasons: docs/model.md at the repository root).

Deep-unfolding restoration network: K stages of an improved semi-smooth Newton (ISN) iteration in a
feature space Z = conv3x3(PixelUnshuffle_s(D)), degradation operator H(U) = L U R with L (h x h) and
R (w x w) shared over G groups of channels, explainable convolutions (EConv) in the learned blocks,
and a predicted per-pixel filter head applied to the full-resolution input.

TorchScript entry point (the contract with the Java side):
    forward(x, state, k) -> (y, new_state, residuals, routing)
    state empty: cold start, all K stages; otherwise the last k stages from the state, and k = 0 runs no
    stage at all (a still tile: the output layer on the new frame from the kept state).
"""
from typing import Dict, List, Optional, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F

# ----------------------------------------------------------------------------------------------
# Named variants. s: PixelUnshuffle scale, C: feature channels, K: ISN stages, G: channel groups that
# share one L and one R, NB: EConv bank size, kf: size of the predicted per-pixel filter, hidden:
# routing MLP width, head: channels of the head trunk, tile/overlap: recommended inference tiling.
VARIANTS: Dict[str, Dict[str, int]] = {
    # real time on 2 CPU cores at 640x360 (see README for the measured figures)
    "live": dict(s=4, C=16, K=4, G=4, NB=4, kf=3, hidden=16, head=16, tile=128, overlap=8),
    # live + the dark-channel haze prior in the head (dcp=1; see haze_prior)
    "live_dcp": dict(s=4, C=16, K=4, G=4, NB=4, kf=3, hidden=16, head=16, tile=128, overlap=8, dcp=1),
    # live_dcp + a second kf x kf filter on the half-resolution input (coarse=1; see Head): a 6 px support for
    # the noise in flat regions, where the 3 px filter alone left the noise rows below nlmeans
    "live_ms": dict(s=4, C=16, K=4, G=4, NB=4, kf=3, hidden=16, head=16, tile=128, overlap=8, dcp=1, coarse=1),
    # live_ms + patch-similarity weights in both filters (nl=1; see Head.filter): the taps predicted from the 1/4-res
    # features cannot follow an edge to the pixel, the similarity of the 5x5 patches around two pixels can
    "live_nl": dict(s=4, C=16, K=4, G=4, NB=4, kf=3, hidden=16, head=16, tile=128, overlap=8, dcp=1, coarse=1, nl=1),
    # a middle size for files / a faster CPU
    "small": dict(s=4, C=24, K=6, G=4, NB=6, kf=5, hidden=24, head=24, tile=128, overlap=16),
    # for a GPU: the live_nl head (haze prior, coarse filter, patch weights) on twice the channels and 1.5x the
    # stages (7x live's parameters). Sized to what one short GPU lease trains from scratch (docs/model.md);
    # the first draft (C=48, K=8, NB=8, kf=7: 5.6 M parameters) was never trained
    "base": dict(s=4, C=32, K=6, G=4, NB=6, kf=5, hidden=32, head=32, tile=256, overlap=16, dcp=1, coarse=1, nl=1),
    # only for unit tests
    "test": dict(s=2, C=8, K=3, G=2, NB=3, kf=3, hidden=8, head=8, tile=32, overlap=4),
}


# Layout: everything runs in plain NCHW. (A channels_last conversion around every conv was tried; timed
# again on this CPU with 18 tiles of 32x32 features at 1 thread, NCHW is 1.3-1.9x faster for the 3x3
# convolutions, and the layout round trips were 10-20% of a warm forward.)


def conv1x1(x: torch.Tensor, weight: torch.Tensor, bias: Optional[torch.Tensor]) -> torch.Tensor:
    """A 1x1 convolution as one einsum over [Cout,Cin] x [B,Cin,h*w]: no layout conversion and the output is
    NCHW. Timed at 1 thread for 16->144 on 18 tiles of 32x32: einsum 1.5 ms, F.conv2d 2.7 ms in
    channels_last plus the conversions, 21 ms in NCHW, a broadcast torch.matmul 20 ms."""
    B, ci, h, w = x.shape
    co = weight.shape[0]
    y = torch.einsum("oc,bcn->bon", weight.reshape(co, ci), x.reshape(B, ci, h * w))
    if bias is not None:
        y = y + bias.view(1, co, 1)
    return y.reshape(B, co, h, w)


def pixel_shuffle(x: torch.Tensor, s: int) -> torch.Tensor:
    """nn.PixelShuffle as one view/permute/reshape: [B, C*s*s, h, w] -> [B, C, h*s, w*s] (1.8x faster than the
    built-in at 1 thread on the head's 144-channel tensor)."""
    B, cs, h, w = x.shape
    c = cs // (s * s)
    return x.reshape(B, c, s, s, h, w).permute(0, 1, 4, 2, 5, 3).reshape(B, c, h * s, w * s)


def pixel_unshuffle(x: torch.Tensor, s: int) -> torch.Tensor:
    """The inverse of pixel_shuffle, nn.PixelUnshuffle's layout: [B, C, H, W] -> [B, C*s*s, H/s, W/s] (2.4x faster
    than the built-in at 1 thread on the video network's 9-plane state)."""
    B, c, H, W = x.shape
    h = H // s
    w = W // s
    return x.reshape(B, c, h, s, w, s).permute(0, 1, 3, 5, 2, 4).reshape(B, c * s * s, h, w)


def rownorm(m: torch.Tensor) -> torch.Tensor:
    """Operator normalisation of each [h,h] matrix: divide by the larger of its maximum absolute row sum
    and maximum absolute column sum. Then ||M||_2 <= sqrt(||M||_1 ||M||_inf) <= 1, so H = L U R and
    H^T H have norm <= 1 and the ISN gradient step (0 < eta < 2) cannot diverge. (A plain row
    normalisation left column sums up to h and the warm-started iteration blew up on some inputs.)"""
    r = m.abs().sum(dim=-1).amax(dim=-1)
    c = m.abs().sum(dim=-2).amax(dim=-1)
    return m / (torch.maximum(r, c).unsqueeze(-1).unsqueeze(-1) + 1e-6)


def lmul(Lm: torch.Tensor, U: torch.Tensor, G: int) -> torch.Tensor:
    """L U for every channel, L [B,G,h,h] shared by the C/G channels of a group; U [B,C,h,w].
    One wide batched matmul per group: [h,h] x [h, (C/G)*w]."""
    B, C, h, w = U.shape
    cg = C // G
    Ug = U.reshape(B, G, cg, h, w).permute(0, 1, 3, 2, 4).reshape(B, G, h, cg * w)
    out = torch.matmul(Lm, Ug)
    return out.reshape(B, G, h, cg, w).permute(0, 1, 3, 2, 4).reshape(B, C, h, w)


def rmul(U: torch.Tensor, Rm: torch.Tensor, G: int) -> torch.Tensor:
    """U R for every channel, R [B,G,w,w]; one [(C/G)*h, w] x [w,w] matmul per group (no copy needed)."""
    B, C, h, w = U.shape
    out = torch.matmul(U.reshape(B, G, (C // G) * h, w), Rm)
    return out.reshape(B, C, h, w)


def gram_rows(a: torch.Tensor, b: torch.Tensor, G: int) -> torch.Tensor:
    """sum over the channels of a group and over columns of a b^T -> [B,G,h,h]."""
    B, C, h, w = a.shape
    cg = C // G
    ag = a.reshape(B, G, cg, h, w).permute(0, 1, 3, 2, 4).reshape(B, G, h, cg * w)
    bg = b.reshape(B, G, cg, h, w).permute(0, 1, 3, 2, 4).reshape(B, G, h, cg * w)
    return torch.matmul(ag, bg.transpose(-1, -2))


def gram_cols(a: torch.Tensor, b: torch.Tensor, G: int) -> torch.Tensor:
    """a^T b summed over rows and the channels of a group -> [B,G,w,w]."""
    B, C, h, w = a.shape
    ag = a.reshape(B, G, (C // G) * h, w)
    bg = b.reshape(B, G, (C // G) * h, w)
    return torch.matmul(ag.transpose(-1, -2), bg)


class EConv(nn.Module):
    """Explainable convolution (3x3, C_in -> C_out).

    kernel(sample) = sum_n pi_n(sample) W_n                       (bank: the stored knowledge)
                   + sum_t alpha_t * Diff_t(theta_t)               (fixed-form difference branches)
    pi = softmax(MLP([mean(x), mean|grad x|]))  per sample (pooled statistics of the input).
    Difference branches: central (x_i - x_centre), horizontal (x_left - x_right), vertical
    (x_up - x_down); alpha is a per-output-channel gate. Everything is linear in the kernel, so the
    branches fold into ONE kernel per sample, applied as a grouped convolution (groups = batch).
    """

    def __init__(self, cin: int, cout: int, nb: int, hidden: int):
        super().__init__()
        self.cin = cin
        self.cout = cout
        self.nb = nb
        self.bank = nn.Parameter(torch.randn(nb, cout, cin, 3, 3) * (1.0 / (cin * 9) ** 0.5))
        self.theta_c = nn.Parameter(torch.randn(cout, cin, 3, 3) * (0.5 / (cin * 9) ** 0.5))
        self.theta_h = nn.Parameter(torch.randn(cout, cin, 3) * (0.5 / (cin * 3) ** 0.5))
        self.theta_v = nn.Parameter(torch.randn(cout, cin, 3) * (0.5 / (cin * 3) ** 0.5))
        self.alpha = nn.Parameter(torch.zeros(cout, 3))  # channel gate, sigmoid(0) = 0.5
        self.bias = nn.Parameter(torch.zeros(cout))
        self.route1 = nn.Linear(2 * cin, hidden)
        self.route2 = nn.Linear(hidden, nb)
        nn.init.zeros_(self.route2.weight)
        nn.init.zeros_(self.route2.bias)

    def diff_kernel(self) -> torch.Tensor:
        gate = torch.sigmoid(self.alpha)  # [cout,3]
        # central difference: sum_i w_i (x_i - x_c)  ==  kernel w with centre replaced by w_c - sum(w)
        tc = self.theta_c
        centre = torch.zeros_like(tc)
        centre[:, :, 1, 1] = tc.sum(dim=(2, 3))
        kc = tc - centre
        z = torch.zeros_like(self.theta_h)
        kh = torch.stack([self.theta_h, z, -self.theta_h], dim=3)  # columns: left +, right -
        kv = torch.stack([self.theta_v, z, -self.theta_v], dim=2)  # rows: up +, down -
        return (gate[:, 0].view(-1, 1, 1, 1) * kc + gate[:, 1].view(-1, 1, 1, 1) * kh
                + gate[:, 2].view(-1, 1, 1, 1) * kv)

    def routing(self, x: torch.Tensor) -> torch.Tensor:
        m = x.mean(dim=(2, 3))
        gx = (x[:, :, :, 1:] - x[:, :, :, :-1]).abs().mean(dim=(2, 3))
        gy = (x[:, :, 1:, :] - x[:, :, :-1, :]).abs().mean(dim=(2, 3))
        stats = torch.cat([m, gx + gy], dim=1)
        return torch.softmax(self.route2(torch.relu(self.route1(stats))), dim=1)

    def forward(self, x: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
        B, C, h, w = x.shape
        pi = self.routing(x)  # [B,NB]
        wk = torch.matmul(pi, self.bank.reshape(self.nb, -1)).reshape(B, self.cout, self.cin, 3, 3)
        wk = wk + self.diff_kernel().unsqueeze(0)
        y = F.conv2d(x.reshape(1, B * C, h, w), wk.reshape(B * self.cout, self.cin, 3, 3), None, 1, 1, 1, B)
        y = y.reshape(B, self.cout, h, w) + self.bias.view(1, -1, 1, 1)
        return y, pi


class ISNStage(nn.Module):
    """One ISN iteration; weights are not shared across stages.

    Cost-driven choices (2-core CPU, see README): B_1 is computed by the same EConv as B_a (2C
    outputs), f_D by the same 3x3 conv as the first layer of f_S, g and h are per-channel scales, and
    B_m, B_L, B_R share one 1x1 conv on the new U; the network adds their Z halves (zpart, 4C
    channels) from one 1x1 conv on Z."""

    def __init__(self, C: int, G: int, nb: int, hidden: int):
        super().__init__()
        self.G = G
        self.C = C
        self.B_a1 = EConv(C, 2 * C, nb, hidden)                  # [B_a(U), B_1(U)]
        self.fS1 = nn.Conv2d(C, 2 * C, 3, padding=1)             # [hidden of f_S, f_D(x)]
        self.fS2 = nn.Conv2d(C, C, 3, padding=1)
        self.B_3 = EConv(C, C, nb, hidden)
        self.g = nn.Parameter(torch.ones(1, C, 1, 1))
        self.h = nn.Parameter(torch.ones(1, C, 1, 1) * 0.1)
        self.B_mLR = nn.Conv2d(C, 5 * C, 1)                      # [B_m(U), U-part of m1,m2,n1,n2]
        self.eta_raw = nn.Parameter(torch.tensor(-1.0))      # eta = 1.9 * sigmoid(eta_raw) in (0, 1.9)
        nn.init.zeros_(self.fS2.weight)
        nn.init.zeros_(self.fS2.bias)

    def forward(self, U: torch.Tensor, Lam: torch.Tensor, Lm: torch.Tensor, Rm: torch.Tensor,
                Z: torch.Tensor, zpart: torch.Tensor
                ) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor,
                           torch.Tensor]:
        C = self.C
        G = self.G
        ML = torch.matmul(Lm.transpose(-1, -2), Lm)            # L^T L   [B,G,h,h]
        MR = torch.matmul(Rm, Rm.transpose(-1, -2))            # R R^T   [B,G,w,w]
        ba1, pi1 = self.B_a1(U)
        x = ba1[:, :C] + Lam
        s1 = self.fS1(x)
        a = x + self.fS2(F.leaky_relu(s1[:, :C], 0.1))   # learned shrinkage (prox step of the prior)
        d = torch.sigmoid(s1[:, C:])                             # generalised derivative of f_S
        HtZ = lmul(Lm.transpose(-1, -2), rmul(Z, Rm.transpose(-1, -2), G), G)
        Fr = lmul(ML, rmul(U, MR, G), G) - HtZ + self.g * (ba1[:, C:] + Lam - a)
        b3, pi2 = self.B_3(Fr)
        v = lmul(ML, rmul(Fr, MR, G), G) + self.h * (b3 * (1.0 - d))
        U = U - 1.9 * torch.sigmoid(self.eta_raw) * v
        p = conv1x1(U, self.B_mLR.weight, self.B_mLR.bias)
        pz = p[:, C:] + zpart
        Lm = rownorm(gram_rows(rmul(pz[:, :C], Rm, G), pz[:, C:2 * C], G))
        Rm = rownorm(gram_cols(lmul(Lm, pz[:, 2 * C:3 * C], G), pz[:, 3 * C:], G))
        Lam = Lam + p[:, :C] - a
        fnorm = torch.sqrt(Fr.pow(2).mean(dim=(1, 2, 3)) + 1e-12)
        return U, Lam, Lm, Rm, fnorm, 0.5 * (pi1[:, :] + pi2)


def conv3x3_blocks(parts: List[torch.Tensor], weight: torch.Tensor, bias: Optional[torch.Tensor]) -> torch.Tensor:
    """F.conv2d(torch.cat(parts, 1), weight, bias, 1, 1) (3x3, zero padding 1) as a sum of convolutions of at most
    16 input channels each: consecutive parts are concatenated while they fit in 16 channels, a part of more than
    16 channels is cut in blocks of 16. libtorch 2.3.1's oneDNN (DJL's engine) computes a convolution with more than
    16 input channels that are not a multiple of 16 wrongly: taps of the last, partial channel block are dropped
    (which ones depends on the thread count) and uninitialised memory is read, which now and then makes the output
    NaN. With at most 16 input channels it agrees with PyTorch. The weights are the single convolution's (same
    parameter, same layout): checkpoints load unchanged."""
    blocks: List[torch.Tensor] = []
    group: List[torch.Tensor] = []
    n = 0
    for p in parts:
        c = p.shape[1]
        i = 0
        while i < c:
            k = min(16, c - i)
            if n + k > 16:
                blocks.append(torch.cat(group, dim=1))
                group = []
                n = 0
            group.append(p if k == c else p[:, i:i + k])
            n += k
            i += k
    if n > 0:
        blocks.append(torch.cat(group, dim=1))
    c0 = blocks[0].shape[1]
    y = F.conv2d(blocks[0].contiguous(), weight[:, :c0].contiguous(), bias, 1, 1)
    for j in range(1, len(blocks)):
        c = blocks[j].shape[1]
        y = y + F.conv2d(blocks[j].contiguous(), weight[:, c0:c0 + c].contiguous(), None, 1, 1)
        c0 += c
    return y


def box_sum5(x: torch.Tensor) -> torch.Tensor:
    """Sum over the 5x5 window around each pixel (zeros outside), [B,1,H,W], by running sums: 1.5 ms on 18 tiles
    of 128 px at one thread, where F.avg_pool2d(x, 5, 1, 2) takes 9-12 ms and a 5x5 convolution 4.4 ms."""
    c = F.pad(x, [3, 2, 3, 2]).cumsum(2)
    c = (c[:, :, 5:] - c[:, :, :-5]).cumsum(3)
    return c[:, :, :, 5:] - c[:, :, :, :-5]


def haze_prior(x: torch.Tensor, s: int, patch: int = 5, omega: float = 0.95
               ) -> Tuple[torch.Tensor, torch.Tensor]:
    """Dark channel prior on one tile, at 1/s resolution: transmission t [B,1,H/s,W/s] in [0.1, 1] and
    airlight A [B,3,1,1]. The dark channel is the minimum over the colours and over s x s blocks, then
    over `patch` x `patch` blocks (5 x 4 = 20 px); A is the mean colour of the 1% brightest dark-channel
    blocks. The network alone never learned to dehaze (its haze row stayed at the input's PSNR) while
    this estimate, per 128 px tile, gains 2.5 dB (evaluate.py, 'dark channel prior, 128 px tiles');
    the head decides per pixel how much of it to apply."""
    xmin = -F.max_pool2d(-x, s)                                                 # [B,3,h,w]
    B, _, h, w = xmin.shape
    dark = -F.max_pool2d(-xmin.amin(dim=1, keepdim=True), patch, 1, patch // 2)
    n = max(1, (h * w) // 100)
    # a stable sort, not topk: the dark channel is min-pooled, so blocks tie exactly, and which tied blocks topk
    # returns depends on the CPU's kernel (the airlight, and the whole picture, then differed between machines)
    idx = torch.sort(dark.reshape(B, h * w), dim=1, descending=True, stable=True)[1][:, :n]    # [B,n]
    mean = F.avg_pool2d(x, s).reshape(B, 3, h * w)
    A = torch.gather(mean, 2, idx.unsqueeze(1).expand(B, 3, n)).mean(dim=2).clamp(0.05, 1.0)
    A = A.reshape(B, 3, 1, 1)
    dn = -F.max_pool2d(-(xmin / A).amin(dim=1, keepdim=True), patch, 1, patch // 2)
    t = (1.0 - omega * dn).clamp(0.1, 1.0)
    return t, A


class Head(nn.Module):
    """Output head: y = gain * (per-pixel kf x kf filter applied to the full-res input D) + bias + res.

    The filter taps (softmax-normalised, shared by R,G,B) are predicted from U_K per full-res pixel
    (1x1 conv to s*s*kf*kf channels + PixelShuffle); gain and bias are smooth low-resolution fields
    (bilinearly upsampled) that can undo the haze model I*t + A(1-t); res is a light residual branch
    (conv3x3 -> 3*s*s channels -> PixelShuffle). See README: this avoids the C < 3*s*s bottleneck."""

    def __init__(self, C: int, s: int, kf: int, width: int, dcp: bool = False, coarse: bool = False,
                 nl: bool = False):
        super().__init__()
        self.s = s
        self.kf = kf
        self.trunk = nn.Conv2d(C, width, 3, padding=1)
        self.taps = nn.Conv2d(width, s * s * kf * kf, 1)
        self.gb = nn.Conv2d(width, 6, 1)
        # with the haze prior, beta says per pixel how much of the physical inversion D/t + A(1 - 1/t) to apply.
        # It has its own small trunk on [U, t, the tile's mean t]: where t is low because of haze and where it
        # is low because of bright content or rain is a call the feature state has to make. haze_beta starts at
        # zero (grafting onto a network without the prior changes nothing) and haze_trunk at random, so beta's
        # first gradients already see t. (A first try fed t into the shared trunk with both layers at zero: beta
        # stayed near zero and went negative on hazy tiles, runs/live-dcp-try1.) Own learning rate:
        # train.py --new-lr-mult.
        self.haze_trunk = nn.Conv2d(C + 2, 8, 3, padding=1) if dcp else None
        self.haze_beta = nn.Conv2d(8, 1, 1) if dcp else None
        # coarse: the same kind of filter on the input at half resolution (taps per half-res pixel), upsampled and
        # mixed in per pixel by coarse_mix: y = fine + mix (coarse - fine). A 3 x 3 filter at half resolution
        # reaches 6 px for a fraction of the cost of a 5 x 5 one at full resolution (about +100 ms a frame at one
        # thread: `python3 -m interir.bench --variant live_dcp --set kf=5`). coarse_mix starts at zero, so grafting
        # onto a network without it changes nothing.
        h2 = s // 2
        self.coarse_taps = nn.Conv2d(width, h2 * h2 * kf * kf, 1) if coarse else None
        self.coarse_mix = nn.Conv2d(width, 1, 1) if coarse else None
        # nl: each tap's weight is also multiplied by exp(-gamma * d), d the mean squared luma difference of the 5x5
        # patches around the pixel and around the tap (non-local means' weight, within the filter's reach), so the
        # filter stops at edges the 1/4-res features cannot place. gamma = nl_scale * softplus(nl_gate(features)),
        # per pixel (the noise level and the content decide it) and per filter (fine, coarse). nl_scale starts at
        # zero: grafting onto live_ms changes nothing.
        self.nl_gate = nn.Conv2d(width, 2 if coarse else 1, 1) if nl else None
        self.nl_scale = nn.Parameter(torch.zeros(2 if coarse else 1)) if nl else None
        self.res = nn.Conv2d(width, 3 * s * s, 3, padding=1)
        nn.init.zeros_(self.taps.weight)
        with torch.no_grad():
            b = torch.zeros(kf * kf, s * s)
            b[(kf * kf) // 2] = 3.0        # start near the identity filter
            self.taps.bias.copy_(b.reshape(-1))
        if self.coarse_taps is not None and self.coarse_mix is not None:
            nn.init.zeros_(self.coarse_taps.weight)
            with torch.no_grad():
                b = torch.zeros(kf * kf, h2 * h2)
                b[(kf * kf) // 2] = 3.0
                self.coarse_taps.bias.copy_(b.reshape(-1))
            nn.init.zeros_(self.coarse_mix.weight)
            nn.init.zeros_(self.coarse_mix.bias)
        if self.nl_gate is not None:
            nn.init.zeros_(self.nl_gate.weight)
            nn.init.zeros_(self.nl_gate.bias)
        nn.init.zeros_(self.gb.weight)
        nn.init.zeros_(self.gb.bias)
        if self.haze_beta is not None:
            nn.init.zeros_(self.haze_beta.weight)
            nn.init.zeros_(self.haze_beta.bias)
        nn.init.normal_(self.res.weight, std=1e-3)
        nn.init.zeros_(self.res.bias)

    def haze(self, U: torch.Tensor, D: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(beta [B,1,H/s,W/s], t, A): how much of the haze prior to apply, and the prior itself (dcp only)."""
        haze_trunk = self.haze_trunk
        haze_beta = self.haze_beta
        assert haze_trunk is not None and haze_beta is not None, "this head has no haze prior"
        tr, A = haze_prior(D, self.s)
        # haze_trunk on cat([U, t, mean t]), computed one channel block at a time (see conv3x3_blocks): its C + 2
        # input channels are not a multiple of 16
        hz = conv3x3_blocks([U, tr, tr.mean(dim=(2, 3), keepdim=True).expand_as(tr)], haze_trunk.weight,
                            haze_trunk.bias)
        return conv1x1(F.leaky_relu(hz, 0.1), haze_beta.weight, haze_beta.bias), tr, A

    def filter(self, t: torch.Tensor, D: torch.Tensor, weight: torch.Tensor, bias: Optional[torch.Tensor], up: int,
               gamma: Optional[torch.Tensor] = None) -> torch.Tensor:
        """D [B,3,H,W] filtered with kf x kf taps per pixel, predicted from t [B,width,H/up,W/up] (up x up pixels
        of D per pixel of t). The softmax over the taps is computed as exp at low resolution and one division of
        the filtered image: the same function, but a channel-dim softmax and a 9-channel full-res normalisation
        cost ~11 ms of a 75 ms warm forward on this CPU. gamma [B,1,H,W] (>= 0, nl variants): each tap's weight is
        multiplied by exp(-gamma * patch distance), see nl_gate."""
        B, _, H, W = D.shape
        n = self.kf * self.kf
        logits = conv1x1(t, weight, bias)                                       # [B, n*up*up, h, w]
        h, w = logits.shape[2], logits.shape[3]
        lg = logits.view(B, n, up * up, h, w)
        e = torch.exp(lg - lg.amax(dim=1, keepdim=True))
        taps = pixel_shuffle(e.view(B, n * up * up, h, w), up)                  # [B, n, H, W]
        p = self.kf // 2
        Dp = F.pad(D, [p, p, p, p], mode="replicate")
        acc = torch.zeros_like(D)
        if gamma is None:
            norm = pixel_shuffle(e.sum(dim=1), up)                              # [B, 1, H, W]
            i = 0
            for dy in range(self.kf):
                for dx in range(self.kf):
                    acc = torch.addcmul(acc, taps[:, i:i + 1], Dp[:, :, dy:dy + H, dx:dx + W])
                    i += 1
            return acc / norm
        Y = D.mean(dim=1, keepdim=True)
        Yp = F.pad(Y, [p, p, p, p], mode="replicate")
        # pixels of each 5x5 window inside the image: the patch distance is F.avg_pool2d(d2, 5, 1, 2,
        # count_include_pad=False), the same map for every tap
        window = box_sum5(torch.ones_like(Y[:1]))
        nrm = torch.zeros_like(Y)
        i = 0
        for dy in range(self.kf):
            for dx in range(self.kf):
                tap = taps[:, i:i + 1]
                if dy != p or dx != p:
                    # mean squared luma difference of the two 5x5 patches
                    d2 = (Yp[:, :, dy:dy + H, dx:dx + W] - Y).square()
                    dist = box_sum5(d2) / window
                    tap = tap * torch.exp(-gamma * dist)
                nrm = nrm + tap
                acc = torch.addcmul(acc, tap, Dp[:, :, dy:dy + H, dx:dx + W])
                i += 1
        return acc / nrm.clamp(min=1e-30)

    def nl_gamma(self, t: torch.Tensor, j: int, size: List[int]) -> Optional[torch.Tensor]:
        """gamma of filter j (0 fine, 1 coarse) at `size`, or None without nl. nl_scale is clamped at zero (the
        clamp passes the gradient at zero, so the graft's starting point can move)."""
        nl_gate = self.nl_gate
        nl_scale = self.nl_scale
        if nl_gate is None or nl_scale is None:
            return None
        gate_bias = nl_gate.bias
        assert gate_bias is not None
        z = conv1x1(t, nl_gate.weight[j:j + 1], gate_bias[j:j + 1])
        g = F.softplus(F.interpolate(z, size=size, mode="bilinear", align_corners=False))
        # 650.25 = (255/10)^2: nl_scale counts the distance in units of (10/255)^2, in which two flat patches with
        # noise sigma lie about (2/3)(sigma/10)^2 apart (luma averages three channels' noise), so an nl_scale of
        # order 0.1 already matters in the first steps after a graft
        return g * (nl_scale[j].clamp(min=0.0) * 650.25)

    def features(self, U: torch.Tensor) -> torch.Tensor:
        """The head trunk's features at 1/s resolution: every output field (taps, gain/bias, coarse mix) reads them."""
        return F.leaky_relu(self.trunk(U), 0.1)

    def forward(self, U: torch.Tensor, D: torch.Tensor) -> torch.Tensor:
        B, _, H, W = D.shape
        t = self.features(U)
        filtered = self.filter(t, D, self.taps.weight, self.taps.bias, self.s, self.nl_gamma(t, 0, [H, W]))
        coarse_taps = self.coarse_taps
        coarse_mix = self.coarse_mix
        if coarse_taps is not None and coarse_mix is not None:
            coarse = self.filter(t, F.avg_pool2d(D, 2), coarse_taps.weight, coarse_taps.bias, self.s // 2,
                                 self.nl_gamma(t, 1, [H // 2, W // 2]))
            coarse = F.interpolate(coarse, size=[H, W], mode="bilinear", align_corners=False)
            mix = F.interpolate(conv1x1(t, coarse_mix.weight, coarse_mix.bias), size=[H, W], mode="bilinear",
                                align_corners=False)
            filtered = filtered + mix * (coarse - filtered)
        gb = conv1x1(t, self.gb.weight, self.gb.bias)
        haze_trunk = self.haze_trunk
        haze_beta = self.haze_beta
        if haze_trunk is not None and haze_beta is not None:
            beta, tr, A = self.haze(U, D)
            # gain (1 + g)(1 + beta (1/t - 1)), bias b - beta A (1/t - 1): beta = 1 is the physical inversion
            r = beta * (1.0 / tr - 1.0)
            gb = torch.cat([(1.0 + gb[:, :3]) * (1.0 + r) - 1.0, gb[:, 3:6] - A * r], dim=1)
        gb = F.interpolate(gb, size=[H, W], mode="bilinear", align_corners=False)
        return (1.0 + gb[:, :3]) * filtered + gb[:, 3:] + pixel_shuffle(self.res(t), self.s)


class InterIR(nn.Module):
    def __init__(self, variant: str = "live"):
        super().__init__()
        cfg = VARIANTS[variant]
        self.variant = variant
        self.s = cfg["s"]
        self.C = cfg["C"]
        self.K = cfg["K"]
        self.G = cfg["G"]
        self.NB = cfg["NB"]
        assert self.C % self.G == 0
        self.unshuffle = nn.PixelUnshuffle(self.s)
        self.init_conv = nn.Conv2d(3 * self.s * self.s, self.C, 3, padding=1)
        self.lam_init = nn.Conv2d(self.C, self.C, 1)
        # Z halves of every stage's B_L / B_R (4C channels per stage, sliced per stage in run())
        self.zconv = nn.Conv2d(self.C, 4 * self.C * self.K, 1)
        self.stages = nn.ModuleList([ISNStage(self.C, self.G, self.NB, cfg["hidden"])
                                     for _ in range(self.K)])
        self.head = Head(self.C, self.s, cfg["kf"], cfg["head"], bool(cfg.get("dcp", 0)), bool(cfg.get("coarse", 0)),
                         bool(cfg.get("nl", 0)))

    # ---- state packing: ONE tensor [B, S, h, w], S = 2C + G*ceil(h/w) + G*ceil(w/h) (2C+2G if square)
    def state_channels(self, h: int, w: int) -> int:
        return 2 * self.C + self.G * ((h + w - 1) // w) + self.G * ((w + h - 1) // h)

    def pack(self, U: torch.Tensor, Lam: torch.Tensor, Lm: torch.Tensor, Rm: torch.Tensor) -> torch.Tensor:
        B, C, h, w = U.shape
        G = self.G
        mL = (h + w - 1) // w
        mR = (w + h - 1) // h
        Lp = F.pad(Lm, [0, mL * w - h]).reshape(B, G, h, mL, w).permute(0, 1, 3, 2, 4)
        Lp = Lp.reshape(B, G * mL, h, w)
        Rp = F.pad(Rm, [0, 0, 0, mR * h - w]).reshape(B, G * mR, h, w)
        return torch.cat([U, Lam, Lp, Rp], dim=1)

    def unpack(self, state: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        B, S, h, w = state.shape
        C = self.C
        G = self.G
        mL = (h + w - 1) // w
        mR = (w + h - 1) // h
        U = state[:, :C]
        Lam = state[:, C:2 * C]
        Lp = state[:, 2 * C:2 * C + G * mL].reshape(B, G, mL, h, w).permute(0, 1, 3, 2, 4)
        Lm = Lp.reshape(B, G, h, mL * w)[:, :, :, :h]
        Rm = state[:, 2 * C + G * mL:2 * C + G * mL + G * mR].reshape(B, G, mR * h, w)[:, :, :w, :]
        # a state from another frame / a stale tile is clamped: the service must never diverge
        return U.clamp(-20.0, 20.0), Lam.clamp(-20.0, 20.0), Lm.contiguous(), Rm.contiguous()

    def init_state(self, Z: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        Lam = conv1x1(Z, self.lam_init.weight, self.lam_init.bias) + Z
        Lm = rownorm(gram_rows(Z, Z, self.G))
        Rm = rownorm(gram_cols(Z, Z, self.G))
        return Z, Lam, Lm, Rm

    def run(self, x: torch.Tensor, state: torch.Tensor, k: int
            ) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        """Like forward, but the image output is not clamped (used for training)."""
        if state.numel() != 0 and k <= 0:
            # a still tile: its content has not moved since its state was reached, so the state stays valid and
            # only the output layer runs, on the new frame (fresh noise and rain are filtered; no ISN stage)
            U, Lam, Lm, Rm = self.unpack(state)
            B = x.shape[0]
            return (self.head(U, x), self.pack(U, Lam, Lm, Rm), torch.zeros(B, 0, device=x.device),
                    torch.zeros(B, self.NB, device=x.device))
        Z = self.init_conv(self.unshuffle(x))
        if state.numel() == 0:
            U, Lam, Lm, Rm = self.init_state(Z)
            start = 0
        else:
            U, Lam, Lm, Rm = self.unpack(state)
            start = self.K - min(k, self.K)
        res: List[torch.Tensor] = []
        pis: List[torch.Tensor] = []
        i = 0
        for stage in self.stages:
            if i >= start:
                # only the Z part of the stages that run (a warm k=1 pass computes a quarter of it)
                lo = 4 * self.C * i
                hi = 4 * self.C * (i + 1)
                zb = self.zconv.bias
                assert zb is not None
                zs = conv1x1(Z, self.zconv.weight[lo:hi], zb[lo:hi])
                U, Lam, Lm, Rm, fn, pi = stage(U, Lam, Lm, Rm, Z, zs)
                res.append(fn)
                pis.append(pi)
            i += 1
        y = self.head(U, x)
        routing = torch.stack(pis, dim=1).mean(dim=1)
        return y, self.pack(U, Lam, Lm, Rm), torch.stack(res, dim=1), routing

    def forward(self, x: torch.Tensor, state: torch.Tensor, k: int
                ) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
        y, st, res, routing = self.run(x, state, k)
        return torch.clamp(y, 0.0, 1.0), st, res, routing


def build(variant: str) -> InterIR:
    return InterIR(variant)


def graft(model: InterIR, old: Dict[str, torch.Tensor]) -> List[str]:
    """Load a checkpoint of the same network without the haze prior (dcp), the coarse filter or the patch weights
    (nl) into `model`. The parts it lacks keep their initialisation (beta, the coarse mix and nl_scale at zero), so
    the grafted network computes what the old one did. Returns the names of those new tensors."""
    missing, unexpected = model.load_state_dict(old, strict=False)
    assert not unexpected, f"not the same network: {unexpected}"
    return list(missing)


def checkpoint_weights(ck: Dict) -> Dict[str, torch.Tensor]:
    """The weights a train.py checkpoint ships: the weight average (train.py --ema) where the run kept one."""
    return ck["ema"] if ck.get("ema") is not None else ck["model"]


def count_params(m: nn.Module) -> int:
    return sum(p.numel() for p in m.parameters())
