#!/usr/bin/env bash
# Checks what the test suite needs and says exactly what is missing. Installs nothing:
# `bash .ci/run` (or the commands it prints) does that.
set -u
missing=()
node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)' ||
  missing+=("Node.js >= 20.19 (have $(node --version))")
[ -d node_modules ] || missing+=("node_modules: run npm ci")
python3 -c "import moto" 2>/dev/null || missing+=("moto (the local AWS emulator): pip install 'moto[server]==5.2.1'")
python3 -m ruff --version >/dev/null 2>&1 || missing+=("ruff: pip install ruff")
/usr/bin/python3 -c "import torch, torchvision, PIL, pytest" 2>/dev/null ||
  missing+=("torch/torchvision for /usr/bin/python3: apt-get install python3-torch python3-torchvision python3-pytest python3-pil (or: bash scripts/install-python-deps.sh)")
if [ ${#missing[@]} -gt 0 ]; then
  echo "Missing prerequisites:" >&2
  printf '  - %s\n' "${missing[@]}" >&2
  echo "bash .ci/run installs all of them on a Debian machine." >&2
  exit 1
fi
