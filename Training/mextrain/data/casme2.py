"""CASME II (Yan et al. 2014): 26 subjects, 255 clips, 200 fps.

Layout (as distributed):
  ROOT/CASME2-coding-20140508.xlsx
  ROOT/CASME2_RAW_selected/sub01/EP02_01f/img46.jpg ...   (or Cropped/sub01/EP02_01f/reg_img46.jpg)
Sheet columns used: Subject (1..26), Filename, OnsetFrame, ApexFrame, OffsetFrame, Estimated Emotion.
"""
from pathlib import Path

from .groupings import get_grouping
from .sample import build, frame_number, read_table

SHEET = "CASME2-coding-20140508.xlsx"
COLUMNS = ["Subject", "Filename", "OnsetFrame", "ApexFrame", "OffsetFrame", "Estimated Emotion"]


def load_casme2(root, grouping=None, annotations=None, frames_dir="CASME2_RAW_selected", skip_bad_rows=False):
    root = Path(root)
    path = Path(annotations) if annotations else root / SHEET
    g = get_grouping("casme2", grouping)

    def make(row_no, r):
        subject = f"sub{frame_number(r['subject'], path, row_no, 'Subject'):02d}"
        clip = str(r["filename"]).strip()
        frames = [frame_number(r[c.lower()], path, row_no, c) for c in COLUMNS[2:5]]
        return (subject, clip, str(r["estimated emotion"] or ""), root / frames_dir / subject / clip,
                frames, ["img{n}.jpg", "reg_img{n}.jpg"])

    return build("casme2", read_table(path, COLUMNS), g, path, make, skip_bad_rows)
