"""Training and leave-one-subject-out evaluation (paper sections 4.2-4.3).

  samples -> cached (38, 48, 48) tensors -> for each held-out subject: a fresh model (optionally
  CK+-pre-trained), Adam, SKD loss (eq. 10), model selection by the chosen protocol -> predictions
  of all three classifiers -> UF1/UAR on all folds' predictions concatenated (MEGC convention).

Protocols (named in every result):
  honest  (default) the held-out subject is never looked at before its final prediction. A share
          of the training subjects is held out as an inner validation set; the best state on it
          (UF1, then accuracy) is kept, with early stopping after `early_stop_patience`
          evaluations without improvement. With one training subject: a fixed schedule.
  authors the released code's selection: after every epoch evaluate on the held-out subject, keep
          the epoch with the best accuracy (>=, the latest tie wins), stop the fold at accuracy 1.0.
          Optimistic: it selects on the test data.
"""
import copy
import hashlib
import json
import os
import time
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from . import preprocess
from .config import ModelConfig, TrainConfig
from .losses import inverse_frequency_weights, skd_loss
from .metrics import confusion, uf1_uar
from .model import SKDTSTSAN

CLASSIFIERS = ("ac1", "ac2", "main")     # Table 7: classifier 1/3, 2/3, 3/3

PROTOCOL_NOTES = {
    "honest": "model selection and early stopping on an inner validation split of the training "
              "subjects only; the held-out subject is predicted once, at the end",
    "authors": "best epoch chosen by accuracy on the held-out subject, as the released code does; "
               "optimistic, because it selects on the test data",
}


# ---------------------------------------------------------------------------------------------
# Tensors, cached per clip.

def _cache_tag(pcfg, box_mode):
    blob = json.dumps([preprocess.constants(pcfg), box_mode], sort_keys=True).encode()
    return hashlib.sha1(blob).hexdigest()[:10]


def clip_tensor(sample, box_mode="detect", pcfg=preprocess.PreprocessConfig()):
    frames = [preprocess.load_frame(p) for p in (sample.onset, sample.apex, sample.offset)]
    if box_mode == "full":
        h, w = frames[0].shape[:2]
        box = (0, 0, w - 1, h - 1)        # data already cropped to the face (e.g. CASME II Cropped/)
    elif box_mode == "detect":
        box = preprocess.detect_face(frames[0])
    else:
        raise ValueError(f"unknown box mode {box_mode!r}")
    return preprocess.preprocess_clip(*frames, box=box, cfg=pcfg)


def build_tensors(samples, cache_dir=None, box_mode="detect", pcfg=preprocess.PreprocessConfig(),
                  progress=True):
    """(N, 38, 48, 48) float32 for `samples`, reading/writing CACHE/<tag>/<dataset>/<subject>/<clip>.npy;
    the tag hashes every preprocessing constant, so a change never reuses stale tensors."""
    tag = _cache_tag(pcfg, box_mode)
    out = np.zeros((len(samples), 38, 48, 48), np.float32)
    for i, s in enumerate(tqdm(samples, desc="preprocess", disable=not progress, leave=False)):
        path = Path(cache_dir) / tag / s.dataset / s.subject / f"{s.clip}.npy" if cache_dir else None
        if path is not None and path.exists():
            out[i] = np.load(path)
            continue
        out[i] = clip_tensor(s, box_mode, pcfg)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            np.save(path, out[i])
    return out


# ---------------------------------------------------------------------------------------------
# One model.

def set_seed(seed):
    import random
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def new_model(mcfg, pretrained=None):
    model = SKDTSTSAN(mcfg)
    if pretrained:
        # As the released code: load everything but the fully connected heads ("fc" in the key),
        # which are sized for the pre-training classes and start fresh.
        sd = torch.load(pretrained, map_location="cpu", weights_only=False)
        sd = sd.get("state_dict", sd)
        sd = {k: v for k, v in sd.items() if "fc" not in k}
        missing, unexpected = model.load_state_dict(sd, strict=False)
        if unexpected or any("fc" not in k for k in missing):
            raise ValueError(f"pre-trained weights {pretrained} do not fit: missing {missing}, "
                             f"unexpected {unexpected}")
    return model


