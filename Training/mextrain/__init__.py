"""mextrain: the PyTorch reference implementation of SKD-TSTSAN for mexd."""
from .config import ModelConfig, TrainConfig
from .model import SKDTSTSAN, count_parameters, count_macs

__version__ = "0.1.0"
