"""Command line of `python -m mextrain.synth`; see the package docstring for the output format."""
import argparse
import csv
import json
import os
import sys
import time
import zlib
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace

import cv2
import numpy as np

from . import VERSION, __doc__ as DOC
from . import faces
from .render import CONDITIONS, HEAD_MOTIONS, NUISANCES, Options, render_video

HEADER = ["video", "onset", "apex", "offset", "type", "au", "label"]
SPEECH_HEADER = ["video", "start", "end"]
CLIPS_HEADER = ["subject", "clip", "video", "onset", "apex", "offset", "type", "au", "label",
                "onset_image", "apex_image", "offset_image"]


def video_seed(seed, subject, fps, index, neutral):
    # Stable per video (crc32 of the name, not Python's salted hash), so adding a subject or a
    # video does not change the others.
    ss = np.random.SeedSequence([int(seed), zlib.crc32(subject.encode()), int(round(fps * 1000)),
                                 int(index), int(bool(neutral))])
    return int(ss.generate_state(1, np.uint64)[0]) >> 1


def default_seconds(fps, neutral_seconds):
    if neutral_seconds:
        return neutral_seconds
    return 24.0 if fps < 100 else 15.0


def _job(args):
    path, subject, seed, opts = args
    t0 = time.time()
    exprs, info = render_video(path, subject, seed, opts)
    info["render_s"] = round(time.time() - t0, 2)
    return exprs, info


def conditions(a):
    """The --condition preset's settings with every explicitly given flag on top."""
    c = dict(CONDITIONS[a.condition])
    if a.head_motion is not None:
        c["head_motion"] = a.head_motion
    if a.no_drift:
        c["head_motion"] = "none"
    if a.speech is not None:
        c["speech"] = a.speech
    if a.nuisances is not None:
        names = [] if a.nuisances == "none" else list(NUISANCES) if a.nuisances == "all" else \
            [n for n in a.nuisances.split(",") if n]
        unknown = [n for n in names if n not in NUISANCES]
        if unknown:
            raise SystemExit(f"unknown nuisances {unknown}; known: {', '.join(NUISANCES)}, all, none")
        c["nuisances"] = tuple(n for n in NUISANCES if n in names)
    c["nuisances"] = list(c["nuisances"])
    return c


def options(a, fps, seconds):
    c = conditions(a)
    if not 0 <= c["speech"] <= 1:
        raise SystemExit("--speech takes a fraction in 0..1")
    one_sided = a.one_sided if a.one_sided is not None else (0.2 if a.aus == "extended" else 0.0)
    if not 0 <= one_sided <= 1:
        raise SystemExit("--one-sided takes a probability in 0..1")
    return Options(fps=float(fps), seconds=float(seconds), neutral=bool(a.neutral),
                   micro_fraction=a.micro_fraction, max_expressions=a.max_expressions,
                   first_onset_s=a.first_onset, min_gap_s=a.min_gap, max_gap_s=a.max_gap,
                   preset=a.preset, head_motion=c["head_motion"], speech=c["speech"],
                   nuisances=tuple(c["nuisances"]), aus=a.aus, one_sided=one_sided,
                   noise_sigma=tuple(a.noise), crf=tuple(a.crf))


def plan(a):
    if getattr(a, "split", None):
        subjects = faces.subjects_in_split(a.split)
    else:
        subjects = a.subjects or faces.available_subjects()
    missing = [s for s in subjects if s not in faces.available_subjects()]
    if missing:
        raise SystemExit(f"unknown subjects {missing}; available: {faces.available_subjects()}")
    if len(a.videos) not in (1, len(a.fps)):
        raise SystemExit("--videos takes one value or one per --fps value")
    counts = a.videos * len(a.fps) if len(a.videos) == 1 else a.videos
    jobs = []
    for fps, n_videos in zip(a.fps, counts):
        seconds = a.seconds if a.seconds else default_seconds(fps, a.neutral)
        if a.neutral:
            seconds = a.neutral
        opts = options(a, fps, seconds)
        for subject in subjects:
            for k in range(n_videos):
                name = f"{subject}_{fps:g}fps_{'neutral_' if a.neutral else ''}{k:02d}.mp4"
                jobs.append((name, subject, video_seed(a.seed, subject, fps, k, a.neutral), opts))
    return subjects, jobs


