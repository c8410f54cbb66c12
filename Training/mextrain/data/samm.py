"""SAMM (Davison et al. 2016): 32 subjects, 159 micro-movements, 200 fps, gray.

Layout:
  ROOT/SAMM_Micro_FACS_Codes_v2.xlsx    (13 preamble rows, header on row 14)
  ROOT/SAMM/006/006_1_2/006_05562.jpg ...
Sheet columns used: Subject, Filename, Onset Frame, Apex Frame, Offset Frame, Estimated Emotion.
"""
from pathlib import Path

from .groupings import get_grouping
from .sample import build, frame_number, read_table

SHEET = "SAMM_Micro_FACS_Codes_v2.xlsx"
COLUMNS = ["Subject", "Filename", "Onset Frame", "Apex Frame", "Offset Frame", "Estimated Emotion"]


def load_samm(root, grouping=None, annotations=None, frames_dir="SAMM", skip_bad_rows=False):
    root = Path(root)
    path = Path(annotations) if annotations else root / SHEET
    g = get_grouping("samm", grouping)

    def make(row_no, r):
        s = str(r["subject"]).strip()
        subject = f"{int(float(s)):03d}" if s.replace(".", "").isdigit() else s
        clip = str(r["filename"]).strip()
        frames = [frame_number(r[c.lower()], path, row_no, c) for c in COLUMNS[2:5]]
        return (subject, clip, str(r["estimated emotion"] or ""), root / frames_dir / subject / clip,
                frames, [subject + "_{n:05d}.jpg", subject + "_{n}.jpg"])

    return build("samm", read_table(path, COLUMNS), g, path, make, skip_bad_rows)
