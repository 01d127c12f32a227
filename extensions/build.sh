#!/usr/bin/env bash
# Build the JupyterLab extension (extensions/workbench-lab) into workbench/labextension/, where
# the Python package ships it. Idempotent: does nothing when the output is newer than every
# source (FORCE=1 rebuilds). Needs Node >= 20.19 and the venv's jupyter-builder (jlpm).
#   PYTHON=.venv/bin/python extensions/build.sh [--develop]
# --develop then links the build into that Python's prefix and enables the server extension,
# which is what the wheel's data files do: an editable install (`pip install -e .`) installs
# no data files (setuptools issue #3399), so `make install` needs it.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-.venv/bin/python}
EXT=extensions/workbench-lab
OUT=workbench/labextension
SOURCES=("$EXT/src" "$EXT/schema" "$EXT/style" "$EXT/package.json" "$EXT/yarn.lock" "$EXT/tsconfig.json"
         "$EXT/install.json" "$EXT/.yarnrc.yml" "extensions/build.sh")

up_to_date() {
  [ "${FORCE:-0}" != 1 ] && [ -f "$OUT/install.json" ] \
    && [ -z "$(find "${SOURCES[@]}" -newer "$OUT/install.json" -print -quit)" ]
}

node_ok() {
  command -v node >/dev/null && node -e 'const [a, b] = process.versions.node.split(".").map(Number);
           process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)'
}

build() {
  local bin start
  bin=$(cd "$(dirname "$PYTHON")" && pwd)
  [ -x "$bin/jlpm" ] || "$PYTHON" -m pip install --quiet 'jupyter-builder>=1.3'
  start=$(date +%s)
  rm -rf "$OUT" "$EXT/lib"
  # jlpm and jupyter-builder come from the venv; --immutable: yarn.lock is committed as is.
  (cd "$EXT" && PATH="$bin:$PATH" jlpm install --immutable && PATH="$bin:$PATH" jlpm build)
  cp "$EXT/install.json" "$OUT/install.json"  # written last: it marks a complete build
  echo "workbench-lab: built $OUT ($(du -sk "$OUT" | cut -f1) KB) in $(($(date +%s) - start)) s"
}

develop() {
  local prefix
  prefix=$("$PYTHON" -c 'import sys; print(sys.prefix)')
  mkdir -p "$prefix/share/jupyter/labextensions" "$prefix/etc/jupyter/jupyter_server_config.d"
  local link="$prefix/share/jupyter/labextensions/workbench-lab"
  local config="$prefix/etc/jupyter/jupyter_server_config.d/workbench.json"
  if [ "$(readlink "$link" || true)" != "$PWD/$OUT" ]; then
    ln -sfn "$PWD/$OUT" "$link"
    echo "workbench-lab: linked $link"
  fi
  cmp -s jupyter-config/jupyter_server_config.d/workbench.json "$config" \
    || install -m 644 jupyter-config/jupyter_server_config.d/workbench.json "$config"
}

if ! up_to_date; then
  if node_ok; then
    build
  else
    # Everything but the JupyterLab extension works without Node: warn and go on, except in
    # CI, where the extension is part of what is tested.
    echo "workbench-lab: skipped: Node.js >= 20.19 is needed to build the JupyterLab" \
         "extension (found: $(node --version 2>/dev/null || echo none))" >&2
    [ -n "${CI:-}" ] && exit 1
    exit 0
  fi
fi
if [ "${1:-}" = --develop ]; then
  develop
fi
