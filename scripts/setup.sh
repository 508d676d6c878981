#!/usr/bin/env bash
# Makes this checkout ready for the demo or the tests, then runs the given command.
#
#   bash scripts/setup.sh demo|test [COMMAND ARGS...]
#
# `npm run demo` and `npm test` start here, so the README's two commands work on a bare machine.
# When everything is in place this is one quick check of files (no network, no Python start-up):
# the interpreters chosen by the last full set-up are recorded in .venv/mlops-python.env together
# with a key of this script and the pinned tool versions; any change to either redoes the set-up.
#
# What it provides, saying so before installing anything:
#  - node_modules (test only: the demo runs the committed bundles), through `npm ci`.
#  - A project-local Python environment, .venv (ignored by git), with the training stack (torch,
#    torchvision, pillow, numpy) and the pinned dev tools of training/requirements-dev.txt.
#    Route "wheels": a venv of the python3 on PATH with the index's wheels, used only if they
#    really work (the torchvision operator check catches a torchvision built for another torch).
#    Route "debian": Debian's python3-torch packages for /usr/bin/python3 (apt, as root or with
#    sudo), and a venv on top of that interpreter for the dev tools.
#  - moto, the local AWS emulator: reused from .venv or python3 where present, else installed
#    into .venv.
#  - shellcheck (test only: the EC2 runner's user data is checked by it), from Debian.
# Exports MLOPS_TRAINING_PYTHON and MLOPS_PYTHON (the emulator's) to the command it runs.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

profile=${1:-}
case "$profile" in
  demo | test) shift ;;
  *)
    echo "usage: bash scripts/setup.sh demo|test [COMMAND ARGS...]" >&2
    exit 2
    ;;
esac

venv="$root/.venv"
# Debian's interpreter, for which its python3-torch packages are built (settable for tests).
system_python=${MLOPS_SYSTEM_PYTHON:-/usr/bin/python3}
env_file="$venv/mlops-python.env"
key=$(cat scripts/setup.sh training/requirements-dev.txt | sha256sum | cut -c1-16)
moto_spec="moto[server]==5.2.1"
debian_packages=(python3-torch python3-torchvision python3-pil python3-numpy python3-pytest python3-venv)
# Imports everything the training code and its tests use; torchvision's nms runs a compiled
# operator, which fails when the torchvision wheel was built for another torch.
verify_training='import PIL, numpy, pytest, torch, torchvision
torchvision.ops.nms(torch.zeros(1, 4), torch.zeros(1), 0.5)
print("torch", torch.__version__, "torchvision", torchvision.__version__)'

say() { printf 'setup: %s\n' "$*" >&2; }
fail() {
  printf 'setup: %s\n' "$@" >&2
  exit 1
}
# apt-get as root, or through sudo when it needs no password; empty when neither works.
apt_runner() {
  if [ "$(id -u)" -eq 0 ]; then
    echo "apt-get"
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    echo "sudo apt-get"
  fi
}
apt_install() {
  local apt
  apt=$(apt_runner)
  [ -n "$apt" ] || return 1
  export DEBIAN_FRONTEND=noninteractive
  $apt update -qq && $apt install -y -qq --no-install-recommends "$@" >/dev/null
}
# No retries: where pip is configured with an extra local index and a default one it cannot
# reach, each retry adds seconds and a warning per package; a real failure still shows.
pip_install() { "$venv/bin/python" -m pip install -qq --retries 0 --timeout 30 "$@"; }

node_ok() {
  node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)'
}
# npm ci leaves node_modules/.package-lock.json; older than package-lock.json means stale.
node_modules_ok() { [ node_modules/.package-lock.json -nt package-lock.json ]; }
python_ok() {
  [ -f "$env_file" ] || return 1
  local recorded_key="" training="" emulator=""
  recorded_key=$(sed -n 's/^MLOPS_SETUP_KEY=//p' "$env_file")
  training=$(sed -n 's/^MLOPS_TRAINING_PYTHON=//p' "$env_file")
  emulator=$(sed -n 's/^MLOPS_PYTHON=//p' "$env_file")
  [ "$recorded_key" = "$key" ] && [ -x "$training" ] && [ -x "$emulator" ]
}
shellcheck_ok() { command -v shellcheck >/dev/null; }

