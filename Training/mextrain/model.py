"""SKD-TSTSAN (Zhu et al.), the network of paper section 3 / Figure 1, as the authors' code builds it.

Read top to bottom: the input layout, the magnification blocks (section 3.1, eq. 1), ECA (3.2,
eq. 2-3), TSM (3.3), then the three-stream network with its two auxiliary classifiers (3.4).

Attribute names are the authors' state_dict keys (reference-code notes section 2.6), so their
checkpoints load unchanged. Where the code and the paper disagree we follow the code (notes
section 9) and say so in a comment.

Every operation is written so that torch.onnx (opset 11) emits only what OpenCV 4.6's importer
reads (notes section 10): no zero tensor from a constant, ECA's 1-D conv as a Conv2d, TSM as
Slice + Concat with zero blocks made as `slice * 0`.
"""
import math
from typing import NamedTuple

import torch
import torch.nn as nn
import torch.nn.functional as F

from .config import ModelConfig

# ---------------------------------------------------------------------------------------------
# Input tensor: (N, 38, 48, 48), every channel in [0, 1] (notes section 1).
INPUT_CHANNELS = 38
INPUT_SIZE = 48
APEX, ONSET = slice(0, 1), slice(1, 2)        # S stream: whole face, "frame B" then "frame A"
APEX_GRID, ONSET_GRID = slice(2, 18), slice(18, 34)  # L stream: 4x4 grid, row-major blocks
FLOWS = slice(34, 38)                         # T stream: u1, v1 (onset->apex), u2, v2 (apex->offset)
SEGMENTS = 2                                  # T stream: two temporal segments (flow #1, flow #2)
ARCH_VERSION = "skd-tstsan-1"                 # bump when the graph or the input layout changes


class SKDOutput(NamedTuple):
    logits: torch.Tensor       # deepest classifier (theta_C)
    aux1: torch.Tensor         # AC1 logits (after conv1)
    aux2: torch.Tensor         # AC2 logits (after conv3)
    feat: torch.Tensor         # fused 384-d features, pre-dropout: F_C of eq. 9
    aux1_feat: torch.Tensor    # F_1
    aux2_feat: torch.Tensor    # F_2


# ---------------------------------------------------------------------------------------------
# Motion magnification without decoder (section 3.1, after Oh et al. 2018).

class ConvAct(nn.Module):
    """Reflection pad, bias-free conv, optional ReLU (the authors' Conv2D_activa)."""

    def __init__(self, cin, cout, k, stride=1, pad=0, relu=True):
        super().__init__()
        self.pad = nn.ReflectionPad2d(pad) if pad > 0 else nn.Identity()
        self.conv2d = nn.Conv2d(cin, cout, k, stride, bias=False)
        self.relu = relu

    def forward(self, x):
        x = self.conv2d(self.pad(x))
        return F.relu(x) if self.relu else x


class ResBlock(nn.Module):
    """x + conv(relu(conv(x))); no ReLU after the sum (Oh et al.'s residual block)."""

    def __init__(self, c=32):
        super().__init__()
        self.cba_1 = ConvAct(c, c, 3, 1, 1, relu=True)
        self.cba_2 = ConvAct(c, c, 3, 1, 1, relu=False)

    def forward(self, x):
        return x + self.cba_2(self.cba_1(x))


