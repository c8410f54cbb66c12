import cv2
import numpy as np
import pytest

from mextrain import preprocess as P
from mextrain.fixtures import synthetic_faces


def test_tvl1_recovers_a_known_shift():
    rng = np.random.default_rng(0)
    tex = cv2.GaussianBlur(rng.uniform(0, 255, (160, 160)).astype(np.float32), (0, 0), 3)
    tex = cv2.normalize(tex, None, 0, 255, cv2.NORM_MINMAX).astype(np.uint8)
    a, b = tex[16:144, 16:144], tex[16:144, 14:142]      # content moves 2 px to the right
    flow = P.tvl1(a, b)
    assert flow.shape == (128, 128, 2) and flow.dtype == np.float32
    inner = flow[20:108, 20:108]
    assert np.median(inner[..., 0]) == pytest.approx(2.0, abs=0.2)
    assert np.median(inner[..., 1]) == pytest.approx(0.0, abs=0.2)


def test_tensor_layout_and_ranges():
    faces = synthetic_faces()
    x = P.tensor_from_faces(*faces)
    assert x.shape == (38, 48, 48) and x.dtype == np.float32
    assert x.min() >= 0 and x.max() <= 1
    for c in range(34, 38):                      # flow maps: min-max after the JPEG round trip
        assert x[c].min() == 0 and x[c].max() == pytest.approx(1, abs=1e-6)
    norm = P.minmax01(faces[1])                  # apex
    assert np.array_equal(x[0], cv2.resize(norm, (48, 48), interpolation=cv2.INTER_LINEAR))
    onset = P.minmax01(faces[0])
    assert np.array_equal(x[1], cv2.resize(onset, (48, 48), interpolation=cv2.INTER_LINEAR))


def test_grid_blocks_are_row_major_and_not_renormalised():
    face = np.zeros((128, 128), np.uint8)
    for i in range(4):
        for j in range(4):
            face[32 * i:32 * i + 32, 32 * j:32 * j + 32] = 10 * (4 * i + j) + 50
    x = P.tensor_from_faces(face, face, face)
    lo, hi = 50, 200
    for i in range(4):
        for j in range(4):
            expect = (10 * (4 * i + j)) / (hi - lo)
            assert np.allclose(x[2 + 4 * i + j], expect, atol=1e-6)     # apex grid
            assert np.allclose(x[18 + 4 * i + j], expect, atol=1e-6)    # onset grid


def test_flow_channels_follow_the_key_frame_pairs():
    faces = synthetic_faces()
    onset, apex, offset = faces
    cfg = P.PreprocessConfig()
    x = P.tensor_from_faces(onset, apex, offset, cfg)
    u1, v1 = P.flow_maps(onset, apex, cfg)
    u2, v2 = P.flow_maps(apex, offset, cfg)
    for c, m in zip(range(34, 38), (u1, v1, u2, v2)):
        assert np.array_equal(x[c], m)
    assert not np.array_equal(x[34], x[36])


def test_flow_to_uint8_truncates_and_handles_flat_maps():
    m = np.array([[0.0, 0.5], [0.999, 1.0]], np.float32)
    assert P.flow_to_uint8(m).tolist() == [[0, 127], [254, 255]]
    assert P.flow_to_uint8(np.full((2, 2), 3.7, np.float32)).tolist() == [[3, 3], [3, 3]]
    assert P.minmax01(np.full((4, 4), 9, np.uint8)).max() == 0        # OpenCV: flat -> all 0


def test_crop_is_inclusive_and_clipped():
    img = np.arange(200 * 300, dtype=np.uint32).reshape(200, 300).astype(np.float32)
    face = P.crop_face(img, (10, 20, 137, 147))          # 128x128 inclusive box: no resampling
    assert np.array_equal(face, img[20:148, 10:138])
    clipped = P.crop_face(img, (-5, -5, 299 + 50, 199 + 50))
    assert np.array_equal(clipped, cv2.resize(img, (128, 128), interpolation=cv2.INTER_LINEAR))


