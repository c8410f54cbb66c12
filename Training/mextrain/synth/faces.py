"""Subjects (committed face photos), their registry, Haar face boxes, 640x480 framing and facial
region layout.

Each photo in Tests/Fixtures/faces is one subject (one identity), listed with its source, licence
and fixed split (train, dev, calibration, test) in registry.json beside this file. Regions (brows,
eyes, cheeks, nose, lips, chin) are placed relative to the OpenCV Haar frontal-face box, which is
what mexd itself sees, with the eye centres refined by OpenCV's eye cascade when it finds a
plausible pair.
"""
import functools
import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

FRAME_W, FRAME_H = 640, 480
CASCADE_DIR = "/usr/share/opencv4/haarcascades"
FACE_CASCADE = os.path.join(CASCADE_DIR, "haarcascade_frontalface_default.xml")
EYE_CASCADE = os.path.join(CASCADE_DIR, "haarcascade_eye.xml")


def faces_dir():
    """Tests/Fixtures/faces of this checkout (Training/mextrain/synth -> repo root)."""
    env = os.environ.get("MEXD_FACES_DIR")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[3] / "Tests" / "Fixtures" / "faces"


REGISTRY = Path(__file__).with_name("registry.json")
SPLITS = ("train", "dev", "calibration", "test")


@functools.lru_cache(maxsize=None)
def _registry_data():
    with open(REGISTRY, encoding="utf-8") as f:
        return json.load(f)


def registry():
    """Registered subjects by name: person, source, licence, split (see registry.json)."""
    return {s["name"]: s for s in _registry_data()["subjects"]}


def subjects_in_split(split):
    """Names of the registered subjects in one split, sorted (whether or not their photo is here)."""
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; splits: {', '.join(SPLITS)}")
    return sorted(name for name, s in registry().items() if s["split"] == split)


def deal_splits(names):
    """The split rule for a new batch of subjects (registry.json, split_rule): sorted by the SHA-256
    of the name, dealt test, calibration, train, test, ... Returns {name: split}. A fixed hash
    rather than a choice keeps anyone from picking test faces that suit the detector."""
    order = sorted(names, key=lambda n: hashlib.sha256(n.encode("utf-8")).hexdigest())
    deal = ("test", "calibration", "train")
    return {n: deal[i % len(deal)] for i, n in enumerate(order)}


def available_subjects():
    """Subjects whose photo is in faces_dir(), sorted: every registered subject whose photo is
    there, and any other photo in a --faces folder of one's own (the committed folder holds
    registered photos only; tests/test_faces.py checks that)."""
    return sorted(p.stem for p in faces_dir().glob("*.jpg"))


def load_photo(subject):
    path = faces_dir() / f"{subject}.jpg"
    img = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if img is None:
        raise FileNotFoundError(f"subject photo not found: {path}")
    return img


_cascades = {}


def _cascade(path):
    if path not in _cascades:
        c = cv2.CascadeClassifier(path)
        if c.empty():
            raise RuntimeError(f"cannot load Haar cascade {path} (Debian package opencv-data)")
        _cascades[path] = c
    return _cascades[path]


def detect_face(bgr, min_size=60):
    """Largest Haar frontal face (x, y, w, h) or None; the parameters mexd's tracker uses."""
    gray = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY) if bgr.ndim == 3 else bgr
    found = _cascade(FACE_CASCADE).detectMultiScale(gray, 1.1, 5, minSize=(min_size, min_size))
    if len(found) == 0:
        return None
    return tuple(int(v) for v in max(found, key=lambda r: r[2] * r[3]))


# Facial points in face-box units (u = (x - bx) / bw, v = (y - by) / bh), for an OpenCV default
# cascade box, which spans from the lower forehead to just below the lower lip. Values were read off
# the four committed photos (overlays checked by eye) and are shared by all subjects; the eye
# centres are then refined per photo.
LAYOUT = dict(
    eye_l=(0.31, 0.40), eye_r=(0.69, 0.40),        # image left/right, not the subject's
    brow_l=(0.29, 0.285), brow_r=(0.71, 0.285),
    brow_in_l=(0.41, 0.30), brow_in_r=(0.59, 0.30),
    brow_out_l=(0.18, 0.30), brow_out_r=(0.82, 0.30),
    cheek_l=(0.27, 0.60), cheek_r=(0.73, 0.60),
    nose_side_l=(0.42, 0.56), nose_side_r=(0.58, 0.56),
    nose_root=(0.50, 0.42),
    nose_tip=(0.50, 0.64),
    upper_lip=(0.50, 0.77), upper_lip_l=(0.42, 0.775), upper_lip_r=(0.58, 0.775),
    corner_l=(0.36, 0.81), corner_r=(0.64, 0.81),
    lower_lip=(0.50, 0.86),
    chin=(0.50, 0.98),
)


