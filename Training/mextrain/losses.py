"""Self-knowledge-distillation losses (paper section 3.4, eq. 7-10).

Two forms where the released code and the printed equations differ (reference-code notes 4.1):
  focal:  "code"  (default) torch nll_loss with class weights, i.e. the batch sum divided by the sum
                  of the weights of the batch's labels;
          "paper" eq. 7 averaged over the batch (divided by B).
  L2:     "code"  (default) sum over batch and all 384 dims of the squared difference, masked where
                  both features are 0 (post-ReLU averages, so the mask rarely matters);
          "paper" eq. 9 per sample, ||F_i - F_C||^2, averaged over the batch.
The KL term (eq. 8) is the same in both. The teacher (deepest classifier) is detached in both.
"""
import torch
import torch.nn.functional as F


def inverse_frequency_weights(counts):
    """alpha_k proportional to 1/n_k, normalised to sum to 1 (section 4.2; the code's CASME2_numbers)."""
    counts = torch.as_tensor(counts, dtype=torch.float64)
    if (counts <= 0).any():
        raise ValueError(f"every class needs at least one training sample, got counts {counts.tolist()}")
    inv = 1.0 / counts
    return (inv / inv.sum()).float()


def focal_loss(logits, target, alpha=None, gamma=2.0, form="code"):
    """Eq. 7: -sum_k alpha_k (1 - q_k)^gamma t_k log q_k, with q = softmax(logits)."""
    log_q = F.log_softmax(logits, dim=1)
    focal = (1 - log_q.exp()) ** gamma * log_q
    if form == "code":
        return F.nll_loss(focal, target, weight=alpha)
    if form == "paper":
        per_sample = -focal.gather(1, target[:, None]).squeeze(1)
        if alpha is not None:
            per_sample = per_sample * alpha[target]
        return per_sample.mean()
    raise ValueError(f"unknown focal form {form!r}")


def kd_loss(student_logits, teacher_logits, temperature=3.0):
    """Eq. 8: T^2 * KL(q^C(T) || q^i(T)), batch mean, teacher detached."""
    t = temperature
    teacher = F.softmax(teacher_logits.detach() / t, dim=1)
    return F.kl_div(F.log_softmax(student_logits / t, dim=1), teacher, reduction="batchmean") * t * t


def feature_loss(student_feat, teacher_feat, form="code"):
    """Eq. 9: ||F_i - F_C||^2 between an AC's 384-d feature and the deepest one (teacher detached)."""
    teacher = teacher_feat.detach()
    sq = (student_feat - teacher) ** 2
    if form == "code":
        mask = ((student_feat > 0) | (teacher > 0)).float()
        return (sq * mask).sum()
    if form == "paper":
        return sq.sum(dim=1).mean()
    raise ValueError(f"unknown L2 form {form!r}")


def skd_loss(out, target, alpha=None, gamma=2.0, lambda1=0.1, lambda2=1e-6, temperature=3.0,
             form="code"):
    """Eq. 10. The deepest classifier gets focal loss only; each AC gets
    (1 - lambda1) FL + lambda1 KL + lambda2 L2. Returns (total, parts) with parts for logging."""
    fl = lambda z: focal_loss(z, target, alpha, gamma, form)
    parts = {"fl": fl(out.logits)}
    for name, z, f in (("ac1", out.aux1, out.aux1_feat), ("ac2", out.aux2, out.aux2_feat)):
        parts[f"{name}_fl"] = fl(z)
        parts[f"{name}_kl"] = kd_loss(z, out.logits, temperature)
        parts[f"{name}_l2"] = feature_loss(f, out.feat, form)
    total = parts["fl"]
    for name in ("ac1", "ac2"):
        total = total + (1 - lambda1) * parts[f"{name}_fl"] + lambda1 * parts[f"{name}_kl"] \
            + lambda2 * parts[f"{name}_l2"]
    return total, {k: float(v) for k, v in parts.items()}
