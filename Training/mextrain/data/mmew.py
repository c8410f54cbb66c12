"""MMEW (Ben et al. 2021): 36 subjects, 300 micro-expressions, 90 fps.

Layout:
  ROOT/MMEW_Micro_Exp.xlsx              (also accepted: MMEW_Final.xlsx)
  ROOT/Micro_Expression/happiness/S01_01/1.jpg ...   (clips grouped in emotion folders)
Sheet columns used: Subject, Filename, OnsetFrame, ApexFrame, OffsetFrame, Estimated Emotion.
"""
from pathlib import Path

from .groupings import get_grouping
from .sample import build, frame_number, read_table

SHEETS = ["MMEW_Micro_Exp.xlsx", "MMEW_Final.xlsx"]
COLUMNS = ["Subject", "Filename", "OnsetFrame", "ApexFrame", "OffsetFrame", "Estimated Emotion"]


def load_mmew(root, grouping=None, annotations=None, frames_dir="Micro_Expression", skip_bad_rows=False):
    root = Path(root)
    path = Path(annotations) if annotations else next(
        (root / s for s in SHEETS if (root / s).exists()), root / SHEETS[0])
    g = get_grouping("mmew", grouping)

    def make(row_no, r):
        subject = str(r["subject"]).strip()
        clip = str(r["filename"]).strip()
        emotion = str(r["estimated emotion"] or "").strip()
        folder = root / frames_dir / emotion / clip
        if not folder.exists():
            folder = root / frames_dir / emotion.lower() / clip
        frames = [frame_number(r[c.lower()], path, row_no, c) for c in COLUMNS[2:5]]
        return subject, clip, emotion, folder, frames, ["{n}.jpg", "{n:03d}.jpg"]

    return build("mmew", read_table(path, COLUMNS), g, path, make, skip_bad_rows)
