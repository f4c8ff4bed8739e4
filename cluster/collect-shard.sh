#!/usr/bin/env bash
# One shard of a sharded collection, for a job array: the scheduler's task index
# (Slurm's SLURM_ARRAY_TASK_ID or Kubernetes' JOB_COMPLETION_INDEX, both 0-based)
# picks shard I = index + 1 of SHARDS equal prompt ranges (`collect --shard I/N`).
#
# Safe to run again after a preemption or a kill: a finished shard is skipped
# (its .done marker), an interrupted one continues with --resume (the CLI keeps
# <out>.progress.json after every image), and a shard that never wrote its
# progress record starts over.
#
# Settings (environment): SHARDS, PROMPTS, MODEL, OUT_DIR; optional EXTRA_ARGS
# (e.g. "--hook up_blocks.1.attentions.1 --record 5 --steps 25") and TRAJ_CLI
# (the CLI command; default: this checkout's `vite-node src/cli/main.ts --`).
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
index=${SLURM_ARRAY_TASK_ID:-${JOB_COMPLETION_INDEX:-}}
: "${index:?set SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX (the 0-based task index)}"
: "${SHARDS:?set SHARDS, the number of shards}" "${PROMPTS:?set PROMPTS, the prompt file}" "${MODEL:?set MODEL, the model folder or manifest URL}" "${OUT_DIR:?set OUT_DIR, the shared output folder}"
if (( index < 0 || index >= SHARDS )); then
  echo "collect-shard: task index $index is outside 0..$((SHARDS - 1))" >&2
  exit 2
fi
shard=$((index + 1))
out="$OUT_DIR/$(printf 'shard-%04d-of-%04d' "$shard" "$SHARDS").safetensors"
mkdir -p "$OUT_DIR"
if [[ -f $out.done ]]; then
  echo "collect-shard: $out is complete; nothing to do"
  exit 0
fi
resume=()
[[ -f $out.progress.json ]] && resume=(--resume)
read -r -a cli <<<"${TRAJ_CLI:-npx --no-install vite-node $repo/src/cli/main.ts --}"
read -r -a extra <<<"${EXTRA_ARGS:-}"
# Not exec: the marker is written only when the CLI says the shard is complete (exit 0).
"${cli[@]}" collect --model "$MODEL" --prompts "$PROMPTS" --shard "$shard/$SHARDS" --out "$out" "${resume[@]}" "${extra[@]}"
touch "$out.done"