def write_clips(outdir, rows_by_video):
    """Onset/apex/offset frames of every expression, decoded from the encoded videos (so they carry
    the same compression as what mexd sees), as full 640x480 JPEGs (q95) plus clips.csv."""
    clip_rows = []
    for video, subject, rows in rows_by_video:
        cap = cv2.VideoCapture(os.path.join(outdir, "videos", video))
        wanted = {}
        for k, r in enumerate(rows):
            for key in ("onset", "apex", "offset"):
                wanted.setdefault(r[key], []).append((k, key))
        frames = {}
        i = 0
        last = max(wanted) if wanted else -1
        while i <= last:
            ok, img = cap.read()
            if not ok:
                break
            if i in wanted:
                frames[i] = img
            i += 1
        cap.release()
        stem = video[:-4]
        for k, r in enumerate(rows):
            clip = f"{stem}_e{k:02d}"
            d = os.path.join(outdir, "clips", subject, clip)
            os.makedirs(d, exist_ok=True)
            rel = []
            for key in ("onset", "apex", "offset"):
                p = os.path.join(d, f"{key}.jpg")
                cv2.imwrite(p, frames[r[key]], [cv2.IMWRITE_JPEG_QUALITY, 95])
                rel.append(os.path.relpath(p, outdir))
            clip_rows.append([subject, clip, video, r["onset"], r["apex"], r["offset"], r["type"],
                              r["au"], r["label"], *rel])
    with open(os.path.join(outdir, "clips.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(CLIPS_HEADER)
        w.writerows(clip_rows)
    return len(clip_rows)


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m mextrain.synth", description=DOC,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("outdir")
    p.add_argument("--videos", type=int, nargs="+", default=[2],
                   help="videos per subject and frame rate (default 2); several values pair with --fps")
    p.add_argument("--seconds", type=float, default=None,
                   help="seconds per video (default 24 at 30 fps, 15 at >= 100 fps)")
    p.add_argument("--fps", type=float, nargs="+", default=[30.0], help="frame rates (default 30; e.g. --fps 30 200)")
    p.add_argument("--seed", type=int, default=0)
    who = p.add_mutually_exclusive_group()
    who.add_argument("--subjects", nargs="+", default=None,
                     help=f"subject photos to use (default all: {' '.join(faces.available_subjects())})")
    who.add_argument("--split", choices=faces.SPLITS, default=None,
                     help="every subject of this split of mextrain/synth/registry.json (tune on train only; "
                          "test is for final evaluation)")
    p.add_argument("--neutral", type=float, default=None, metavar="SECONDS",
                   help="expression-free videos of SECONDS (noise, drift, blinks, lighting only)")
    p.add_argument("--clips", action="store_true",
                   help="also write onset/apex/offset frames of every expression to OUTDIR/clips + clips.csv")
    p.add_argument("--micro-fraction", type=float, default=0.6, help="share of micro-expressions (default 0.6)")
    p.add_argument("--max-expressions", type=int, default=6, help="per video (default 6)")
    p.add_argument("--min-gap", type=float, default=2.0, metavar="SECONDS",
                   help="least neutral time between expressions (default 2)")
    p.add_argument("--max-gap", type=float, default=3.5, metavar="SECONDS",
                   help="most neutral time between expressions (default 3.5)")
    p.add_argument("--first-onset", type=float, default=3.0, metavar="SECONDS",
                   help="the first expression starts 0-1.5 s after this (default 3)")
    p.add_argument("--condition", choices=list(CONDITIONS), default="calm",
                   help="preset of head motion, speech and camera nuisances (default calm: the original "
                        "drift only); the flags below override it")
    p.add_argument("--head-motion", choices=HEAD_MOTIONS, default=None,
                   help="none | drift (slow, default) | sway (seated person: sway, zoom, roll, yaw-like "
                        "compression, sudden moves)")
    p.add_argument("--speech", type=float, default=None, metavar="FRACTION",
                   help="share of each video with (unannotated) speech bursts, e.g. 0.25 (default 0)")
    p.add_argument("--nuisances", default=None, metavar="LIST",
                   help=f"camera nuisances, comma-separated from {','.join(NUISANCES)}, or all, or none "
                        "(default none)")
    p.add_argument("--aus", choices=["classic", "extended"], default="classic",
                   help="combination table: classic (version 1's, default) or extended (adds AU5, AU7, "
                        "AU14, AU15, AU17 and one-sided forms)")
    p.add_argument("--one-sided", type=float, default=None, metavar="P",
                   help="probability of a one-sided (L/R) form of a bilateral combination "
                        "(default 0.2 with --aus extended, else 0)")
    p.add_argument("--no-drift", action="store_true", help="no head motion at all, as --head-motion none")
    p.add_argument("--preset", default="veryfast", help="x264 preset (default veryfast)")
    p.add_argument("--noise", type=float, nargs=2, default=[2.0, 4.0], metavar=("LO", "HI"),
                   help="sensor noise sigma range in grey levels, drawn per video (default 2 4)")
    p.add_argument("--crf", type=int, nargs=2, default=[20, 23], metavar=("LO", "HI"),
                   help="x264 crf range, drawn per video (default 20 23)")
    p.add_argument("--jobs", type=int, default=1, help="videos rendered in parallel (default 1)")
    p.add_argument("--faces", default=None, metavar="DIR",
                   help="folder of subject photos (default Tests/Fixtures/faces of this checkout)")
    a = p.parse_args(argv)
    if a.faces:
        os.environ["MEXD_FACES_DIR"] = os.path.abspath(a.faces)   # read by faces.faces_dir()

    if a.min_gap > a.max_gap or a.min_gap < 0:
        raise SystemExit("need 0 <= --min-gap <= --max-gap")
    outdir = a.outdir
    os.makedirs(os.path.join(outdir, "videos"), exist_ok=True)
    subjects, jobs = plan(a)
    t0 = time.time()
    work = [(os.path.join(outdir, "videos", name), subj, seed, opts) for name, subj, seed, opts in jobs]
    if a.jobs > 1:
        with ProcessPoolExecutor(a.jobs) as ex:
            results = list(ex.map(_job, work))
    else:
        results = []
        for k, w in enumerate(work):
            results.append(_job(w))
            print(f"[{k + 1}/{len(work)}] {os.path.basename(w[0])}: {results[-1][1]['frames']} frames, "
                  f"{results[-1][1]['expressions']} expressions, {results[-1][1]['render_s']} s", file=sys.stderr)

    rows_by_video = []
    n_rows = 0
    with open(os.path.join(outdir, "annotations.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(HEADER)
        for (name, subj, seed, opts), (exprs, info) in zip(jobs, results):
            rows = []
            for e in exprs:
                w.writerow([name, e.onset, e.apex, e.offset, e.kind, e.au, e.label])
                rows.append(dict(onset=e.onset, apex=e.apex, offset=e.offset, type=e.kind, au=e.au,
                                 label=e.label))
                n_rows += 1
            rows_by_video.append((name, subj, rows))
            info["file"] = name
            info["intensities_px"] = [e.intensity for e in exprs]
    # Speech is not an expression: its bursts go to their own file, for evaluations that want to
    # look at detections during speech.
    if any(opts.speech > 0 for _, _, _, opts in jobs):
        with open(os.path.join(outdir, "speech.csv"), "w", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(SPEECH_HEADER)
            for (name, _, _, _), (_, info) in zip(jobs, results):
                w.writerows([name, s, e] for s, e in info["speech"])

    manifest = dict(generator="mextrain.synth", version=VERSION, seed=a.seed, subjects=subjects,
                    condition=a.condition, conditions=conditions(a),
                    fps=[float(x) for x in a.fps], neutral=bool(a.neutral), videos_per_subject=a.videos,
                    annotation_header=HEADER, frame_size=[faces.FRAME_W, faces.FRAME_H],
                    elapsed_s=round(time.time() - t0, 1),
                    videos=[info for _, info in results])
    n_clips = write_clips(outdir, rows_by_video) if a.clips else 0
    with open(os.path.join(outdir, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
    print(f"wrote {len(results)} videos, {n_rows} expressions"
          + (f", {n_clips} clips" if a.clips else "") + f" to {outdir} in {time.time() - t0:.1f} s",
          file=sys.stderr)
    return 0
