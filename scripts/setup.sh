#!/usr/bin/env bash
# Sets up a fresh machine for wgrt: a WebGPU-capable Vulkan driver, then the npm packages
# (which also compiles src/ to dist/). On Debian 12 as root it installs what is missing;
# elsewhere it prints the exact command to run when no Vulkan driver is found.
set -euo pipefail
cd "$(dirname "$0")/.."
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-/tmp}"

have_driver() {
  # Dawn needs Mesa >= 23 for lavapipe; any vendor driver (NVIDIA, AMD, Intel) also works.
  local icd
  for icd in /usr/share/vulkan/icd.d/*.json /etc/vulkan/icd.d/*.json; do
    [ -e "$icd" ] || continue
    case "$icd" in
      *lvp_icd*)
        local v
        v=$(dpkg-query -W -f='${Version}' mesa-vulkan-drivers 2>/dev/null || echo 0)
        dpkg --compare-versions "$v" ge 23 && return 0 ;;
      *) return 0 ;;
    esac
  done
  return 1
}

debian12=false
if [ -r /etc/os-release ] && . /etc/os-release && [ "${ID:-}" = debian ] && [ "${VERSION_ID:-}" = 12 ]; then debian12=true; fi

if ! have_driver; then
  if $debian12 && [ "$(id -u)" = 0 ]; then
    echo "setup: installing mesa-vulkan-drivers (lavapipe, Mesa >= 23) from bookworm-backports"
    if ! grep -rqs bookworm-backports /etc/apt/sources.list /etc/apt/sources.list.d/; then
      printf 'Types: deb\nURIs: http://deb.debian.org/debian\nSuites: bookworm-backports\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
        > /etc/apt/sources.list.d/wgrt-backports.sources
    fi
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -t bookworm-backports mesa-vulkan-drivers libvulkan1 >/dev/null
  else
    echo "setup: no WebGPU-capable Vulkan driver found. Install one, e.g. on Debian 12 as root:" >&2
    echo "  echo 'deb http://deb.debian.org/debian bookworm-backports main' > /etc/apt/sources.list.d/backports.list && apt-get update && apt-get install -y -t bookworm-backports mesa-vulkan-drivers" >&2
    echo "  (on Ubuntu >= 23.04 or Debian 13: apt-get install mesa-vulkan-drivers). Without it wgrt runs on its CPU reference executor." >&2
  fi
fi

# The notebooks (notebooks/, test/notebook/notebooks.test.ts): Jupyter to run them with the tslab
# kernel, Chromium to look at their HTML. Optional for using wgrt; installed when we can.
if ! command -v jupyter-nbconvert >/dev/null || ! command -v chromium >/dev/null; then
  if $debian12 && [ "$(id -u)" = 0 ]; then
    echo "setup: installing Jupyter (nbconvert, ipykernel) and Chromium for the notebooks"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq jupyter-nbconvert jupyter-notebook python3-ipykernel chromium >/dev/null
  else
    echo "setup: the notebooks need Jupyter and Chromium (Debian: apt-get install jupyter-notebook jupyter-nbconvert python3-ipykernel chromium)" >&2
  fi
fi

# `npm install` rather than `npm ci`: the registry reached here lacks some platform-only optional
# packages (e.g. rollup's android builds), which leaves them out of the lock file and makes `npm ci` refuse it.
# onnxruntime-node (the tests' ONNX oracle, CPU build in the package) would otherwise try to
# download GPU binaries at install time.
export ONNXRUNTIME_NODE_INSTALL=skip
npm install --no-audit --no-fund
