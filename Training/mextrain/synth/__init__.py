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
  camera nuisances        --nuisances exposure,flicker,hand,drops | all | none (default none);
                          event times are exponential gaps at a rate drawn per video:
    exposure              auto-exposure and white-balance corrections, 2-4 per minute: the gain
                          jumps by 5-15 % (exposure: all channels; white balance: blue by the
                          step, red 50-100 % of it the other way, green unchanged) and settles
                          back over 0.3-1 s (raised cosine); manifest exposure_events [start (the
                          jump), end (back at 1), kind, [b, g, r] step]
    flicker               lamps on 50 or 60 Hz mains (drawn per video): brightness 1 + m sin(...)
                          with m 1-3 %, the 100/120 Hz light sampled at the frame times, i.e. a
                          sinusoid at the alias |f - fps * round(f / fps)| (100 Hz: 10 Hz at 30 fps,
                          100 Hz at 200 fps (alternate frames); 120 Hz: 0 Hz at 30 fps, a constant
                          offset, 80 Hz at 200 fps); manifest mains_hz, flicker_hz,
                          flicker_amplitude
    hand                  a hand reaching in front of the face and back, 1-2 per minute, each
                          0.5-1.5 s: a skin-coloured hand shape (palm, fingers, thumb, wrist; the
                          cheeks' median colour at 80-105 %), 1.1-1.4 face widths long, blurred at
                          its edges and along its motion, comes from outside the frame (below or
                          the side, within +-70 deg of straight down), covers a facial point
                          (nose, lips, chin, a cheek or an eye) at mid-time and goes back; not
                          annotated; manifest hands [start, end, facial point]
    drops                 lost frames and timestamp jitter: single frames dropped with a
                          probability of 1-3 % (drawn per video) and bursts of 2-5 frames at 1-3
                          per minute; an expression's onset, apex and offset frames are never
                          dropped. Each written frame's timestamp is its nominal time (index / fps
                          before dropping) plus a jitter (Gaussian, sigma 3-8 % of the frame
                          interval, drawn per video, cut at +-25 %), so the container's pts keep
                          real time with gaps where frames were lost (variable frame rate; the
                          nominal frame rate stays the stream's r_frame_rate, while avg_frame_rate,
                          which OpenCV reports as the fps, is lower). The frames are
                          rendered at their nominal times; the jitter is in the timestamps only.
                          These videos are encoded without B-frames and without +faststart, and
                          their MP4 sample durations are then rewritten (mp4times.py), as
                          FFmpeg 5.1 takes no per-frame timestamps with raw frames from a pipe.
                          Frame numbers: mexd numbers frames in decoded order, so with drops every
                          frame number in annotations.csv, speech.csv, clips and the manifest
                          (blinks, speech, sudden moves, exposure events, hands) is a
                          decoded-frame index: a start or onset maps to the last written frame at
                          or before it, an end or offset to the first written frame at or after
                          it. The manifest lists frames (written), frames_rendered, dropped (the
                          lost frames' indices before dropping) and timestamp_jitter.

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
                             (px), nuisances and their fields (above)
  with --clips also:
  OUTDIR/clips/<subject>/<video stem>_eNN/{onset,apex,offset}.jpg
                             full 640x480 BGR frames decoded from the encoded video, JPEG q95
  OUTDIR/clips.csv           subject,clip,video,onset,apex,offset,type,au,label,onset_image,
                             apex_image,offset_image (image paths relative to OUTDIR)

Conditions: --condition calm|sway|speech|webcam sets the nuisances of a whole set at once:
  calm    head drift (the original generator; the default)
  sway    --head-motion sway
  speech  head drift, --speech 0.25
  webcam  --head-motion sway, --speech 0.25, --nuisances all
Explicit flags override the preset (e.g. --condition webcam --nuisances exposure,flicker,hand).
Head motion, speech and each camera nuisance draw from their own random streams (per video seed
and component), so a seed gives the same faces, expressions, blinks, lighting and noise in every
condition (with drops, renumbered as above), and with no new flags the same videos and
annotations as version 1.1.

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
  python -m mextrain.synth /tmp/webcam --condition webcam --aus extended --fps 30 200 --seconds 60 \
      --videos 1 --max-expressions 100 --min-gap 1 --max-gap 2 --micro-fraction 1 --jobs 2
    (more than 25 micro-expressions per 60 s video, so over 50 per frame rate from the four
    subjects; with the default gaps and 60% micro a 60 s video holds about 14 expressions, and the
    default --max-expressions 6 caps it at 6)
Subjects: every Tests/Fixtures/faces/*.jpg, each registered in mextrain/synth/registry.json with
its source, licence and a fixed split (train: astronaut obama; dev: biden hopper; calibration:
vanrossum; test: giunchedi), found from this checkout (or --faces DIR / $MEXD_FACES_DIR);
--split NAME renders one split. Tune only on train, hold out whole subjects (never mirrored copies)
for evaluation, and keep test for the final one. Videos of giunchedi and vanrossum are CC BY-SA
adaptations (attribution in Tests/Fixtures/faces/README.md).
  python -m mextrain.synth /tmp/tune --split train --videos 3
"""
VERSION = "2.0"
