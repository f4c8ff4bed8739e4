#!/usr/bin/env bash
# Queues a sharded collection on Slurm: an array of SHARDS tasks, then the merge.
# Run from the checkout, with SHARDS, PROMPTS, MODEL, OUT_DIR, MERGED (and
# optionally EXTRA_ARGS) set; they travel to the tasks with --export=ALL.
set -euo pipefail
: "${SHARDS:?}" "${PROMPTS:?}" "${MODEL:?}" "${OUT_DIR:?}" "${MERGED:?}"
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
array=$(sbatch --parsable --export=ALL --array="0-$((SHARDS - 1))" "$here/collect.sbatch")
sbatch --parsable --export=ALL --dependency="afterok:${array%%;*}" "$here/merge.sbatch"