@dataclass
class Face:
    """A face as framed in the 640x480 base frame: Haar box and named points in pixels."""
    box: tuple
    points: dict = field(default_factory=dict)

    @property
    def width(self):
        return self.box[2]


def layout(box, bgr=None):
    x, y, w, h = box
    pts = {k: (x + u * w, y + v * h) for k, (u, v) in LAYOUT.items()}
    if bgr is not None:
        eyes = _refine_eyes(bgr, box)
        if eyes is not None:
            # Shift the eye row (and the brows with it) to the detected eyes; x stays symmetric.
            (lx, ly), (rx, ry) = eyes
            dy = 0.5 * (ly + ry) - pts["eye_l"][1]
            pts["eye_l"], pts["eye_r"] = (lx, ly), (rx, ry)
            for k in ("brow_l", "brow_r", "brow_in_l", "brow_in_r", "brow_out_l", "brow_out_r"):
                pts[k] = (pts[k][0], pts[k][1] + dy)
    return Face(box=tuple(int(v) for v in box), points=pts)


def _refine_eyes(bgr, box):
    """Eye centres from the eye cascade inside the upper face, if a plausible pair is found."""
    x, y, w, h = box
    gray = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)
    y0, y1 = int(y + 0.2 * h), int(y + 0.58 * h)
    roi = gray[y0:y1, x:x + w]
    found = _cascade(EYE_CASCADE).detectMultiScale(roi, 1.1, 4, minSize=(int(w * 0.12), int(w * 0.12)),
                                                   maxSize=(int(w * 0.35), int(w * 0.35)))
    left = [(x + ex + ew / 2, y0 + ey + eh / 2) for ex, ey, ew, eh in found if ex + ew / 2 < 0.5 * w]
    right = [(x + ex + ew / 2, y0 + ey + eh / 2) for ex, ey, ew, eh in found if ex + ew / 2 >= 0.5 * w]
    if not left or not right:
        return None
    # Closest to the expected positions, so that a brow or nostril hit is ignored.
    def pick(c, exp):
        return min(c, key=lambda p: (p[0] - exp[0]) ** 2 + (p[1] - exp[1]) ** 2)
    el = pick(left, (x + LAYOUT["eye_l"][0] * w, y + LAYOUT["eye_l"][1] * h))
    er = pick(right, (x + LAYOUT["eye_r"][0] * w, y + LAYOUT["eye_r"][1] * h))
    ok = (abs(el[1] - er[1]) < 0.08 * h and 0.25 * w < er[0] - el[0] < 0.55 * w
          and 0.3 * h < 0.5 * (el[1] + er[1]) - y < 0.5 * h)
    return (el, er) if ok else None


def frame_subject(photo, face_width, center, angle_deg=0.0):
    """The photo scaled so the Haar face box is `face_width` px wide, its centre at `center` in a
    640x480 frame (uncovered borders: blurred reflection). Returns (frame, Face) with the box re-detected in the frame,
    or raises if the cascade no longer finds it (then the photo does not fit this framing)."""
    box = detect_face(photo)
    if box is None:
        raise RuntimeError("no Haar face in the subject photo")
    x, y, w, h = box
    s = face_width / float(w)
    M = cv2.getRotationMatrix2D((x + w / 2.0, y + h / 2.0), angle_deg, s)
    M[0, 2] += center[0] - (x + w / 2.0)
    M[1, 2] += center[1] - (y + h / 2.0)
    interp = cv2.INTER_AREA if s < 1 else cv2.INTER_CUBIC
    frame = cv2.warpAffine(photo, M, (FRAME_W, FRAME_H), flags=interp, borderMode=cv2.BORDER_REFLECT101)
    # Where the photo does not cover the frame, show its reflection heavily blurred (an out-of-focus
    # background): a sharp reflection could mirror a second head into the frame, and replicated
    # edge pixels make streaks.
    inside = cv2.warpAffine(np.ones(photo.shape[:2], np.float32), M, (FRAME_W, FRAME_H), flags=cv2.INTER_LINEAR,
                            borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    if inside.min() < 1:
        blurred = cv2.GaussianBlur(frame, (0, 0), 14)
        alpha = np.clip(cv2.GaussianBlur(inside, (0, 0), 4) * 2 - 1, 0, 1)[..., None]
        frame = (frame * alpha + blurred * (1 - alpha) + 0.5).astype(np.uint8)
    fbox = detect_face(frame)
    if fbox is None:
        raise RuntimeError("the Haar cascade does not find the face at 640x480 framing")
    return frame, layout(fbox, frame)
