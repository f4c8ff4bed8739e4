#!/usr/bin/env bash
# The last step of a sharded collection: once every shard of SHARDS has its .done
# marker in OUT_DIR, merge them in prompt order into MERGED (one trajectory file,
# byte for byte what one unsharded collection writes). Refuses while any shard
# is missing, naming it. Settings as collect-shard.sh, plus MERGED.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
: "${SHARDS:?set SHARDS}" "${OUT_DIR:?set OUT_DIR}" "${MERGED:?set MERGED, the merged file to write}"
shards=()
missing=()
for ((i = 1; i <= SHARDS; i++)); do
  out="$OUT_DIR/$(printf 'shard-%04d-of-%04d' "$i" "$SHARDS").safetensors"
  [[ -f $out.done ]] || missing+=("$i")
  shards+=("$out")
done
if (( ${#missing[@]} )); then
  echo "merge-shards: shard(s) ${missing[*]} of $SHARDS not complete in $OUT_DIR; rerun them (they resume) before merging" >&2
  exit 1
fi
read -r -a cli <<<"${TRAJ_CLI:-npx --no-install vite-node $repo/src/cli/main.ts --}"
"${cli[@]}" merge --out "$MERGED" "${shards[@]}"
