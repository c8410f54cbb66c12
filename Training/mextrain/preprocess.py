"""Key frames -> the (38, 48, 48) input tensor (paper section 4.2, as the released scripts do it).

The released pipeline (reference-code notes 1.1-1.3), step by step, with every constant named in
CONSTANTS below. The Swift side (mexd) must reproduce these steps; both sides use OpenCV 4.6.

  1. face box on the onset frame; crop rows top..bottom and cols left..right inclusive
  2. resize the crop to 128x128, INTER_LINEAR (aspect ratio not kept)
  3. gray: JPEG q95 encode of the BGR crop, decode as grayscale (the authors wrote the crops to
     .jpg and read them back with imread(path, 0)); with jpeg_roundtrip=False: cvtColor BGR2GRAY
  4. TV-L1 (OpenCV defaults) on the uint8 128x128 grays: (onset, apex) and (apex, offset)
  5. u, v -> cartToPolar -> mag*cos(ang), mag*sin(ang) in float32 (the authors' round trip)
  6. resize u and v to 48x48, INTER_LINEAR
  7. each map min-max stretched to 0..255 and truncated to uint8 (max == min: plain cast)
  8. JPEG q95 encode + grayscale decode of each 48x48 map (the authors saved them as .jpg)
  9. every map and both faces: cv2.normalize NORM_MINMAX to [0, 1] float32, per image
 10. whole face: the normalised 128x128 resized to 48x48; grid: 4x4 blocks of 32x32 of the
     normalised 128x128, each resized to 48x48 (INTER_LINEAR), row-major
"""
import os
from dataclasses import dataclass

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
    jpeg_roundtrip: bool = True    # steps 3 and 8, as the authors' files on disk imply
    polar_roundtrip: bool = True   # step 5


def constants(cfg: PreprocessConfig = PreprocessConfig()):
    """Every constant, for the model card and the README."""
    return {
        "face_detector": "box found once per clip on the onset frame, used for all three frames",
        "crop": "img[top:bottom+1, left:right+1] of the integer box, clipped to the image, no margin",
        "face_size": FACE_SIZE, "input_size": INPUT_SIZE, "grid": GRID, "block": BLOCK,
        "interpolation": "cv2.INTER_LINEAR (bilinear, half-pixel centres, no antialiasing) everywhere",
        "gray": ("JPEG q95 encode of the BGR 128x128 crop, decode with IMREAD_GRAYSCALE"
                 if cfg.jpeg_roundtrip else "cv2.cvtColor BGR2GRAY of the 128x128 crop"),
        "flow": {"method": "cv2.optflow.DualTVL1OpticalFlow_create() defaults, OpenCV 4.6",
                 "params": TVL1, "pairs": ["onset->apex", "apex->offset"],
                 "input": "uint8 gray 128x128, not normalised"},
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
    }


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

def tvl1(prev_gray, next_gray):
    """Dense TV-L1 flow prev -> next, (H, W, 2) float32, OpenCV defaults (section 4.2, [38])."""
    algo = cv2.optflow.DualTVL1OpticalFlow_create()
    return algo.calc(prev_gray, next_gray, None)


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
    flow = tvl1(prev_gray, next_gray)
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
