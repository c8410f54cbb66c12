"""All hyper-parameters in one place; defaults are the paper's section 4.2 and the authors' code."""
from dataclasses import dataclass, field, asdict


@dataclass
class ModelConfig:
    num_classes: int = 5          # CASME II 5-class is the released code's default (--class_num)
    amp_factor: float = 2.0       # paper 4.2 / Fig. 9(b): A = 2; code multiplies by A, not A - 1
    dropout: float = 0.2          # reference code, before each fully connected layer
    aux_classifiers: bool = True  # section 3.4: two ACs for self-distillation, training only
    # Widths of the released code. Only the parity fixtures shrink them (same graph, fewer bytes).
    mag_width: int = 32           # magnification latent channels (Oh et al.)
    widths: tuple = (64, 128)     # trunk: conv1-3, then conv4-5 and every AC conv


@dataclass
class TrainConfig:
    # Optimiser (section 4.2): Adam, coupled L2 weight decay as in torch.optim.Adam.
    lr: float = 1e-3
    betas: tuple = (0.9, 0.99)
    weight_decay: float = 5e-4
    batch_size: int = 16          # 32 for CAS(ME)3 (section 4.2)
    max_iter: int = 20000         # optimiser steps per LOSO fold (section 4.2); 10k for CK+ pre-training
    # Loss (eq. 7-10).
    gamma: float = 2.0            # focal focusing parameter
    lambda1: float = 0.1          # KL weight (and 1 - lambda1 on the ACs' focal loss)
    lambda2: float = 1e-6         # L2 feature weight
    temperature: float = 3.0      # distillation temperature T
    loss_form: str = "code"       # "code" (released script, default) or "paper" (eq. 10 as printed)
    # Evaluation protocol: "honest" (default) never looks at the held-out subject to choose an epoch;
    # "authors" keeps the epoch with the best held-out accuracy, as the released code does.
    protocol: str = "honest"
    eval_every: int = 0           # steps between evaluations; 0 = once per epoch
    early_stop_patience: int = 50 # honest protocol: evaluations (epochs) without inner-val improvement;
                                  # the paper uses early stopping but gives no rule: our choice
    inner_val_fraction: float = 0.2  # honest protocol: share of training subjects held out
    seed: int = 1337              # the released script's seed
    threads: int = 0              # torch CPU threads; 0 = leave PyTorch's default

    def to_dict(self):
        return asdict(self)
