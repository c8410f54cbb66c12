"""`python -m mextrain.synth OUTDIR`: ground-truth micro/macro-expression videos from real photos.

Each committed photo in Tests/Fixtures/faces (see its README.md for sources and licences) is one
subject. It is framed at 640x480 with the Haar face box 155-195 px wide, and smooth, localised
displacement fields (au.py) move the face like FACS action units with a raised-cosine onset, an
optional hold (macro only) and a raised-cosine offset. Nuisances (not annotated, listed in the
manifest where they are events):
  temporal sensor noise   sigma 2-4 grey levels before compression (x264 removes much of it in
                          still areas, as it does with real footage)
  head drift              slow translation (<= ~1 px/s, a few px in all), rotation (<= ~0.5 deg)
                          and scale (<= ~0.5%) about the face centre
  blinks                  every 2-6 s: the skin above each eye slides down over it (a vertical
                          squash) with a darker lid line; closing 0.10-0.15 s, opening 0.12-0.22 s;
                          kept 0.15 s clear of expressions
  lighting                slow global gain (<= +-8%) and offset (<= +-4 grey levels)
  compression             ffmpeg libx264 -preset veryfast, yuv420p, crf 20-23 (default GOP)

Output
  OUTDIR/videos/<subject>_<fps>fps_<nn>.mp4          (<subject>_<fps>fps_neutral_<nn>.mp4 with --neutral)
  OUTDIR/annotations.csv     header exactly: video,onset,apex,offset,type,au,label
      video   file name relative to OUTDIR/videos
      onset   0-based frame; the last neutral frame before the motion starts
      apex    0-based frame of full intensity (the middle of the hold for a macro-expression)
      offset  0-based frame; the first frame back at neutral (inclusive interval onset..offset)
      type    micro (offset-onset 0.2-0.45 s) | macro (0.65-4.0 s)
      au      AU12 | AU6+12 | AU4 | AU9 | AU10 | AU4+10 | AU1+2 | AU26 | AU1+2+26
      label   positive (AU6/AU12) | negative (AU4/AU9/AU10) | surprise (AU1+2/AU26)
    With --neutral the file has the header only.
  OUTDIR/manifest.json       generator version, seed, subjects, fps, and per video: file, subject,
                             fps, frames, seconds, seed, face box (frame 0, before drift), crf, noise,
                             blink intervals [start, end] (frames), drift/rotation/gain ranges,
                             apex intensities (px)
  with --clips also:
  OUTDIR/clips/<subject>/<video stem>_eNN/{onset,apex,offset}.jpg
                             full 640x480 BGR frames decoded from the encoded video, JPEG q95
  OUTDIR/clips.csv           subject,clip,video,onset,apex,offset,type,au,label,onset_image,
                             apex_image,offset_image (image paths relative to OUTDIR)

Timing: the first expression starts no earlier than 3 s (3-4.5 s), expressions are separated by
2-3.5 s of neutral, and the last one ends at least 1 s before the end. Defaults: 24 s at 30 fps
(4-6 expressions), 15 s at >= 100 fps (3-4). The same seed gives the same videos and annotations.
Apex intensity (the largest displacement of each AU's field; combinations add their fields) at a
170 px face: micro 1.5-3.5 px, macro 3-7 px, scaled with the real face width; each AU of a
combination gets 75-100% of it and the face's sides differ by up to +-25% (manifest: the nominal
value). Labels are drawn from a shuffled bag so the three
classes stay balanced; 60% of expressions are micro (--micro-fraction).

Examples (from Training/, with the venv's python):
  python -m mextrain.synth /tmp/synth --fps 30 200 --videos 3 2 --subjects astronaut obama --seed 1
  python -m mextrain.synth /tmp/neutral --neutral 600 --subjects biden --videos 1
  python -m mextrain.synth /tmp/clips --clips --videos 10 --jobs 2
Subjects: every Tests/Fixtures/faces/*.jpg (astronaut, biden, hopper, obama), found from this
checkout (or --faces DIR / $MEXD_FACES_DIR); hold out whole subjects (never mirrored copies) for
evaluation.
"""
VERSION = "1.1"
