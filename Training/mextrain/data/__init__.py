"""One loader per data set, all yielding `Sample`s; class groupings selectable by name."""
from .sample import AnnotationError, Sample
from .groupings import GROUPINGS, Grouping, get_grouping
from .casme2 import load_casme2
from .samm import load_samm
from .mmew import load_mmew
from .casme3 import load_casme3
from .ckplus import load_ckplus

LOADERS = {"casme2": load_casme2, "samm": load_samm, "mmew": load_mmew, "casme3": load_casme3,
           "ckplus": load_ckplus}


def load(dataset, root, grouping=None, **kw):
    """Samples of `dataset` under `root`, labelled by `grouping` (e.g. "casme2-5")."""
    if dataset not in LOADERS:
        raise ValueError(f"unknown data set {dataset!r}; known: {', '.join(LOADERS)}")
    return LOADERS[dataset](root, grouping=grouping, **kw)
