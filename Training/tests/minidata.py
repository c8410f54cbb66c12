"""Mini data sets in the real layouts (sheets included), generated inside the tests."""
from pathlib import Path

import cv2
import numpy as np
import openpyxl


def _img(path, value=128, size=16):
    path.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(path), np.full((size, size, 3), value, np.uint8))


def _xlsx(path, rows):
    wb = openpyxl.Workbook()
    ws = wb.active
    for r in rows:
        ws.append(r)
    wb.save(path)


def make_casme2(root, clips, writer=None):
    """clips: (subject_int, filename, onset, apex, offset, emotion). writer(path, frame_no, clip) draws frames."""
    root = Path(root)
    rows = [["Subject", "Filename", None, "OnsetFrame", "ApexFrame", "OffsetFrame", None,
             "Action Units", "Estimated Emotion"]]       # the real sheet's two blank header columns
    for subj, fn, on, ap, off, emo in clips:
        rows.append([subj, fn, None, on, ap, off, None, "4", emo])
        for n in {on, ap, off} - {None, "/"}:
            p = root / "CASME2_RAW_selected" / f"sub{subj:02d}" / fn / f"img{n}.jpg"
            writer(p, n, (subj, fn, on, ap, off, emo)) if writer else _img(p)
    _xlsx(root / "CASME2-coding-20140508.xlsx", rows)
    return root


def make_samm(root, clips):
    root = Path(root)
    rows = [[f"SAMM preamble line {i}"] for i in range(13)]      # header on sheet row 14
    rows.append(["Subject", "Filename", "Inducement Code", "Onset Frame", "Apex Frame", "Offset Frame",
                 "Duration", "Micro", "Objective Classes", "Notes", "Action Units", "Estimated Emotion"])
    for subj, fn, on, ap, off, emo in clips:
        rows.append([subj, fn, 1, on, ap, off, off - on + 1, "Micro - 1/2", 1, None, "R12", emo])
        for n in (on, ap, off):
            _img(root / "SAMM" / f"{subj:03d}" / fn / f"{subj:03d}_{n:05d}.jpg")
    _xlsx(root / "SAMM_Micro_FACS_Codes_v2.xlsx", rows)
    return root


def make_mmew(root, clips):
    root = Path(root)
    rows = [["Subject", "Filename", "OnsetFrame", "ApexFrame", "OffsetFrame", "Action Units",
             "Estimated Emotion", "remarks"]]
    for subj, fn, on, ap, off, emo in clips:
        rows.append([subj, fn, on, ap, off, "AU12", emo, None])
        for n in (on, ap, off):
            _img(root / "Micro_Expression" / emo / fn / f"{n}.jpg")
    _xlsx(root / "MMEW_Micro_Exp.xlsx", rows)
    return root


def make_casme3(root, clips):
    root = Path(root)
    rows = [["Subject", "Filename", "Onset", "Apex", "Offset", "AU", "Objective class", "emotion"]]
    for subj, fn, on, ap, off, emo in clips:
        rows.append([subj, fn, on, ap, off, "AU1+2", 1, emo])
        for n in (on, ap, off):
            _img(root / "part_A" / subj / fn / "color" / f"{n}.jpg")
    _xlsx(root / "CAS(ME)3_part_A_ME_label_JpgIndex_v2.xlsx", rows)
    return root


def make_ckplus(root, seqs):
    """seqs: (subject, seq, n_frames, code or None)."""
    root = Path(root)
    for subj, seq, n, code in seqs:
        for i in range(1, n + 1):
            p = root / "cohn-kanade-images" / subj / seq / f"{subj}_{seq}_{i:08d}.png"
            p.parent.mkdir(parents=True, exist_ok=True)
            cv2.imwrite(str(p), np.full((16, 16), 100, np.uint8))
        if code is not None:
            e = root / "Emotion" / subj / seq / f"{subj}_{seq}_{n:08d}_emotion.txt"
            e.parent.mkdir(parents=True, exist_ok=True)
            e.write_text(f"   {float(code):.7e}\n")
    return root
