"""Key frames -> the (38, 48, 48) input tensor (paper section 4.2, as the released scripts do it).

The released pipeline (reference-code notes 1.1-1.3), step by step, with every constant named in
CONSTANTS below. The Swift side (mexd) must reproduce these steps; both sides use OpenCV 4.6.

  1. face box on the onset frame; crop rows top..bottom and cols left..right inclusive
  2. resize the crop to 128x128, INTER_LINEAR (aspect ratio not kept)
  3. gray: JPEG q95 encode of the BGR crop, decode as grayscale (the authors wrote the crops to
     .jpg and read them back with imread(path, 0)); with jpeg_roundtrip=False: cvtColor BGR2GRAY
  4. TV-L1 on the uint8 128x128 grays: (onset, apex) and (apex, offset); OpenCV's defaults
     (iterating until epsilon) unless the config gives a bounded budget (TVL1_BOUNDED); with
     cfg.registration (REGISTRATION), the apex and offset are first warped onto the onset with
     the head's rigid motion (register_faces), and every channel is built from the warped faces
  5. u, v -> cartToPolar -> mag*cos(ang), mag*sin(ang) in float32 (the authors' round trip)
  6. resize u and v to 48x48, INTER_LINEAR
  7. each map min-max stretched to 0..255 and truncated to uint8 (max == min: plain cast)
  8. JPEG q95 encode + grayscale decode of each 48x48 map (the authors saved them as .jpg)
  9. every map and both faces: cv2.normalize NORM_MINMAX to [0, 1] float32, per image
 10. whole face: the normalised 128x128 resized to 48x48; grid: 4x4 blocks of 32x32 of the
     normalised 128x128, each resized to 48x48 (INTER_LINEAR), row-major
"""
import os
from dataclasses import dataclass, field
from typing import Optional

import cv2
import numpy as np

FACE_SIZE = 128          # crop side (section 4.2)
INPUT_SIZE = 48          # S/L/T side (section 4.2)
GRID = 4                 # 4x4 blocks for the L stream (section 4.2)
BLOCK = FACE_SIZE // GRID  # 32
JPEG_QUALITY = 95        # OpenCV's imwrite default, used for every .jpg the authors wrote
INTERPOLATION = cv2.INTER_LINEAR

# TV-L1 parameters: the OpenCV 4.6 defaults of DualTVL1OpticalFlow_create(), which the authors use.
TVL1 = dict(tau=0.25, lambda_=0.15, theta=0.3, nscales=5, warps=5, epsilon=0.01,
            innerIterations=30, outerIterations=10, scaleStep=0.8, gamma=0.0,
            medianFiltering=5, useInitialFlow=False)

# A fixed budget for mexd's per-event step (bench/event-step/RESULTS.md gives the measurements
# that chose it): at most 4 scales x 4 warps x 2 outer x 10 inner = 320 iterations per pair, where
# the defaults allow 5 x 5 x 10 x 30 = 7500 and stop earlier only once an update falls under
# epsilon, which a large head motion delays. With the head registered first the flow left is small
# and this budget gives the defaults' labels.
TVL1_BOUNDED = dict(TVL1, nscales=4, warps=4, innerIterations=10, outerIterations=2)

# The head's registration of the apex and offset onto the onset (mexd: KeyFrameRegistration in
# Sources/MexMotion, whose fit is FlowRegistration, the motion score's): DIS flow onset -> later
# face (cv2.DISOpticalFlow preset 1 = fast; dis_finest_scale None: the preset's own level, 2),
# the mean flow of cell x cell px cells with the eyes left out, an affine fit from the cells'
# median translation by `rounds` + 1 weighted least-squares rounds with Tukey's biweight cut at
# `cutoff` times the residuals' median (floored at minimum_scale px); `passes` flow-and-fit rounds,
# each further one on the later face warped back by the motion fitted so far; a face whose head
# moved at most warp_above px anywhere in the crop is left as it is.
REGISTRATION = dict(dis_preset=1, dis_finest_scale=None, model="affine", cell=8, rounds=3, cutoff=4.0,
                    minimum_scale=0.02, passes=2, warp_above=0.5)
