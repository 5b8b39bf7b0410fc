#!/usr/bin/env bash
# Sets up (or checks) the project's virtual environment. Idempotent: when
# nothing changed since the last successful run it only verifies the imports.
#
#   tools/install.sh            # uses ./.venv
#   tools/install.sh --test     # also the test-only extras (requirements-test.txt)
#   VENV=/path/to/env tools/install.sh
#
# Settings (environment variables):
#   VENV         where the virtual environment lives (default: <repo>/.venv)
#   PYTHON       interpreter used to create it (default: python3)
#   TORCH_SPEC   what to install when the environment has no torch
#                (default: torch==2.13.0, the pinned CPU wheel on this machine;
#                an unpinned "torch" would pull several GB of CUDA packages).
#                A torch that is already importable (e.g. a CUDA build) is kept.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${VENV:-$ROOT/.venv}"
PYTHON="${PYTHON:-python3}"
TORCH_SPEC="${TORCH_SPEC:-torch==2.13.0}"
WITH_TEST=0
STAMP="$VENV/.speechbrain_interp_install"
if [ "${1:-}" = "--test" ]; then
    WITH_TEST=1
    STAMP="${STAMP}_test"
fi
VPY="$VENV/bin/python"

say() { echo "[install] $*"; }

# The stamp records what was installed; a change to any of these files
# makes the next run install again.
want_stamp() {
    local files=("$ROOT/requirements.txt" "$ROOT/setup.py" "$ROOT/tools/install.sh")
    if [ $WITH_TEST = 1 ]; then
        files+=("$ROOT/requirements-test.txt")
    fi
    cat "${files[@]}" | sha256sum | cut -d' ' -f1
}

imports_ok() {
    "$VPY" - <<'PY' >/dev/null 2>&1
import torch, torchaudio, speechbrain, speechbrain_interp
import speechbrain.processing.features
PY
}

if [ -x "$VPY" ] && [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$(want_stamp)" ] && imports_ok; then
    say "environment $VENV is up to date"
    exit 0
fi

if [ ! -x "$VPY" ]; then
    say "creating virtual environment $VENV"
    "$PYTHON" -m venv "$VENV"
fi
PIP=("$VPY" -m pip --disable-pip-version-check)

# 1. torch: keep whatever works, otherwise the pinned build.
if "$VPY" -c "import torch" >/dev/null 2>&1; then
    say "keeping installed torch $("$VPY" -c 'import torch; print(torch.__version__)')"
else
    say "installing $TORCH_SPEC"
    "${PIP[@]}" install "$TORCH_SPEC"
fi
TORCH_VERSION="$("$VPY" -c 'import torch; print(torch.__version__.split("+")[0])')"
CONSTRAINTS="$VENV/torch-constraint.txt"
echo "torch==$TORCH_VERSION" > "$CONSTRAINTS"

# 2. torchaudio: keep an installed one; otherwise the release matching torch,
#    or the newest one the registry has when there is no matching release.
if "$VPY" -c "import importlib.util as u, sys; sys.exit(u.find_spec('torchaudio') is None)"; then
    say "keeping installed torchaudio"
elif "${PIP[@]}" install -c "$CONSTRAINTS" "torchaudio==$TORCH_VERSION" >/dev/null 2>&1; then
    say "installed torchaudio==$TORCH_VERSION"
else
    say "no torchaudio==$TORCH_VERSION in the registry; installing the newest torchaudio"
    "${PIP[@]}" install -c "$CONSTRAINTS" torchaudio
fi

# 3. Everything else, never touching torch.
"${PIP[@]}" install -q -c "$CONSTRAINTS" -r "$ROOT/requirements.txt"
"${PIP[@]}" install -q -c "$CONSTRAINTS" --no-deps --no-build-isolation -e "$ROOT"
if [ $WITH_TEST = 1 ]; then
    # keep numpy as the runtime requirements left it
    "$VPY" -c 'import numpy; print("numpy==" + numpy.__version__)' >> "$CONSTRAINTS"
    "${PIP[@]}" install -q -c "$CONSTRAINTS" -r "$ROOT/requirements-test.txt"
fi

# 4. torchaudio wheels from the registry are built against CUDA torch; with a
#    CPU torch their compiled extensions fail to load and `import torchaudio`
#    (hence `import speechbrain`) fails. Only in that case, set the compiled
#    libraries aside: torchaudio then runs as pure Python (its transforms and
#    functional API work; file I/O goes through soundfile in this project).
if ! err="$("$VPY" -c "import torchaudio" 2>&1)"; then
    if echo "$err" | grep -q "lib/.*\.so\|Could not load this library\|libtorchaudio"; then
        TA_LIB="$("$VPY" -c 'import importlib.util as u, os; print(os.path.join(os.path.dirname(u.find_spec("torchaudio").origin), "lib"))')"
        ASIDE="$TA_LIB/set_aside_by_speechbrain_interp"
        say "torchaudio's compiled libraries do not load with this torch; moving them to $ASIDE"
        mkdir -p "$ASIDE"
        for so in "$TA_LIB"/*.so; do
            [ -e "$so" ] && mv "$so" "$ASIDE/"
        done
    else
        echo "$err" >&2
        say "ERROR: import torchaudio fails for a reason this script does not handle (see above)"
        exit 1
    fi
fi

if ! imports_ok; then
    "$VPY" -c "import torch, torchaudio, speechbrain, speechbrain_interp" || true
    say "ERROR: the environment still does not import (see above)"
    exit 1
fi
want_stamp > "$STAMP"
say "environment ready: torch $("$VPY" -c 'import torch; print(torch.__version__)'), torchaudio $("$VPY" -c 'import torchaudio; print(torchaudio.__version__)'), speechbrain $("$VPY" -c 'import speechbrain; print(speechbrain.__version__)')"
