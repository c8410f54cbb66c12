import os
import sys

# Before torch loads libgomp (ci.sh exports it too): see ci.sh for why.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import pytest
import torch

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# Two cores are shared with the Swift build; PyTorch's default would use them all and spin.
torch.set_num_threads(int(os.environ.get("MEXTRAIN_TEST_THREADS", "2")))


@pytest.fixture(scope="session")
def model5():
    from mextrain import ModelConfig, SKDTSTSAN
    torch.manual_seed(0)
    return SKDTSTSAN(ModelConfig(num_classes=5))