# The eyes, which blinks move wholesale: two ellipses in crop fractions (mexd's FaceGrid.isEye).
EYE_CENTRES = ((0.31, 0.40), (0.69, 0.40))
EYE_RADII = (0.13, 0.075)

CHANNEL_LAYOUT = [
    "0: apex face 48x48",
    "1: onset face 48x48",
    "2-17: apex 4x4 grid, block (i,j) -> 2+4i+j, each 32x32 block resized to 48x48",
    "18-33: onset 4x4 grid, block (i,j) -> 18+4i+j",
    "34: flow onset->apex u", "35: flow onset->apex v",
    "36: flow apex->offset u", "37: flow apex->offset v",
]


@dataclass
class PreprocessConfig:
    """The defaults are the authors' preprocessing, which every model before bounded TV-L1 was
    trained with (a checkpoint's stored config without the newer keys means that);
    `PreprocessConfig.bounded()` is mexd's bounded per-event step."""
    jpeg_roundtrip: bool = True    # steps 3 and 8, as the authors' files on disk imply
    polar_roundtrip: bool = True   # step 5
    tvl1: dict = field(default_factory=lambda: dict(TVL1))   # step 4
    registration: Optional[dict] = None                      # step 4: REGISTRATION, or None

    @classmethod
    def bounded(cls, **kwargs):
        """Registration and TV-L1's fixed budget (mexd's per-event step)."""
        return cls(tvl1=dict(TVL1_BOUNDED), registration=dict(REGISTRATION), **kwargs)


def constants(cfg: PreprocessConfig = PreprocessConfig()):
    """Every constant, for the model card and the README."""
    return {
        "face_detector": "box found once per clip on the onset frame, used for all three frames",
        "crop": "img[top:bottom+1, left:right+1] of the integer box, clipped to the image, no margin",
        "face_size": FACE_SIZE, "input_size": INPUT_SIZE, "grid": GRID, "block": BLOCK,
        "interpolation": "cv2.INTER_LINEAR (bilinear, half-pixel centres, no antialiasing) everywhere",
        "gray": ("JPEG q95 encode of the BGR 128x128 crop, decode with IMREAD_GRAYSCALE"
                 if cfg.jpeg_roundtrip else "cv2.cvtColor BGR2GRAY of the 128x128 crop"),
        "flow": {"method": ("cv2.optflow.DualTVL1OpticalFlow_create() defaults, OpenCV 4.6"
                            if cfg.tvl1 == TVL1 else
                            "cv2.optflow.DualTVL1OpticalFlow_create(), OpenCV 4.6, with params set one by one"),
                 "params": dict(cfg.tvl1), "pairs": ["onset->apex", "apex->offset"],
                 "input": ("uint8 gray 128x128, not normalised" if cfg.registration is None else
                           "uint8 gray 128x128, not normalised; apex and offset registered onto the onset")},
        "flow_polar_roundtrip": cfg.polar_roundtrip,
        "flow_post": ["resize u, v to 48x48 INTER_LINEAR (float32)",
                      "per map: ((m - min) / (max - min) * 255) in float32, astype uint8 (truncate); "
                      "max == min: astype uint8 of the raw values",
                      "JPEG q95 encode, IMREAD_GRAYSCALE decode" if cfg.jpeg_roundtrip else "no JPEG",
                      "cv2.normalize(NORM_MINMAX, 0, 1, CV_32F)"],
        "face_post": ["cv2.normalize(NORM_MINMAX, 0, 1, CV_32F) of the 128x128 gray",
                      "whole face: resize to 48x48", "grid: 32x32 blocks row-major, each resized to 48x48"],
        "normalisation": "per image min-max to [0,1]; no mean/std; if max == min the image is all 0",
        "jpeg_quality": JPEG_QUALITY,
        "channel_layout": CHANNEL_LAYOUT,
    } | ({} if cfg.registration is None else {"head_registration": {
        **cfg.registration,
        "method": "preprocess.register_faces (mexd: KeyFrameRegistration): DIS flow onset -> face, "
                  "FlowRegistration fit of its cells with the eyes left out, the face warped back",
        "eyes": {"centres": [list(c) for c in EYE_CENTRES], "radii": list(EYE_RADII)},
        "warp": "cv2.warpAffine(face, M, (128, 128), flags=INTER_LINEAR | WARP_INVERSE_MAP, "
                "borderMode=BORDER_REPLICATE), M: output pixel -> face pixel",
        "applied_to": "apex and offset, onto the onset, after the faces' JPEG round trip; "
                      "all 38 channels come from the registered faces"}})


