#!/bin/bash
# Interleaved A/B timing of environment settings: runs `vkcnn bench MODEL`
# once per setting per round, settings in turn, so that a host whose speed
# drifts slows each alike; prints each setting's GPU-time p10s and medians,
# one per round.
#   bench/ab.sh [-v VKCNN] MODEL ROUNDS ITERS "ENV=a [ENV2=b]" "ENV=c" ...
# e.g. bench/ab.sh model.onnx 4 20 VKCNN_KEEP_AWAKE=0 VKCNN_KEEP_AWAKE=1
set -euo pipefail
vkcnn=build/vkcnn
if [ "${1:-}" = "-v" ]; then vkcnn=$2; shift 2; fi
if [ $# -lt 4 ]; then
    sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
fi
model=$1 rounds=$2 iters=$3
shift 3
for ((r = 0; r < rounds; r++)); do
    for setting in "$@"; do
        # shellcheck disable=SC2086 # a setting is a list of NAME=value words
        line=$(env $setting "$vkcnn" bench "$model" --iters "$iters" --warmup 3 --quiet |
            grep '^gpu')
        # "gpu  M ms median (p10 P, p90 Q) per inference"
        read -r _ med _ _ _ p10 _ <<<"${line//,/}"
        echo "$setting|$p10|$med"
    done
done | awk -F'|' '
    !($1 in p) { order[n++] = $1 }
    { p[$1] = p[$1] " " $2; m[$1] = m[$1] " " $3 }
    END { for (i = 0; i < n; i++) printf "%s\n  p10:   %s\n  median:%s\n", order[i], p[order[i]], m[order[i]] }'
