#!/usr/bin/env bash
# The projects bench/steer/visible-range.ts measures: the toy's attribute grid (96 prompts,
# DDIM 25 steps, 5 recorded) collected at both study hooks, the full dynamics, a 128-latent
# TopK SAE (k 10, as the study trains) and its latent statistics. Usage: make-projects.sh DIR
set -euo pipefail
D=${1:?usage: make-projects.sh DIR}
mkdir -p "$D"
cli() { npx vite-node src/cli/main.ts -- "$@"; }
[ -f "$D/grid.jsonl" ] || npx vite-node bench/steer/grid-prompts.ts -- "$D"
for H in up_blocks.1.attentions.1 up_blocks.2.attentions.1; do
  mkdir -p "$D/$H"
  [ -f "$D/$H/traj.safetensors" ] || cli collect --model public/models/toy --prompts "$D/grid.jsonl" --hook $H --out "$D/$H/traj.safetensors"
  [ -f "$D/$H/dyn.safetensors" ] || cli fit --traj "$D/$H/traj.safetensors" --out "$D/$H/dyn.safetensors"
  [ -f "$D/$H/sae.safetensors" ] || cli train --traj "$D/$H/traj.safetensors" --dynamics "$D/$H/dyn.safetensors" --latents 128 --k 10 --steps 1200 --batch 256 --lr 0.002 --out "$D/$H/sae.safetensors"
  [ -f "$D/$H/stats.safetensors" ] || cli eval --traj "$D/$H/traj.safetensors" --dynamics "$D/$H/dyn.safetensors" --sae "$D/$H/sae.safetensors" --stats "$D/$H/stats.safetensors"
done