# ---------------------------------------------------------------------------------------------
# Faces.

_CASCADE_PATHS = ["/usr/share/opencv4/haarcascades/haarcascade_frontalface_default.xml",
                  "/usr/share/opencv/haarcascades/haarcascade_frontalface_default.xml"]


class FaceNotFound(RuntimeError):
    pass


def detect_face(bgr):
    """Largest Haar-cascade face as (left, top, right, bottom), inclusive.

    [DEPARTURE] The authors use RetinaFace-R50, whose weights cannot be fetched here; any detector
    can be passed to preprocess_clip instead. Debian's opencv-data ships the cascade.
    """
    path = next((p for p in _CASCADE_PATHS if os.path.exists(p)), None)
    if path is None:
        raise FaceNotFound("no Haar cascade found; install Debian's opencv-data or pass a box")
    gray = bgr if bgr.ndim == 2 else cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)
    faces = cv2.CascadeClassifier(path).detectMultiScale(gray, 1.1, 5, minSize=(48, 48))
    if len(faces) == 0:
        raise FaceNotFound("no face detected")
    x, y, w, h = max(faces, key=lambda f: f[2] * f[3])
    return int(x), int(y), int(x + w - 1), int(y + h - 1)


def crop_face(img, box):
    """Crop the inclusive box (clipped to the image) and resize to 128x128, INTER_LINEAR."""
    left, top, right, bottom = (int(v) for v in box)
    h, w = img.shape[:2]
    top, left = max(top, 0), max(left, 0)
    bottom, right = min(bottom, h - 1), min(right, w - 1)
    face = img[top:bottom + 1, left:right + 1]
    return cv2.resize(face, (FACE_SIZE, FACE_SIZE), interpolation=INTERPOLATION)


def jpeg_gray(img):
    """Encode as JPEG q95 and decode as 8-bit gray (libjpeg emits the luma channel)."""
    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
    if not ok:
        raise RuntimeError("JPEG encode failed")
    return cv2.imdecode(buf, cv2.IMREAD_GRAYSCALE)


def to_gray(face, cfg: PreprocessConfig):
    if cfg.jpeg_roundtrip:
        return jpeg_gray(face)
    return face if face.ndim == 2 else cv2.cvtColor(face, cv2.COLOR_BGR2GRAY)


# ---------------------------------------------------------------------------------------------
# Flow and normalisation.

def tvl1(prev_gray, next_gray, params=None):
    """Dense TV-L1 flow prev -> next, (H, W, 2) float32 (section 4.2, [38]); `params` (TVL1's keys)
    are set one by one on the cv2 object, as mexd's bridge sets them; None: OpenCV's defaults."""
    algo = cv2.optflow.DualTVL1OpticalFlow_create()
    if params is not None:
        p = params
        algo.setTau(p["tau"]); algo.setLambda(p["lambda_"]); algo.setTheta(p["theta"])
        algo.setScalesNumber(p["nscales"]); algo.setWarpingsNumber(p["warps"])
        algo.setEpsilon(p["epsilon"]); algo.setInnerIterations(p["innerIterations"])
        algo.setOuterIterations(p["outerIterations"]); algo.setScaleStep(p["scaleStep"])
        algo.setGamma(p["gamma"]); algo.setMedianFiltering(p["medianFiltering"])
        algo.setUseInitialFlow(False)
    return algo.calc(prev_gray, next_gray, None)


