#!/usr/bin/env bash
# Python tooling for training/ on a fresh Debian machine (CI runs it as root). Idempotent and
# quick when everything is present (one import check, no network).
#  - torch/torchvision: Debian's python3-torch packages, for /usr/bin/python3, which runs the
#    training code and its tests. The pip index's torchvision wheels are CUDA builds that fail
#    to import on CPU-only machines.
#  - ruff and mypy: into the python first on PATH, from pip's configured index only.
set -euo pipefail

system_python=/usr/bin/python3
if ! versions=$("$system_python" -c "import torch, torchvision, PIL, numpy, pytest
print('torch', torch.__version__, 'torchvision', torchvision.__version__)" 2>/dev/null); then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends \
    python3-torch python3-torchvision python3-pytest python3-numpy python3-pil >/dev/null
  versions=$("$system_python" -c "import torch, torchvision
print('torch', torch.__version__, 'torchvision', torchvision.__version__)")
fi
echo "$versions"

# find_spec only looks the packages up; importing mypy would take seconds.
read -r -a missing <<<"$(python3 -c "import importlib.util as u
print(' '.join(m for m in ('ruff', 'mypy') if u.find_spec(m) is None))")"
if [ "${#missing[@]}" -gt 0 ]; then
  # Debian's own python refuses pip installs (PEP 668) unless told; a pyenv python does not.
  python3 -m pip install --quiet --disable-pip-version-check "${missing[@]}" ||
    python3 -m pip install --quiet --disable-pip-version-check --break-system-packages "${missing[@]}"
fi
python3 -m ruff --version
