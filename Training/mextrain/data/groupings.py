"""The paper's class groupings (section 4.1), by name. Class order = label index order."""
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Grouping:
    name: str
    dataset: str
    classes: tuple                       # class names in label order
    members: dict                        # class name -> tuple of the data set's emotions
    known: frozenset                     # every emotion the data set's sheet may contain

    def label(self, emotion):
        for i, c in enumerate(self.classes):
            if emotion in self.members[c]:
                return i
        return None


def _g(name, dataset, members, known):
    return Grouping(name, dataset, tuple(members), {k: tuple(v) for k, v in members.items()},
                    frozenset(known))


CASME2_EMOTIONS = {"happiness", "surprise", "disgust", "repression", "others", "fear", "sadness"}
SAMM_EMOTIONS = {"anger", "contempt", "disgust", "fear", "happiness", "sadness", "surprise", "other", "others"}
MMEW_EMOTIONS = {"happiness", "disgust", "surprise", "fear", "sadness", "anger", "others"}
CASME3_EMOTIONS = {"happy", "surprise", "sad", "disgust", "fear", "anger", "others"}
CKPLUS_EMOTIONS = {"anger", "contempt", "disgust", "fear", "happy", "sadness", "surprise"}

GROUPINGS = {g.name: g for g in [
    # CASME II 5-class in the released code's label order (notes 6.1): fear and sadness dropped.
    _g("casme2-5", "casme2", {"happiness": ["happiness"], "surprise": ["surprise"], "disgust": ["disgust"],
                              "repression": ["repression"], "others": ["others"]}, CASME2_EMOTIONS),
    # 3-class (section 4.1): negative = repression + disgust, positive = happiness.
    _g("casme2-3", "casme2", {"negative": ["disgust", "repression"], "positive": ["happiness"],
                              "surprise": ["surprise"]}, CASME2_EMOTIONS),
    _g("samm-3", "samm", {"negative": ["anger", "disgust", "contempt", "sadness", "fear"],
                          "positive": ["happiness"], "surprise": ["surprise"]}, SAMM_EMOTIONS),
    # MMEW 6-class drops anger; 4-class keeps the four classes of similar size (section 4.1).
    _g("mmew-6", "mmew", {"happiness": ["happiness"], "disgust": ["disgust"], "surprise": ["surprise"],
                          "fear": ["fear"], "sadness": ["sadness"], "others": ["others"]}, MMEW_EMOTIONS),
    _g("mmew-4", "mmew", {"happiness": ["happiness"], "disgust": ["disgust"], "surprise": ["surprise"],
                          "others": ["others"]}, MMEW_EMOTIONS),
    _g("casme3-7", "casme3", {e: [e] for e in ["happy", "surprise", "sad", "disgust", "fear", "anger", "others"]},
       CASME3_EMOTIONS),
    _g("casme3-4", "casme3", {"negative": ["anger", "disgust", "fear", "sad"], "positive": ["happy"],
                              "surprise": ["surprise"], "others": ["others"]}, CASME3_EMOTIONS),
    _g("casme3-3", "casme3", {"negative": ["anger", "disgust", "fear", "sad"], "positive": ["happy"],
                              "surprise": ["surprise"]}, CASME3_EMOTIONS),
    # CK+ for pre-training (section 4.2): its seven emotions, neutral (code 0) excluded.
    _g("ckplus-7", "ckplus", {e: [e] for e in ["anger", "contempt", "disgust", "fear", "happy", "sadness", "surprise"]},
       CKPLUS_EMOTIONS),
]}

DEFAULT_GROUPING = {"casme2": "casme2-5", "samm": "samm-3", "mmew": "mmew-6", "casme3": "casme3-7",
                    "ckplus": "ckplus-7"}


def get_grouping(dataset, name=None):
    name = name or DEFAULT_GROUPING[dataset]
    if name not in GROUPINGS:
        raise ValueError(f"unknown grouping {name!r}; known: {', '.join(GROUPINGS)}")
    g = GROUPINGS[name]
    if g.dataset != dataset:
        raise ValueError(f"grouping {name!r} is for {g.dataset}, not {dataset}")
    return g