# ---------------------------------------------------------------------------------------------
# The head's registration (mexd: Sources/MexMotion/FlowRegistration.swift, KeyFrameRegistration).

def is_eye(x, y):
    """Whether crop fraction (x, y) lies on an eye ellipse."""
    for ex, ey in EYE_CENTRES:
        dx, dy = (x - ex) / EYE_RADII[0], (y - ey) / EYE_RADII[1]
        if dx * dx + dy * dy <= 1:
            return True
    return False


def _solve_linear(m, b):
    """Gaussian elimination with partial pivoting, as FlowRegistration.solveLinear; None when a
    pivot is under 1e-9 (too few weighted cells to fix the model)."""
    m, b = [list(r) for r in m], list(b)
    n = len(b)
    for col in range(n):
        pivot = col
        for r in range(col + 1, n):
            if abs(m[r][col]) > abs(m[pivot][col]):
                pivot = r
        if abs(m[pivot][col]) <= 1e-9:
            return None
        if pivot != col:
            m[col], m[pivot] = m[pivot], m[col]
            b[col], b[pivot] = b[pivot], b[col]
        for r in range(col + 1, n):
            f = m[r][col] / m[col][col]
            if f == 0:
                continue
            for c in range(col, n):
                m[r][c] -= f * m[col][c]
            b[r] -= f * b[col]
    x = [0.0] * n
    for r in range(n - 1, -1, -1):
        s = b[r]
        for c in range(r + 1, n):
            s -= m[r][c] * x[c]
        x[r] = s / m[r][r]
    return x


def _head_flow(h, x, y):
    """HeadMotion.flow: the head's (u, v) at (x, y) from the crop's centre; h = (tx, ty, a, b, c, d)."""
    tx, ty, a, b, c, d = h
    return tx + a * x + b * y, ty + c * x + d * y


def _solve_motion(model, cx, cy, cu, cv, w):
    if model == "translation":
        sw = float(np.sum(w))
        return None if sw <= 0 else (float(np.sum(w * cu)) / sw, float(np.sum(w * cv)) / sw, 0.0, 0.0, 0.0, 0.0)
    if model == "affine":
        m = [[0.0] * 3 for _ in range(3)]
        bu, bv = [0.0] * 3, [0.0] * 3
        for i in range(len(cx)):
            if w[i] <= 0:
                continue
            row = (1.0, cx[i], cy[i])
            for r in range(3):
                for c in range(3):
                    m[r][c] += w[i] * row[r] * row[c]
                bu[r] += w[i] * row[r] * cu[i]
                bv[r] += w[i] * row[r] * cv[i]
        pu, pv = _solve_linear(m, bu), _solve_linear(m, bv)
        if pu is None or pv is None:
            return None
        return pu[0], pv[0], pu[1], pu[2], pv[1], pv[2]
    if model == "similarity":
        m = [[0.0] * 4 for _ in range(4)]
        rhs = [0.0] * 4
        for i in range(len(cx)):
            if w[i] <= 0:
                continue
            x, y = cx[i], cy[i]
            ru, rv = (1.0, 0.0, x, -y), (0.0, 1.0, y, x)
            for r in range(4):
                for c in range(4):
                    m[r][c] += w[i] * (ru[r] * ru[c] + rv[r] * rv[c])
                rhs[r] += w[i] * (ru[r] * cu[i] + rv[r] * cv[i])
        p = _solve_linear(m, rhs)
        return None if p is None else (p[0], p[1], p[2], -p[3], p[3], p[2])
    raise ValueError(f"unknown registration model {model!r}")


