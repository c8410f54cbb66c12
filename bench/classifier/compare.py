"""Times SKD-TSTSAN at batch 1: PyTorch eager vs `mexd-bench classifier` (OpenCV DNN).

The full-size 5-class network (1,610,632 inference parameters) with seeded weights is
exported by Training/'s own exporter; both runtimes then see the same weights and run
in alternating blocks so that machine load hits both alike.
"""
import os
import statistics
import subprocess
import sys
import time

import torch

from mextrain.config import ModelConfig
from mextrain.export import export
from mextrain.model import SKDTSTSAN

work, blocks, rounds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
torch.manual_seed(0)
model = SKDTSTSAN(ModelConfig(num_classes=5)).eval()
onnx_path, _ = export(model, work, ["happiness", "disgust", "repression", "surprise", "others"], name="bench")
x = torch.rand(1, 38, 48, 48)


def torch_block():
    with torch.inference_mode():
        for _ in range(3):
            model(x)
        times = []
        for _ in range(rounds):
            t = time.perf_counter()
            model(x)
            times.append(time.perf_counter() - t)
    return statistics.median(times) * 1000


def mexd_block():
    out = subprocess.run([".build/release/mexd-bench", "classifier", "--model", onnx_path, "--rounds", str(rounds)],
                         check=True, capture_output=True, text=True).stdout
    return float(out.strip())


torch_ms, mexd_ms = [], []
for _ in range(blocks):
    torch_ms.append(torch_block())
    mexd_ms.append(mexd_block())
t, m = statistics.median(torch_ms), statistics.median(mexd_ms)
print(f"bench/classifier: SKD-TSTSAN 5 classes, batch 1, {blocks} alternating blocks of {rounds} runs, "
      f"torch {torch.__version__} with {torch.get_num_threads()} threads, {os.cpu_count()} cores")
print(f"  PyTorch eager CPU : {t:7.2f} ms (block medians {', '.join(f'{v:.2f}' for v in torch_ms)})")
print(f"  mexd (OpenCV DNN) : {m:7.2f} ms (block medians {', '.join(f'{v:.2f}' for v in mexd_ms)})")
print(f"  ratio mexd/PyTorch: {m / t:.3f} (budget: <= 1.0)")
