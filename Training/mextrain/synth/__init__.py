"""`python -m mextrain.synth OUTDIR`: ground-truth micro/macro-expression videos from real photos.

Each committed photo in Tests/Fixtures/faces (see its README.md for sources and licences) is one
subject. It is framed at 640x480 with the Haar face box 155-195 px wide, and smooth, localised
displacement fields (au.py) move the face like FACS action units with a raised-cosine onset, an
optional hold (macro only) and a raised-cosine offset. Nuisances (not annotated, listed in the
manifest where they are events):
  temporal sensor noise   sigma 2-4 grey levels before compression (x264 removes much of it in
                          still areas, as it does with real footage)
  head motion             --head-motion (default drift):
    drift                 slow translation (<= ~1 px/s, a few px in all), rotation (<= ~0.5 deg)
                          and scale (<= ~0.5%) about the face centre
    sway                  drift plus a seated person's motion (amplitudes for a 200 px face,
                          scaled with the face width; each the largest value over the video, drawn
                          per video): translation 4-7 px horizontal, 3-6 px vertical, at 0.1-0.3 Hz
                          (two sinusoids per axis; up to ~13 px/s), zoom 1-2 %, roll 0.75-1.5 deg,
                          and a yaw-like horizontal scale of the face about its centre of 1.5-3 %;
                          plus sudden moves at random times, 2-5 per minute (rate drawn per
                          video), each over 0.2-0.5 s: a shift of 2-6 px that stays, a nod (down
                          2-6 px and back) or a tilt of 0.5-1.5 deg that stays (shifts and tilts
                          turn back once their sum would exceed 6 px / 1.5 deg). They may overlap
                          expressions. All of it is one affine resampling per frame.
    none                  a still head (--no-drift)
  speech                  --speech FRACTION (default 0): bursts of 1-3 s covering about FRACTION
                          of the video (the last burst is at least 1 s, so the cover may exceed
                          FRACTION by up to 1 s; none in the first and last 0.5 s), at random
                          places. In a burst the jaw and lower lip (and a little the lip corners)
                          open and close once per syllable, 0.5 * (1 - cos(phase)): the syllable
                          rate is drawn at 3-5.5 Hz per burst and varies by up to +-35 % within it
                          (kept in 2-7 Hz); each syllable opens to 55-100 % of the burst's depth,
                          1.5-4 px (drawn per burst, for a 200 px face, scaled with the face
                          width). A burst ends after its last whole syllable. Speech is not
                          annotated (it may overlap expressions, which stay in annotations.csv);
                          its intervals are in the manifest and in speech.csv.
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
      au      --aus classic (default): AU12 | AU6+12 | AU4 | AU9 | AU10 | AU4+10 | AU1+2 | AU26 |
                AU1+2+26
              --aus extended adds: AU4+7 | AU7 | AU14 | AU15 | AU17 | AU15+17 | AU4+15 | AU1+2+5 |
                AU1+2+5+26 | AU5, and one-sided forms (FACS notation): the combination's "AU"
                becomes L or R, the SUBJECT's left or right side (for a camera that does not
                mirror, R is the image's left), e.g. R12, L6+12, R1+2, L4+7, R14; the other half of
                the face does not move. Midline AUs (AU9, AU17, AU26) and combinations with them
                stay bilateral. Probability --one-sided (default 0.2 with extended, else 0).
      label   positive (AU6/AU12) | negative (AU4/AU7/AU9/AU10/AU14/AU15/AU17) |
              surprise (AU1+2/AU5/AU26)
    With --neutral the file has the header only.
  OUTDIR/speech.csv          with --speech > 0 (also via --condition): video,start,end per speech
                             burst (start: the last closed-mouth frame, end: the first one after)
  OUTDIR/manifest.json       generator version, seed, subjects, fps, condition and its resolved
                             settings, and per video: file, subject, fps, frames, seconds, seed,
                             face box (frame 0, before head motion), crf, noise, blink intervals
                             [start, end] (frames), head_motion, drift_px_max (largest |x| or |y|
                             translation), rotation_deg_max, zoom_range, hscale_range (the yaw-like
                             horizontal scale), sudden_moves [start, end, kind, px or deg],
                             speech [start, end] and speech_fraction, gain range, apex intensities
                             (px)
  with --clips also:
  OUTDIR/clips/<subject>/<video stem>_eNN/{onset,apex,offset}.jpg
                             full 640x480 BGR frames decoded from the encoded video, JPEG q95
  OUTDIR/clips.csv           subject,clip,video,onset,apex,offset,type,au,label,onset_image,
                             apex_image,offset_image (image paths relative to OUTDIR)

Conditions: --condition calm|sway|speech|webcam sets the nuisances of a whole set at once:
  calm    head drift (the original generator; the default)
  sway    --head-motion sway
  speech  head drift, --speech 0.25
  webcam  --head-motion sway, --speech 0.25
Explicit flags override the preset. Head motion and speech draw from their own random streams
(per video seed and component), so a seed gives the same faces, expressions, blinks, lighting
and noise in every condition, and with no new flags the same videos as version 1.1.

Timing: the first expression starts no earlier than 3 s (3-4.5 s; --first-onset), expressions are
separated by 2-3.5 s of neutral (--min-gap, --max-gap), and the last one ends at least 1 s before
the end. Defaults: 24 s at 30 fps
(4-6 expressions), 15 s at >= 100 fps (3-4). The same seed gives the same videos and annotations.
Apex intensity (the largest displacement of each AU's field; combinations add their fields) at a
170 px face: micro 1.5-3.5 px, macro 3-7 px, scaled with the real face width; each AU of a
combination gets 75-100% of it and the face's sides differ by up to +-25% (manifest: the nominal
value). Labels are drawn from a shuffled bag so the three
classes stay balanced; 60% of expressions are micro (--micro-fraction). AUs (au.py): AU1+2 brows
up; AU4 inner brows down and together; AU5 upper lids up; AU6 cheeks up; AU7 lower lids up and
inward; AU9 nose sides and upper lip up; AU10 upper lip up; AU12 lip corners up and out; AU14 lip
corners back (a little out) with a crease beyond each corner; AU15 lip corners down; AU17 chin up,
lower lip pushed up; AU26 jaw and lower lip down. The extended table's weights: positive AU12 0.5,
AU6+12 0.5; negative AU4 0.15, AU9/AU10/AU4+10/AU4+7/AU14/AU15/AU15+17 0.1 each, AU7/AU17/AU4+15
0.05 each; surprise AU1+2 0.3, AU26 0.15, AU1+2+26 0.2, AU1+2+5 0.15, AU1+2+5+26 0.1, AU5 0.1.
A seed gives the same expression times and labels with either table and any --one-sided (the
one-sided draw has its own random stream); blinks, drift and noise differ between the tables.

Examples (from Training/, with the venv's python):
  python -m mextrain.synth /tmp/synth --fps 30 200 --videos 3 2 --subjects astronaut obama --seed 1
  python -m mextrain.synth /tmp/neutral --neutral 600 --subjects biden --videos 1
  python -m mextrain.synth /tmp/clips --clips --videos 10 --jobs 2
Subjects: every Tests/Fixtures/faces/*.jpg (astronaut, biden, hopper, obama), found from this
checkout (or --faces DIR / $MEXD_FACES_DIR); hold out whole subjects (never mirrored copies) for
evaluation.
"""
VERSION = "2.0"
