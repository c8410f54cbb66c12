import pytest

from mextrain.data import AnnotationError, GROUPINGS, load
from minidata import make_casme2, make_casme3, make_ckplus, make_mmew, make_samm

CASME2 = [(1, "EP02_01f", 46, 59, 86, "happiness"), (1, "EP03_02", 1, 10, 20, "fear"),
          (2, "EP01_11f", 5, 8, 30, "repression"), (2, "EP19_06f", 2, 4, 9, "surprise"),
          (3, "EP07_01", 11, 20, 31, "disgust"), (3, "EP08_03", 1, 2, 3, "others")]


def test_casme2_5_and_3_classes(tmp_path):
    root = make_casme2(tmp_path, CASME2)
    s5 = load("casme2", root, "casme2-5")
    assert [(s.subject, s.clip, s.label) for s in s5] == [
        ("sub01", "EP02_01f", 0), ("sub02", "EP01_11f", 3), ("sub02", "EP19_06f", 1),
        ("sub03", "EP07_01", 2), ("sub03", "EP08_03", 4)]              # fear dropped
    assert s5[0].apex == root / "CASME2_RAW_selected/sub01/EP02_01f/img59.jpg"
    s3 = load("casme2", root, "casme2-3")
    assert [GROUPINGS["casme2-3"].classes[s.label] for s in s3] == ["positive", "negative", "surprise", "negative"]


def test_casme2_unknown_emotion_names_file_and_row(tmp_path):
    root = make_casme2(tmp_path, CASME2 + [(4, "EP01_01", 1, 2, 3, "joy")])
    with pytest.raises(AnnotationError, match=r"CASME2-coding-20140508.xlsx row 8: unknown emotion 'joy'"):
        load("casme2", root)


def test_casme2_missing_frame_and_bad_apex(tmp_path):
    root = make_casme2(tmp_path, CASME2)
    (root / "CASME2_RAW_selected/sub02/EP01_11f/img8.jpg").unlink()
    with pytest.raises(AnnotationError, match=r"row 4: frame 8 not found in .*sub02/EP01_11f"):
        load("casme2", root)
    root2 = make_casme2(tmp_path / "b", [(1, "EP02_01f", 46, "/", 86, "happiness")])
    with pytest.raises(AnnotationError, match=r"row 2: column 'ApexFrame' is not a frame number: '/'"):
        load("casme2", root2)
    with pytest.warns(UserWarning, match="1 rows skipped"):
        assert load("casme2", root2, skip_bad_rows=True) == []


def test_samm_3_classes_with_preamble(tmp_path):
    root = make_samm(tmp_path, [(6, "006_1_2", 5562, 5588, 5632, "Anger"), (6, "006_1_3", 10, 20, 30, "Other"),
                                (7, "007_3_1", 100, 110, 120, "Happiness"), (7, "007_5_2", 1, 5, 9, "Surprise"),
                                (8, "008_1_1", 3, 4, 5, "Contempt")])
    s = load("samm", root, "samm-3")
    assert [(x.subject, x.clip, x.label) for x in s] == [("006", "006_1_2", 0), ("007", "007_3_1", 1),
                                                         ("007", "007_5_2", 2), ("008", "008_1_1", 0)]
    assert s[0].onset.name == "006_05562.jpg"
    bad = make_samm(tmp_path / "b", [(6, "006_1_2", 1, 2, 3, "Awe")])
    with pytest.raises(AnnotationError, match=r"SAMM_Micro_FACS_Codes_v2.xlsx row 15: unknown emotion 'awe'"):
        load("samm", bad)


def test_mmew_4_and_6_classes(tmp_path):
    clips = [("S01", "S01_01", 1, 5, 9, "happiness"), ("S01", "S01_02", 1, 5, 9, "anger"),
             ("S02", "S02_01", 2, 6, 10, "fear"), ("S02", "S02_02", 2, 6, 10, "others"),
             ("S03", "S03_01", 1, 2, 3, "disgust")]
    root = make_mmew(tmp_path, clips)
    assert [x.emotion for x in load("mmew", root, "mmew-6")] == ["happiness", "fear", "others", "disgust"]
    s4 = load("mmew", root, "mmew-4")
    assert [GROUPINGS["mmew-4"].classes[x.label] for x in s4] == ["happiness", "others", "disgust"]
    assert s4[0].apex == root / "Micro_Expression/happiness/S01_01/5.jpg"


def test_casme3_3_4_7_classes(tmp_path):
    clips = [("spNO.1", "a", 10, 15, 20, "happy"), ("spNO.1", "b", 1, 3, 5, "others"),
             ("spNO.2", "a", 4, 6, 8, "sad"), ("spNO.3", "c", 7, 8, 9, "surprise")]
    root = make_casme3(tmp_path, clips)
    assert [x.label for x in load("casme3", root, "casme3-7")] == [0, 6, 2, 1]
    assert [x.label for x in load("casme3", root, "casme3-4")] == [1, 3, 0, 2]
    s3 = load("casme3", root, "casme3-3")
    assert [x.label for x in s3] == [1, 0, 2]
    assert s3[0].offset == root / "part_A/spNO.1/a/color/20.jpg"


def test_ckplus_apex_last_onset_offset_first(tmp_path):
    root = make_ckplus(tmp_path, [("S005", "001", 11, 3), ("S010", "002", 14, 7), ("S010", "004", 5, None)])
    s = load("ckplus", root, "ckplus-7")
    assert [(x.subject, x.emotion, x.label) for x in s] == [("S005", "disgust", 2), ("S010", "surprise", 6)]
    assert s[0].apex.name == "S005_001_00000011.png"
    assert s[0].onset == s[0].offset and s[0].onset.name == "S005_001_00000001.png"
    make_ckplus(tmp_path, [("S011", "001", 3, 9)])
    with pytest.raises(AnnotationError, match=r"S011_001_00000003_emotion.txt row 1: unknown emotion code 9"):
        load("ckplus", root)


def test_groupings_are_the_papers():
    assert GROUPINGS["casme2-5"].classes == ("happiness", "surprise", "disgust", "repression", "others")
    assert set(GROUPINGS["samm-3"].members["negative"]) == {"anger", "disgust", "contempt", "sadness", "fear"}
    assert "anger" not in GROUPINGS["mmew-6"].classes and len(GROUPINGS["mmew-4"].classes) == 4
    assert [len(GROUPINGS[f"casme3-{k}"].classes) for k in (3, 4, 7)] == [3, 4, 7]
    with pytest.raises(ValueError, match="is for samm"):
        load("casme2", ".", "samm-3")