def fit_head_motion(flow, reg=REGISTRATION):
    """FlowRegistration.fit of an (H, W, 2) flow with the eyes' cells left out: (tx, ty, a, b, c, d)."""
    h, w = flow.shape[:2]
    n = reg["cell"]
    side = float(w)
    cx, cy, cu, cv, prior = [], [], [], [], []
    for y0 in range(0, h - n + 1, n):
        for x0 in range(0, w - n + 1, n):
            px, py = x0 + n / 2, y0 + n / 2
            if is_eye(px / side, py / float(h)):
                continue
            block = flow[y0:y0 + n, x0:x0 + n].astype(np.float64)
            cx.append(px - w / 2); cy.append(py - h / 2)
            cu.append(float(block[..., 0].sum()) / (n * n)); cv.append(float(block[..., 1].sum()) / (n * n))
            prior.append(1.0)
    if not cx:
        return (0.0,) * 6
    cx, cy, cu, cv, prior = (np.array(a, np.float64) for a in (cx, cy, cu, cv, prior))
    motion = (float(np.median(cu)), float(np.median(cv)), 0.0, 0.0, 0.0, 0.0)
    if reg["model"] == "translation" and reg["rounds"] == 0:
        return motion
    for _ in range(reg["rounds"] + 1):
        mu, mv = _head_flow(motion, cx, cy)
        residuals = np.sqrt((cu - mu) ** 2 + (cv - mv) ** 2)
        scale = max(reg["minimum_scale"], float(np.median(residuals[prior > 0])))
        r = residuals / (reg["cutoff"] * scale)
        weights = np.where(r < 1, prior * (1 - r * r) * (1 - r * r), 0.0)
        nxt = _solve_motion(reg["model"], cx, cy, cu, cv, weights)
        if nxt is None:
            break
        motion = tuple(float(v) for v in nxt)
    return motion


def largest_motion(h, side=FACE_SIZE):
    """HeadMotion.largestMotion: the head's largest flow at the centre or a corner of the crop."""
    half = side / 2
    return max(float(np.hypot(*_head_flow(h, x, y)))
               for x, y in ((0.0, 0.0), (-half, -half), (half, -half), (-half, half), (half, half)))


def back_alignment(h, side=FACE_SIZE):
    """HeadMotion.backAlignment: output pixel -> later-face pixel, bringing it onto the earlier face."""
    tx, ty, a, b, c, d = h
    o = 0.5 - side / 2
    return np.array([[1 + a, b, tx + a * o + b * o], [c, 1 + d, ty + c * o + d * o]], np.float64)


def warp_back(face, h):
    return cv2.warpAffine(face, back_alignment(h, face.shape[1]), (face.shape[1], face.shape[0]),
                          flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP, borderMode=cv2.BORDER_REPLICATE)


def _dis_flow(reference, face, reg):
    dis = cv2.DISOpticalFlow_create(reg["dis_preset"])
    if reg["dis_finest_scale"] is not None:
        dis.setFinestScale(reg["dis_finest_scale"])
    # A zero starting field, which is what mexd hands DIS for each new event.
    return dis.calc(reference, face, np.zeros(reference.shape + (2,), np.float32))


def align_face(face, reference, reg=REGISTRATION):
    """KeyFrameRegistration.align: `face` warped onto `reference`, and the head motion (zero when
    it moved at most warp_above px and the face is returned as it is)."""
    head = fit_head_motion(_dis_flow(reference, face, reg), reg)
    if largest_motion(head, face.shape[1]) <= reg["warp_above"]:
        return face, (0.0,) * 6
    for _ in range(1, max(1, reg["passes"])):
        rest = fit_head_motion(_dis_flow(reference, warp_back(face, head), reg), reg)
        head = tuple(p + q for p, q in zip(head, rest))
    return warp_back(face, head), head