def test_preprocess_clip_from_bgr_frames_matches_the_face_path():
    faces = synthetic_faces()
    frames = [cv2.cvtColor(f, cv2.COLOR_GRAY2BGR) for f in faces]
    x = P.preprocess_clip(*frames, box=(0, 0, 127, 127))
    gray = [P.jpeg_gray(f) for f in frames]
    assert np.array_equal(x, P.tensor_from_faces(*gray))
    with pytest.raises(ValueError, match="onset face must be uint8 128x128"):
        P.tensor_from_faces(faces[0][:64], faces[1], faces[2])


def test_constants_are_documented():
    c = P.constants()
    assert c["flow"]["params"]["medianFiltering"] == 5 and c["jpeg_quality"] == 95
    assert len(c["channel_layout"]) == 8


def test_bounded_config_is_recorded_and_the_default_is_the_authors():
    legacy, bounded = P.constants(), P.constants(P.PreprocessConfig.bounded())
    assert legacy["flow"]["params"] == P.TVL1 and "head_registration" not in legacy
    assert bounded["flow"]["params"] == P.TVL1_BOUNDED
    reg = bounded["head_registration"]
    assert {k: reg[k] for k in P.REGISTRATION} == P.REGISTRATION
    # A checkpoint's stored config without the newer keys is the authors' preprocessing.
    assert P.PreprocessConfig(**{"jpeg_roundtrip": True, "polar_roundtrip": True}) == P.PreprocessConfig()


def test_bounded_tvl1_sets_its_parameters():
    rng = np.random.default_rng(0)
    tex = cv2.GaussianBlur(rng.uniform(0, 255, (160, 160)).astype(np.float32), (0, 0), 3)
    tex = cv2.normalize(tex, None, 0, 255, cv2.NORM_MINMAX).astype(np.uint8)
    a, b = tex[16:144, 16:144], tex[16:144, 14:142]
    flow = P.tvl1(a, b, P.TVL1_BOUNDED)
    assert np.median(flow[20:108, 20:108, 0]) == pytest.approx(2.0, abs=0.3)
    # A budget of one iteration is not the defaults' converged flow.
    one = P.tvl1(a, b, dict(P.TVL1, nscales=1, warps=1, innerIterations=1, outerIterations=1))
    assert not np.allclose(one, P.tvl1(a, b))


def test_registration_recovers_a_moving_head_and_leaves_a_still_one():
    from mextrain.fixtures import moving_head_faces
    onset, apex, offset = moving_head_faces()
    warped, head = P.align_face(offset, onset)
    assert head[0] == pytest.approx(3.0, abs=0.1) and head[1] == pytest.approx(1.0, abs=0.1)
    inner = (slice(16, 112), slice(16, 112))
    before = np.abs(offset[inner].astype(int) - onset[inner]).mean()
    after = np.abs(warped[inner].astype(int) - onset[inner]).mean()
    assert after < before / 5
    same, still = P.align_face(onset, onset)
    assert still == (0.0,) * 6 and same is onset
    # The eyes never count: no cell whose centre lies on an eye ellipse.
    assert P.is_eye(0.31, 0.40) and P.is_eye(0.69, 0.40) and not P.is_eye(0.5, 0.4)


def test_registered_tensor_uses_the_warped_faces():
    from mextrain.fixtures import moving_head_faces
    onset, apex, offset = moving_head_faces()
    cfg = P.PreprocessConfig.bounded()
    x = P.tensor_from_faces(onset, apex, offset, cfg)
    warped_apex = P.align_face(apex, onset, cfg.registration)[0]
    assert np.array_equal(x[0], cv2.resize(P.minmax01(warped_apex), (48, 48), interpolation=cv2.INTER_LINEAR))
    u1, v1 = P.flow_maps(onset, warped_apex, cfg)
    assert np.array_equal(x[34], u1) and np.array_equal(x[35], v1)