node_ok || fail "Node.js >= 20.19 is required (this is $(node --version)); install it from your distribution or nodejs.org, then re-run."

todo=()
[ "$profile" = demo ] || node_modules_ok || todo+=("node modules (npm ci)")
python_ok || todo+=("the Python environment .venv: torch, torchvision, pillow, numpy, pytest, ruff, and moto if absent")
[ "$profile" = demo ] || shellcheck_ok || todo+=("shellcheck (Debian package)")

if [ "${#todo[@]}" -gt 0 ]; then
  say "installing what this checkout lacks:"
  printf '  - %s\n' "${todo[@]}" >&2
fi

if [ "$profile" = test ] && ! node_modules_ok; then
  say "npm ci"
  npm ci --no-audit --no-fund --loglevel=error
fi

if [ "$profile" = test ] && ! shellcheck_ok; then
  say "apt-get install shellcheck"
  apt_install shellcheck || fail "shellcheck is missing and cannot be installed without root; run:" \
    "  sudo apt-get update && sudo apt-get install -y shellcheck"
fi

setup_python() {
  local route="" python3_path
  rm -rf "$venv"
  python3_path=$(command -v python3 || true)
  if [ -n "$python3_path" ] && "$python3_path" -m venv --system-site-packages "$venv" 2>/dev/null; then
    say "route wheels: a venv of $python3_path with torch and torchvision from the package index${MLOPS_TORCH_INDEX:+ and $MLOPS_TORCH_INDEX}"
    local verified=""
    if pip_install ${MLOPS_TORCH_INDEX:+--extra-index-url "$MLOPS_TORCH_INDEX"} torch torchvision pillow numpy \
      -r training/requirements-dev.txt && verified=$("$venv/bin/python" -c "$verify_training" 2>&1); then
      say "$verified"
      route=wheels
    else
      say "the index's torch/torchvision do not work here (${verified##*$'\n'}); falling back to Debian's packages"
    fi
  fi

  if [ -z "$route" ]; then
    rm -rf "$venv"
    if ! "$system_python" -c "$verify_training" >/dev/null 2>&1 || ! "$system_python" -c "import ensurepip" 2>/dev/null; then
      say "route debian: apt-get install ${debian_packages[*]}"
      apt_install "${debian_packages[@]}" || fail \
        "No working torch/torchvision wheels here, and Debian's packages need root. Run:" \
        "  sudo apt-get update && sudo apt-get install -y ${debian_packages[*]}" \
        "then re-run this command."
    else
      say "route debian: Debian's python3-torch packages are present"
    fi
    local debian_versions
    debian_versions=$("$system_python" -c "$verify_training") ||
      fail "$system_python still cannot import the training packages after installing ${debian_packages[*]}"
    say "$debian_versions"
    "$system_python" -m venv --system-site-packages "$venv"
    pip_install -r training/requirements-dev.txt
    route=debian
  fi

  # The emulator needs moto; reuse an installed one (it is large) before installing it.
  local emulator=""
  for candidate in "$venv/bin/python" "$python3_path"; do
    if [ -n "$candidate" ] && "$candidate" -c "import moto.server" 2>/dev/null; then
      emulator=$("$candidate" -c "import sys; print(sys.executable)")
      break
    fi
  done
  if [ -z "$emulator" ]; then
    say "installing $moto_spec into .venv"
    pip_install "$moto_spec" || fail "moto could not be installed; install it for python3 with:" \
      "  python3 -m pip install '$moto_spec'"
    emulator="$venv/bin/python"
  fi

  cat >"$env_file" <<EOF
# Written by scripts/setup.sh (route $route); delete .venv to redo the set-up.
MLOPS_SETUP_KEY=$key
MLOPS_TRAINING_PYTHON=$venv/bin/python
MLOPS_PYTHON=$emulator
EOF
  say "Python ready (route $route): training $venv/bin/python, emulator $emulator"
}

python_ok || setup_python

MLOPS_TRAINING_PYTHON=$(sed -n 's/^MLOPS_TRAINING_PYTHON=//p' "$env_file")
MLOPS_PYTHON=$(sed -n 's/^MLOPS_PYTHON=//p' "$env_file")
export MLOPS_TRAINING_PYTHON MLOPS_PYTHON
[ "$#" -eq 0 ] || exec "$@"
