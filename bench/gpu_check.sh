#!/usr/bin/env bash
# GPU check: device, QLoRA and LoRA step time, hf vs vLLM generation, gate/train on a ~1B model.
#
#   bench/gpu_check.sh --fetch-wheels        # here, once: wheels + tokenizer into bench/gpu_wheels/
#   bench/gpu_check.sh --dry-run [--out DIR] # here: the same code paths on CPU, tiny model
#   bench/gpu_check.sh [--out DIR]           # on a CUDA machine: <= 8 minutes in all
#
# On the GPU machine the wheels in bench/gpu_wheels/ (git-ignored, so it must be
# carried) are installed with pip --no-index into a private folder: that machine
# has no network. Results go to DIR/gpu_check.json, DIR/gpu_check.txt and
# DIR/gpu_check.log (DIR defaults to $OUT, else reports/gpu_check). Everything
# after the first argument that is not ours is passed to bench/gpu_check.py.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
wheels="$here/gpu_wheels"
cd "$root"

# Versions are the ones the project's own environment runs (pip list in .venv), so
# the GPU run exercises the same library code; the GPU image already holds torch,
# transformers, peft, accelerate, pyarrow, pandas, xxhash, attrs, absl-py, click,
# joblib, regex and tqdm (see the device notes), so only the rest travels.
FETCH_PINS=(
    trl==1.16.0 datasets==5.2.0 dill==0.4.1 multiprocess==0.70.19
    bitsandbytes==0.50.2
    jsonschema==4.26.0 jsonschema-specifications==2025.9.1 referencing==0.37.0 rpds-py==2026.9.1
    nltk==3.10.4
)
ROUGE_PIN=rouge-score==0.1.2  # sdist only: built into a wheel here
CARRY_LIMIT_MB=60             # the device carries 64 MiB in all, the rest of the tree included
INSTALL_TIMEOUT_S=60
# Backstops above the driver's own total budgets (380 s on a GPU, 840 s for a dry run):
# install <= 60 s + driver <= 400 s keeps the GPU run under 8 minutes.
DRIVER_TIMEOUT_S=400
DRY_DRIVER_TIMEOUT_S=900

pick_python() {
    if [[ -n "${PYTHON:-}" ]]; then
        echo "$PYTHON"
    elif [[ -x "$root/.venv/bin/python" ]]; then
        echo "$root/.venv/bin/python"
    else
        echo python3
    fi
}

fetch_wheels() {
    local py
    py="$(pick_python)"
    mkdir -p "$wheels"
    "$py" -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 \
        --implementation cp --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 \
        --platform manylinux_2_24_x86_64 --platform manylinux_2_17_x86_64 \
        --platform manylinux2014_x86_64 --platform any -d "$wheels" "${FETCH_PINS[@]}"
    "$py" -m pip wheel -q --no-deps --no-build-isolation -w "$wheels" "$ROUGE_PIN" ||
        "$py" -m pip wheel -q --no-deps -w "$wheels" "$ROUGE_PIN"
    # The tokenizer of the embedded model travels; its weights do not (the model is random).
    "$py" - "$wheels/tokenizer" <<'EOF'
import shutil, sys
from pathlib import Path
from harness.models import embedded_dir
src, dst = embedded_dir(), Path(sys.argv[1])
names = ["tokenizer.json", "tokenizer_config.json", "chat_template.jinja", "special_tokens_map.json"]
if not (src / "tokenizer.json").is_file():
    sys.exit(f"{src}: no tokenizer.json (run `harness models prepare` first)")
dst.mkdir(parents=True, exist_ok=True)
for name in names:
    if (src / name).is_file():
        shutil.copy2(src / name, dst / name)
print(f"tokenizer: {src} -> {dst}")
EOF
    echo "wheels in $wheels:"
    ls -1 "$wheels"/*.whl | sed 's|.*/|  |'
    local kb
    kb="$(du -sk "$wheels" | cut -f1)"
    echo "total: $((kb / 1024)) MiB (limit $CARRY_LIMIT_MB MiB with the rest of the tree)"
    if ((kb > CARRY_LIMIT_MB * 1024)); then
        echo "bench/gpu_wheels is over $CARRY_LIMIT_MB MiB: drop a wheel before carrying it" >&2
        return 1
    fi
}

install_wheels() {
    # A private target folder: the image's own packages stay untouched, and ours shadow
    # nothing it has (only missing packages are carried).
    local site=/tmp/gpu_check_site py="$1"
    if ! compgen -G "$wheels/*.whl" >/dev/null; then
        echo "install: no wheels in bench/gpu_wheels (carry it; run --fetch-wheels here first)"
        return 0
    fi
    local t0=$SECONDS
    local pip=(timeout "$INSTALL_TIMEOUT_S" "$py" -m pip install -q --no-index --no-deps
        --no-compile --no-cache-dir --upgrade --target "$site" --find-links "$wheels")
    if "${pip[@]}" "$wheels"/*.whl; then
        echo "install: $(ls "$wheels"/*.whl | wc -l) wheels in $((SECONDS - t0)) s -> $site"
    else
        # pip installs all or nothing: one wheel built for another Python stops the rest.
        echo "install: pip failed for the whole set; one wheel at a time"
        local whl
        for whl in "$wheels"/*.whl; do
            "${pip[@]}" "$whl" >/dev/null 2>&1 || echo "install: FAILED ${whl##*/}"
        done
        echo "install: done in $((SECONDS - t0)) s; parts that need a failed one will say so"
    fi
    export PYTHONPATH="$site${PYTHONPATH:+:$PYTHONPATH}"
}

main() {
    local dry=0 args=() out="${OUT:-}"
    while (($#)); do
        case "$1" in
        --fetch-wheels)
            fetch_wheels
            return
            ;;
        --dry-run)
            dry=1
            args+=(--dry-run)
            ;;
        --out)
            out="$2"
            shift
            ;;
        *) args+=("$1") ;;
        esac
        shift
    done
    out="${out:-$root/reports/gpu_check}"
    mkdir -p "$out"
    local py
    py="$(pick_python)"
    export PYTHONUNBUFFERED=1 HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 HF_DATASETS_OFFLINE=1
    export TOKENIZERS_PARALLELISM=false
    export PYTHONPATH="$root${PYTHONPATH:+:$PYTHONPATH}"
    if ((dry)); then
        # Here the project's .venv already holds every package; the wheels are cp312 builds
        # for the GPU machine, so only list them.
        if compgen -G "$wheels/*.whl" >/dev/null; then
            echo "install: dry run, not installing $(ls "$wheels"/*.whl | wc -l) wheels ($(du -sh "$wheels" | cut -f1))"
        else
            echo "install: dry run, bench/gpu_wheels is empty (bench/gpu_check.sh --fetch-wheels fills it)"
        fi
    else
        install_wheels "$py"
    fi
    local rc=0 limit=$DRIVER_TIMEOUT_S
    ((dry)) && limit=$DRY_DRIVER_TIMEOUT_S
    timeout --kill-after=15 "$limit" "$py" bench/gpu_check.py --out "$out" "${args[@]}" || rc=$?
    if ((rc == 124 || rc == 137 || rc == 130)); then
        echo "gpu_check.py ran over ${limit} s and was stopped; partial results in $out"
    fi
    return "$rc"
}

main "$@"
