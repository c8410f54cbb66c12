#!/usr/bin/env bash
# Training/ci.sh: set up the Python environment for Training/ and run its tests.
# Idempotent; works on a fresh Debian 12 from the repo root (or anywhere), no stdin needed.
#   1. apt-installs what is missing: python3-venv, python3-opencv (OpenCV 4.6 with cv2.optflow,
#      the same library mexd links), opencv-data (Haar cascade)
#   2. creates Training/.venv (Debian's python3, --system-site-packages so cv2 is importable)
#      and pip-installs the Python dependencies that are missing
#   3. runs pytest on Training/tests and exits with its status
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$here/.venv"
export DEBIAN_FRONTEND=noninteractive

sudo_() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo -n "$@"; fi; }

missing=()
for pkg in python3 python3-venv python3-opencv opencv-data; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "ci.sh: apt-get install ${missing[*]}"
    sudo_ apt-get update -qq
    sudo_ apt-get install -y -qq --no-install-recommends "${missing[@]}" </dev/null
fi

if [ ! -x "$venv/bin/python" ]; then
    echo "ci.sh: creating $venv"
    /usr/bin/python3 -m venv --system-site-packages "$venv"
fi
py="$venv/bin/python"
pip=("$py" -m pip install -q --disable-pip-version-check --no-input)

# PyTorch: prefer the CPU build from pip's find-links (torch 2.13.0+cpu, ~200 MB); PyPI's default
# Linux build is the CUDA one (~3 GB), used only as the last resort.
if ! "$py" -c "import torch" >/dev/null 2>&1; then
    "${pip[@]}" "torch==2.13.0+cpu" \
        || "${pip[@]}" torch --index-url https://download.pytorch.org/whl/cpu --extra-index-url https://pypi.org/simple --timeout 20 --retries 1 \
        || "${pip[@]}" torch
fi
# numpy<2: Debian's cv2 is built against numpy 1.x.
if ! "$py" -c "import numpy, onnx, sklearn, tqdm, matplotlib, openpyxl, pytest; assert int(numpy.__version__.split('.')[0]) < 2" >/dev/null 2>&1; then
    "${pip[@]}" "numpy<2" onnx scikit-learn tqdm matplotlib openpyxl pytest
fi
"$py" -c "import cv2; assert hasattr(cv2, 'optflow'), 'cv2 lacks optflow: use Debian python3-opencv'; print('ci.sh: torch', __import__('torch').__version__, 'opencv', cv2.__version__)"

cd "$here"
export MPLBACKEND=Agg
# Sleep rather than spin in OpenMP barriers: on a shared 2-core machine a spinning PyTorch thread
# that loses its core makes every step 10-50x slower (measured: 0.3 s -> 10-19 s per step).
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-PASSIVE}"
exec "$py" -m pytest -q -p no:cacheprovider tests "$@"