@torch.no_grad()
def predict(model, x, device, batch=64):
    """Argmax of the three classifiers (eval mode, aux heads on): {"ac1": [...], "ac2": ..., "main": ...}."""
    model.eval()
    preds = {c: [] for c in CLASSIFIERS}
    for i in range(0, len(x), batch):
        out = model(torch.from_numpy(x[i:i + batch]).to(device), with_aux=True)
        for c, z in zip(CLASSIFIERS, (out.aux1, out.aux2, out.logits)):
            preds[c].extend(z.argmax(1).cpu().tolist())
    return preds


def fit(model, x, y, cfg: TrainConfig, alpha, device, evaluate=None, progress=None):
    """Adam on the SKD loss for up to cfg.max_iter steps. After every epoch (or cfg.eval_every steps)
    `evaluate(model) -> (score, stop)` is called; the state with the best score is restored at the
    end (the latest of equal scores, as the released code's >=). Returns a history dict."""
    model.to(device)
    opt = torch.optim.Adam(model.parameters(), lr=cfg.lr, betas=tuple(cfg.betas), weight_decay=cfg.weight_decay)
    rng = np.random.default_rng(torch.initial_seed() % 2**32)
    alpha = alpha.to(device)
    n = len(x)
    step, best, best_state, best_step, evals_since_best, stop = 0, None, None, 0, 0, False
    eval_every = cfg.eval_every or max(1, -(-n // cfg.batch_size))
    while step < cfg.max_iter and not stop:
        order = rng.permutation(n)
        for i in range(0, n, cfg.batch_size):
            idx = order[i:i + cfg.batch_size]
            if len(idx) < 2:
                continue                       # BatchNorm needs more than one row
            model.train()
            xb = torch.from_numpy(x[idx]).to(device)
            yb = torch.from_numpy(y[idx]).long().to(device)
            loss, _ = skd_loss(model(xb), yb, alpha, cfg.gamma, cfg.lambda1, cfg.lambda2,
                               cfg.temperature, cfg.loss_form)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            step += 1
            if progress is not None:
                progress.update(1)
                progress.set_postfix(loss=f"{loss.item():.3f}")
            if evaluate is not None and step % eval_every == 0:
                score, stop = evaluate(model)
                if best is None or score >= best:
                    evals_since_best = 0 if (best is None or score > best) else evals_since_best + 1
                    best, best_step = score, step
                    best_state = copy.deepcopy(model.state_dict())
                else:
                    evals_since_best += 1
                if cfg.protocol == "honest" and evals_since_best >= cfg.early_stop_patience:
                    stop = True
            if step >= cfg.max_iter or stop:
                break
    if best_state is not None:
        model.load_state_dict(best_state)
    return {"steps": step, "best_step": best_step if best_state is not None else step, "best_score": best}


# ---------------------------------------------------------------------------------------------
# Leave-one-subject-out.

def loso(x, y, subjects, classes, cfg: TrainConfig, mcfg: ModelConfig, pretrained=None, device=None,
         progress=True):
    """Run every fold; return the results dict (metrics on concatenated predictions, per-fold data)."""
    device = device or ("cuda" if torch.cuda.is_available() else "cpu")
    if cfg.threads:
        torch.set_num_threads(cfg.threads)
    torch.use_deterministic_algorithms(True, warn_only=True)
    k = len(classes)
    y = np.asarray(y, np.int64)
    subjects = np.asarray(subjects)
    folds, all_true, all_pred = [], [], {c: [] for c in CLASSIFIERS}
    whole_counts = np.bincount(y, minlength=k)
    for fold, subject in enumerate(sorted(set(subjects.tolist()))):
        set_seed(cfg.seed + fold)
        test = subjects == subject
        train_idx = np.flatnonzero(~test)
        inner_val = None
        if cfg.protocol == "honest":
            train_subjects = sorted(set(subjects[train_idx].tolist()))
            if len(train_subjects) >= 2:
                rng = np.random.default_rng(cfg.seed + fold)
                n_val = max(1, int(round(cfg.inner_val_fraction * len(train_subjects))))
                val_subjects = set(rng.choice(train_subjects, n_val, replace=False).tolist())
                is_val = np.isin(subjects, list(val_subjects))
                inner_val = np.flatnonzero(is_val & ~test)
                train_idx = np.flatnonzero(~is_val & ~test)
            counts = np.bincount(y[train_idx], minlength=k)
        else:
            counts = whole_counts                # the code's class counts are of the whole data set
        alpha = inverse_frequency_weights(np.maximum(counts, 1))
        model = new_model(mcfg, pretrained)

        if cfg.protocol == "authors":
            def evaluate(m, xe=x[test], ye=y[test]):
                acc = float(np.mean(np.array(predict(m, xe, device)["main"]) == ye))
                return acc, acc == 1.0
        elif inner_val is not None:
            def evaluate(m, xe=x[inner_val], ye=y[inner_val]):
                p = predict(m, xe, device)["main"]
                uf1, _ = uf1_uar(ye, p, k)
                return uf1 + 1e-3 * float(np.mean(np.array(p) == ye)), False
        else:
            evaluate = None                      # fixed schedule

        bar = tqdm(total=cfg.max_iter, desc=f"fold {fold + 1} ({subject})", disable=not progress, leave=False)
        t0 = time.time()
        hist = fit(model, x[train_idx], y[train_idx], cfg, alpha, device, evaluate, bar)
        bar.close()
        preds = predict(model, x[test], device)
        folds.append({"subject": subject, "n_train": int(len(train_idx)),
                      "n_inner_val": int(len(inner_val)) if inner_val is not None else 0,
                      "n_test": int(test.sum()), **hist, "seconds": round(time.time() - t0, 2),
                      "y_true": y[test].tolist(), "y_pred": preds})
        all_true += y[test].tolist()
        for c in CLASSIFIERS:
            all_pred[c] += preds[c]

    per_clf = {}
    for c in CLASSIFIERS:
        uf1, uar = uf1_uar(all_true, all_pred[c], k)
        per_clf[c] = {"uf1": uf1, "uar": uar}
    return {
        "protocol": cfg.protocol, "protocol_note": PROTOCOL_NOTES[cfg.protocol],
        "classes": list(classes), "num_samples": int(len(y)), "num_subjects": len(folds),
        "metrics": per_clf["main"], "per_classifier": per_clf,
        "confusion": confusion(all_true, all_pred["main"], k).tolist(),
        "train_config": cfg.to_dict(), "model_config": vars(mcfg), "pretrained": pretrained,
        "device": str(device), "folds": folds,
    }


def train_all(x, y, classes, cfg: TrainConfig, mcfg: ModelConfig, steps, pretrained=None, device=None,
              progress=True):
    """One model on every sample for a fixed number of steps (deployment or CK+ pre-training)."""
    device = device or ("cuda" if torch.cuda.is_available() else "cpu")
    set_seed(cfg.seed)
    y = np.asarray(y, np.int64)
    alpha = inverse_frequency_weights(np.maximum(np.bincount(y, minlength=len(classes)), 1))
    model = new_model(mcfg, pretrained)
    run_cfg = copy.copy(cfg)
    run_cfg.max_iter = steps
    bar = tqdm(total=steps, desc="train (all subjects)", disable=not progress, leave=False)
    hist = fit(model, x, y, run_cfg, alpha, device, None, bar)
    bar.close()
    return model.cpu().eval(), hist


def save_results(results, out_dir):
    """results.json, predictions.csv (every fold, every classifier) and confusion.png."""
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "results.json"), "w") as f:
        json.dump(results, f, indent=2)
        f.write("\n")
    with open(os.path.join(out_dir, "predictions.csv"), "w") as f:
        f.write("subject,index,y_true," + ",".join(f"pred_{c}" for c in CLASSIFIERS) + "\n")
        for fold in results["folds"]:
            for i, t in enumerate(fold["y_true"]):
                f.write(f"{fold['subject']},{i},{t}," + ",".join(str(fold["y_pred"][c][i]) for c in CLASSIFIERS) + "\n")
    plot_confusion(np.array(results["confusion"]), results["classes"],
                   f"{results['protocol']} protocol: UF1 {results['metrics']['uf1']:.4f}, "
                   f"UAR {results['metrics']['uar']:.4f}", os.path.join(out_dir, "confusion.png"))


def plot_confusion(cm, classes, title, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(1.2 * len(classes) + 2, 1.2 * len(classes) + 1.5))
    rates = cm / np.maximum(cm.sum(1, keepdims=True), 1)
    ax.imshow(rates, cmap="Blues", vmin=0, vmax=1)
    for i in range(len(classes)):
        for j in range(len(classes)):
            ax.text(j, i, f"{rates[i, j]:.2f}\n({cm[i, j]})", ha="center", va="center",
                    color="white" if rates[i, j] > 0.5 else "black", fontsize=8)
    ax.set_xticks(range(len(classes)), classes, rotation=45, ha="right")
    ax.set_yticks(range(len(classes)), classes)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    ax.set_title(title, fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
