"""UF1 and UAR (paper section 4.3, eq. 11-12), on all LOSO folds' predictions concatenated (MEGC)."""
import numpy as np


def confusion(y_true, y_pred, num_classes):
    cm = np.zeros((num_classes, num_classes), dtype=np.int64)
    for t, p in zip(y_true, y_pred):
        cm[int(t), int(p)] += 1
    return cm


def uf1_uar(y_true, y_pred, num_classes):
    """Mean over classes of 2TP/(2TP+FP+FN) (eq. 11) and of TP/N (eq. 12).

    Classes absent from both y_true and y_pred are left out of the mean, as the authors' code (and
    scikit-learn's default label set) do; a class only predicted counts with recall 0.
    """
    cm = confusion(y_true, y_pred, num_classes)
    f1s, recalls = [], []
    for c in range(num_classes):
        tp = cm[c, c]
        fn = cm[c].sum() - tp
        fp = cm[:, c].sum() - tp
        if tp + fn + fp == 0:
            continue
        f1s.append(2 * tp / (2 * tp + fp + fn))
        recalls.append(tp / (tp + fn) if tp + fn > 0 else 0.0)
    if not f1s:
        return 0.0, 0.0
    return float(np.mean(f1s)), float(np.mean(recalls))