def register_faces(onset, apex, offset, reg=REGISTRATION):
    """The apex and offset warped onto the onset with the head's motion."""
    return onset, align_face(apex, onset, reg)[0], align_face(offset, onset, reg)[0]


def minmax01(img):
    """cv2.normalize(img, None, 0, 1, NORM_MINMAX, CV_32F): per-image stretch to [0, 1]."""
    return cv2.normalize(img, None, 0, 1, cv2.NORM_MINMAX, dtype=cv2.CV_32F)


def flow_to_uint8(m):
    """The authors' per-map stretch to 0..255 with truncation (float32 arithmetic)."""
    mn, mx = m.min(), m.max()
    if mx == mn:
        return m.astype(np.uint8)
    return ((m - mn) / (mx - mn) * np.float32(255)).astype(np.uint8)


def flow_maps(prev_gray, next_gray, cfg: PreprocessConfig):
    """One key-frame pair -> two 48x48 float32 maps (u, v) in [0, 1] (steps 4-9)."""
    flow = tvl1(prev_gray, next_gray, None if cfg.tvl1 == TVL1 else cfg.tvl1)
    u, v = flow[..., 0], flow[..., 1]
    if cfg.polar_roundtrip:
        mag, ang = cv2.cartToPolar(u, v)
        u, v = (mag * np.cos(ang)).astype(np.float32), (mag * np.sin(ang)).astype(np.float32)
    out = []
    for m in (u, v):
        m = cv2.resize(m, (INPUT_SIZE, INPUT_SIZE), interpolation=INTERPOLATION)
        m8 = flow_to_uint8(m)
        if cfg.jpeg_roundtrip:
            m8 = jpeg_gray(m8)
        out.append(minmax01(m8))
    return out


def face_channels(gray128):
    """Whole face (1 map) and 4x4 grid (16 maps), 48x48 each, from the 128x128 gray (step 9-10)."""
    norm = minmax01(gray128)
    whole = cv2.resize(norm, (INPUT_SIZE, INPUT_SIZE), interpolation=INTERPOLATION)
    blocks = [cv2.resize(norm[BLOCK * i:BLOCK * (i + 1), BLOCK * j:BLOCK * (j + 1)],
                         (INPUT_SIZE, INPUT_SIZE), interpolation=INTERPOLATION)
              for i in range(GRID) for j in range(GRID)]
    return whole, blocks


def tensor_from_faces(onset, apex, offset, cfg: PreprocessConfig = PreprocessConfig()):
    """Three uint8 gray 128x128 faces -> (38, 48, 48) float32 in the authors' channel order."""
    for name, f in (("onset", onset), ("apex", apex), ("offset", offset)):
        if f.shape != (FACE_SIZE, FACE_SIZE) or f.dtype != np.uint8:
            raise ValueError(f"{name} face must be uint8 {FACE_SIZE}x{FACE_SIZE}, got {f.dtype} {f.shape}")
    if cfg.registration is not None:
        onset, apex, offset = register_faces(onset, apex, offset, cfg.registration)
    apex_whole, apex_grid = face_channels(apex)
    onset_whole, onset_grid = face_channels(onset)
    u1, v1 = flow_maps(onset, apex, cfg)
    u2, v2 = flow_maps(apex, offset, cfg)
    chans = [apex_whole, onset_whole, *apex_grid, *onset_grid, u1, v1, u2, v2]
    return np.stack(chans, axis=0).astype(np.float32)


def preprocess_clip(onset, apex, offset, box=None, detector=detect_face,
                    cfg: PreprocessConfig = PreprocessConfig()):
    """Three BGR (or gray) key frames -> (38, 48, 48). The face box comes from the onset frame."""
    if box is None:
        box = detector(onset)
    faces = [to_gray(crop_face(f, box), cfg) for f in (onset, apex, offset)]
    return tensor_from_faces(*faces, cfg=cfg)


def load_frame(path):
    img = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if img is None:
        raise FileNotFoundError(f"cannot read frame {path}")
    return img
