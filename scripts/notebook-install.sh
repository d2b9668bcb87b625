#!/usr/bin/env bash
# Registers tslab, the TypeScript kernel the notebooks in notebooks/ run on, with the Jupyter
# found on this machine (Debian: apt-get install jupyter-notebook jupyter-nbconvert python3-ipykernel).
#   npm run notebook:install                    the per-user kernel registry
#   npm run notebook:install -- --prefix DIR    DIR/share/jupyter/kernels (then JUPYTER_PATH=DIR/share/jupyter)
set -euo pipefail
cd "$(dirname "$0")/.."
jup=$(command -v jupyter) || {
  echo "notebook:install: no 'jupyter' on PATH; on Debian: apt-get install jupyter-notebook jupyter-nbconvert python3-ipykernel" >&2
  exit 1
}
# tslab's installer must run on the Python that Jupyter itself runs on: its launcher's shebang.
read -r -a shebang < <(head -1 "$jup" | sed 's/^#! *//')
py=${shebang[0]:-python3}
[ "$(basename "$py")" = env ] && py=${shebang[1]:-python3}
[ $# -gt 0 ] || set -- --user
exec node node_modules/tslab/bin/tslab install --python="$py" --binary="$PWD/node_modules/.bin/tslab" "$@"