class ShapeEncoder(nn.Module):
    """Oh et al.'s shape (motion) encoder: 48x48 frame(s) -> 32x24x24 shape representation M."""

    def __init__(self, dim_in, w=32):
        super().__init__()
        self.cba_1 = ConvAct(dim_in, w // 2, 7, 1, 3)
        self.cba_2 = ConvAct(w // 2, w, 3, 2, 1)
        self.resblks = nn.Sequential(*[ResBlock(w) for _ in range(3)])
        self.motion_cba = ConvAct(w, w, 3, 1, 1)   # in the code, absent from Oh et al.'s magnet.pth
        self.motion_resblks = nn.Sequential(*[ResBlock(w) for _ in range(2)])

    def forward(self, x):
        x = self.resblks(self.cba_2(self.cba_1(x)))
        return self.motion_resblks(self.motion_cba(x))


class Manipulator(nn.Module):
    """Eq. 1, G_m(Ma, Mb, alpha) = M + h(alpha * g(Mb - Ma)).

    [CODE != PAPER] eq. 1 adds the result to Ma; the released code adds it to Mb (the apex), and
    multiplies by alpha where Oh et al. use alpha - 1. We follow the code.
    """

    def __init__(self, amp_factor, w=32):
        super().__init__()
        self.amp_factor = amp_factor
        self.g = ConvAct(w, w, 7, 1, 3, relu=True)
        self.h_conv = ConvAct(w, w, 3, 1, 1, relu=False)
        self.h_resblk = ResBlock(w)

    def forward(self, m_a, m_b):
        # m_a is None for the T stream: its "no motion" input is all zeros, and since every
        # magnification conv is bias-free with reflection padding, Encoder(0) == 0 exactly.
        # Skipping it is exact and avoids the constant Pad that OpenCV 4.6 rejects (notes 2.1, 10).
        d = m_b if m_a is None else m_b - m_a
        d = self.g(d) * self.amp_factor
        return m_b + self.h_resblk(self.h_conv(d))


# ---------------------------------------------------------------------------------------------
# Efficient channel attention (section 3.2).

def eca_kernel_size(channels: int) -> int:
    """Eq. 3: k = |log2(C)/2 + 1/2|_odd, computed as ECA-Net's code does (truncate, bump to odd)."""
    t = int(abs((math.log2(channels) + 1) / 2))
    return t if t % 2 else t + 1


class ECA(nn.Module):
    """Eq. 2: M = sigmoid(C1D_k(F_avg) + C1D_k(F_max)), one 1-D conv shared by both poolings."""

    def __init__(self, channels):
        super().__init__()
        self.k = eca_kernel_size(channels)
        self.conv = nn.Conv1d(1, 1, self.k, padding=(self.k - 1) // 2, bias=False)

    def forward(self, x):
        n, c = x.shape[0], x.shape[1]
        # The 1-D conv over channels is run as a Conv2d on (N, 1, C, 1) with the (1, 1, k) weight
        # viewed as (1, 1, k, 1): same numbers, but no Squeeze/Unsqueeze for OpenCV 4.6 (notes 10).
        w = self.conv.weight.view(1, 1, self.k, 1)
        pad = ((self.k - 1) // 2, 0)
        avg = F.adaptive_avg_pool2d(x, 1).view(-1, 1, c, 1)
        mx = F.adaptive_max_pool2d(x, 1).view(-1, 1, c, 1)
        att = F.conv2d(avg, w, padding=pad) + F.conv2d(mx, w, padding=pad)
        att = torch.sigmoid(att).view(-1, c, 1, 1)
        # Broadcast by a nearest "resize" of the 1x1 map: exact, and OpenCV 4.6 mis-handles a
        # broadcasting Mul of (N,C,H,W) by (N,C,1,1) when N > 1.
        return x * F.interpolate(att, scale_factor=(float(x.shape[2]), float(x.shape[3])), mode="nearest")


# ---------------------------------------------------------------------------------------------
# Bi-directional temporal shift (section 3.3, Figure 3).

def temporal_shift(x, n_div=8):
    """Shift 1/n_div of the channels one segment back and 1/n_div one segment forward, zero fill.

    x is (2N, C, H, W) with rows 2n = segment 0 (onset->apex flow) and 2n+1 = segment 1
    (apex->offset flow). Built from slices and concats only (notes section 10).
    """
    c, h, w = x.shape[1], x.shape[2], x.shape[3]
    f = c // n_div
    x = x.reshape(-1, SEGMENTS, c, h, w)
    seg0, seg1 = x[:, 0:1], x[:, 1:2]
    # Segment 0 takes channels [0, f) from the future (segment 1) and loses [f, 2f) to it.
    out0 = torch.cat([seg1[:, :, :f], seg0[:, :, f:2 * f] * 0, seg0[:, :, 2 * f:]], dim=2)
    # Segment 1 takes channels [f, 2f) from the past (segment 0); its [0, f) has no future: zero.
    out1 = torch.cat([seg1[:, :, :f] * 0, seg0[:, :, f:2 * f], seg1[:, :, 2 * f:]], dim=2)
    return torch.cat([out0, out1], dim=1).reshape(-1, c, h, w)


class TemporalShift(nn.Module):
    """TSM applied to the input of the wrapped conv; `net` keeps the authors' key names."""

    def __init__(self, net, n_div=8):
        super().__init__()
        self.net = net
        self.n_div = n_div

    def forward(self, x):
        return self.net(temporal_shift(x, self.n_div))


def segment_mean(x):
    """TSN consensus: (2N, D) -> (N, D), the mean of the two temporal segments."""
    d = x.shape[1]
    x = x.reshape(-1, SEGMENTS * d)    # 2-D slices: OpenCV 4.6 mis-shapes a Gather here for N > 1
    return (x[:, :d] + x[:, d:]) * 0.5


# ---------------------------------------------------------------------------------------------
# The network.

STREAMS = ("L", "S", "T")


class SKDTSTSAN(nn.Module):
    """Three-stream temporal-shift attention network with self-distillation heads (Figure 1).

    forward(x) returns an SKDOutput while training (or with with_aux=True) and the deepest
    classifier's logits alone in eval mode: the auxiliary classifiers are training-only (3.4).
    """

    def __init__(self, cfg: ModelConfig = ModelConfig()):
        super().__init__()
        self.cfg = cfg
        n = cfg.num_classes
        # Section 3.1: one encoder and one manipulator per stream (not shared).
        # Input channels: L = 16 grid blocks, S = 1 gray face, T = 2 flow components.
        for s, dim_in in zip(STREAMS, (16, 1, 2)):
            setattr(self, f"Aug_Encoder_{s}", ShapeEncoder(dim_in, cfg.mag_width))
            setattr(self, f"Aug_Manipulator_{s}", Manipulator(cfg.amp_factor, cfg.mag_width))

        # Trunk: conv1 k5 without padding (24 -> 20), conv2..5 k3 p1; L gets ECA, T gets TSM
        # before every conv except conv1 (notes 2.2).
        m, (c1, c2) = cfg.mag_width, cfg.widths          # 32, (64, 128) in the released code
        widths = {1: (m, c1, 5, 0), 2: (c1, c1, 3, 1), 3: (c1, c1, 3, 1), 4: (c1, c2, 3, 1),
                  5: (c2, c2, 3, 1)}
        for i, (cin, cout, k, p) in widths.items():
            for s in STREAMS:
                conv = nn.Conv2d(cin, cout, k, 1, p)
                if s == "T" and i > 1:
                    conv = TemporalShift(conv)
                setattr(self, f"conv{i}_{s}", conv)
                setattr(self, f"bn{i}_{s}", nn.BatchNorm2d(cout))
            setattr(self, f"ECA{i}", ECA(cout))

        self.aux = cfg.aux_classifiers
        if self.aux:
            # Section 3.4: AC1 branches after pool1 (first conv), AC2 after pool2 (third conv).
            # Their two convs per stream are also eq. 9's alignment convs (64 -> 128 channels).
            for a in ("AC1", "AC2"):
                for j, cin in ((1, c1), (2, c2)):
                    for s in STREAMS:
                        conv = nn.Conv2d(cin, c2, 3, 1, 1)
                        setattr(self, f"{a}_conv{j}_{s}", TemporalShift(conv) if s == "T" else conv)
                        setattr(self, f"{a}_bn{j}_{s}", nn.BatchNorm2d(c2))
                    setattr(self, f"{a}_ECA{j}", ECA(c2))
                setattr(self, f"{a}_fc", nn.Linear(3 * c2, n))

        self.pool1 = nn.MaxPool2d(5, 2, 2)
        self.pool2 = nn.AvgPool2d(3, 2, 1, count_include_pad=True)   # divisor 9, padding counted
        self.dropout = nn.Dropout(cfg.dropout)
        self.fc2 = nn.Linear(3 * c2, n)           # 384 = L128 | S128 | T128

    # One "Conv -> BN -> ReLU -> (ECA)" stage of one stream; ECA comes after the ReLU, L only (notes 2.2).
    def _stage(self, conv, bn, s, x, eca):
        x = F.relu(getattr(self, f"{bn}_{s}")(getattr(self, f"{conv}_{s}")(x)))
        return eca(x) if s == "L" else x

    def _head(self, prefix, feats):
        """Two more convs per stream then global average pooling: an AC's 384-d feature (3.4)."""
        out = []
        for s, x in zip(STREAMS, feats):
            x = self._stage(f"{prefix}_conv1", f"{prefix}_bn1", s, x, getattr(self, f"{prefix}_ECA1"))
            x = self._stage(f"{prefix}_conv2", f"{prefix}_bn2", s, x, getattr(self, f"{prefix}_ECA2"))
            x = torch.flatten(F.adaptive_avg_pool2d(x, 1), 1)
            out.append(segment_mean(x) if s == "T" else x)
        return torch.cat(out, dim=1)

    def forward(self, x, with_aux=None):
        with_aux = (self.training if with_aux is None else with_aux) and self.aux

        # Section 3.1: magnified shape representations, 32x24x24 each. S and L use (onset, apex);
        # T uses (zero flow, flow) with its two flows stacked as 2N rows of 2 channels.
        z_l = self.Aug_Manipulator_L(self.Aug_Encoder_L(x[:, ONSET_GRID]), self.Aug_Encoder_L(x[:, APEX_GRID]))
        z_s = self.Aug_Manipulator_S(self.Aug_Encoder_S(x[:, ONSET]), self.Aug_Encoder_S(x[:, APEX]))
        x_t = x[:, FLOWS].reshape(-1, 2, INPUT_SIZE, INPUT_SIZE)
        z_t = self.Aug_Manipulator_T(None, self.Aug_Encoder_T(x_t))
        h = [z_l, z_s, z_t]

        h = [self.pool1(self._stage("conv1", "bn1", s, v, self.ECA1)) for s, v in zip(STREAMS, h)]
        branch1 = h
        h = [self._stage("conv2", "bn2", s, v, self.ECA2) for s, v in zip(STREAMS, h)]
        h = [self.pool2(self._stage("conv3", "bn3", s, v, self.ECA3)) for s, v in zip(STREAMS, h)]
        branch2 = h
        h = [self._stage("conv4", "bn4", s, v, self.ECA4) for s, v in zip(STREAMS, h)]
        h = [self._stage("conv5", "bn5", s, v, self.ECA5) for s, v in zip(STREAMS, h)]
        h = [torch.flatten(F.adaptive_avg_pool2d(v, 1), 1) for v in h]
        h[2] = segment_mean(h[2])
        feat = torch.cat(h, dim=1)                  # 384 = L128 | S128 | T128
        logits = self.fc2(self.dropout(feat))
        if not with_aux:
            return logits

        f1 = self._head("AC1", branch1)
        f2 = self._head("AC2", branch2)
        return SKDOutput(logits, self.AC1_fc(self.dropout(f1)), self.AC2_fc(self.dropout(f2)), feat, f1, f2)


# ---------------------------------------------------------------------------------------------
# Size and compute.

def count_parameters(model, inference_only=False):
    """Trainable parameters; inference_only drops the AC1/AC2 heads (not in the exported graph)."""
    return sum(p.numel() for n, p in model.named_parameters()
               if p.requires_grad and not (inference_only and n.startswith(("AC1_", "AC2_"))))


def count_macs(model, batch=1):
    """Multiply-accumulates of one eval-mode inference (convs and linears, incl. ECA's 1-D conv).

    BN, ReLU, pooling, sigmoid and the elementwise ops are left out (well under 1 %).
    """
    macs = 0

    def conv_hook(m, inp, out):
        nonlocal macs
        macs += out.numel() * (m.in_channels // m.groups) * m.kernel_size[0] * m.kernel_size[1]

    def linear_hook(m, inp, out):
        nonlocal macs
        macs += out.numel() * m.in_features

    def eca_hook(m, inp, out):
        nonlocal macs
        macs += 2 * inp[0].shape[0] * inp[0].shape[1] * m.k   # two 1-D convs over C

    hooks = []
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            hooks.append(m.register_forward_hook(conv_hook))
        elif isinstance(m, nn.Linear):
            hooks.append(m.register_forward_hook(linear_hook))
        elif isinstance(m, ECA):
            hooks.append(m.register_forward_hook(eca_hook))
    was_training = model.training
    model.eval()
    with torch.no_grad():
        model(torch.zeros(batch, INPUT_CHANNELS, INPUT_SIZE, INPUT_SIZE))
    model.train(was_training)
    for h in hooks:
        h.remove()
    return macs // batch
