#!/usr/bin/env bash
# One GPU lease's work (a lease is 15 minutes of one H200, all of it counted): two trainings side by side on
# the card, each fed by its own DataLoader workers, then a forward timing of both networks on the card.
#   - base from scratch (the GPU variant; docs/model.md, Variants),
#   - live_nl continued from checkpoints/live-nl (500 min of one CPU thread) at 4x the batch.
# Everything that comes back is written under $OUT (the device tool returns at most 8 files of 16 MiB each,
# so the base checkpoint travels split: `cat base.pt.part-* > last.pt`).
#
#   OUT=/tmp/out MINUTES=7 model/python/gpu/lease.sh                     # on the GPU machine
#   OUT=/tmp/out MINUTES=0.3 DEVICE=cpu SMOKE=1 PY=/usr/bin/python3 model/python/gpu/lease.sh  # a smoke test here
# SLACK (s, default 90): the hard stop past MINUTES; BENCH=0 skips the timing. base starts from scratch each time
# (a fresh machine holds no earlier run); live_nl starts from checkpoints/live-nl.
#
# The images travel with the working tree (../shared does not): INTERIR_IMAGES points at the copy.
set -u
cd "$(dirname "$0")/.."
OUT=${OUT:?set OUT}
MINUTES=${MINUTES:-7}
DEVICE=${DEVICE:-cuda}
SMOKE=${SMOKE:-0}
RUNS=${RUNS:-/tmp/gpu-runs}
export PYTHONUNBUFFERED=1
export INTERIR_IMAGES=${INTERIR_IMAGES:-$(cd ../.. && pwd)/.data/images}
PY=${PY:-python3}
mkdir -p "$OUT" "$RUNS/base"
rm -rf "$RUNS/live-nl" && mkdir -p "$RUNS/live-nl"
cp checkpoints/live-nl/last.pt checkpoints/live-nl/log.csv checkpoints/live-nl/train.log "$RUNS/live-nl/"

{ date -u; nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv 2>&1
  $PY -c "import torch; print('torch', torch.__version__, 'cuda', torch.cuda.is_available())"
  ls "$INTERIR_IMAGES" | wc -l; nproc; } 2>&1 | tee "$OUT/lease.log"

if [ "$SMOKE" = 1 ]; then BB=2; BL=2; WB=1; WL=1; else BB=24; BL=24; WB=8; WL=6; fi
# DataLoader workers hand their batches over in /dev/shm (about 2 GB in flight here); a container's 64 MB default
# would end the runs with a bus error, so widen it, and make the batches in the trainers where that fails
mount -o remount,size=16G /dev/shm 2>/dev/null
SHM=$(df -m --output=avail /dev/shm 2>/dev/null | tail -1 | tr -d ' ')
echo "/dev/shm free: ${SHM:-?} MB" | tee -a "$OUT/lease.log"
if [ "${SHM:-0}" -lt 4096 ] && [ "$SMOKE" != 1 ]; then WB=0; WL=0; fi
# a hard stop SLACK s past the budget: SIGTERM makes train.py save and exit (its own --minutes ends it first)
HARD=$(awk "BEGIN{print int($MINUTES*60+${SLACK:-90})}")
LIVE_END=$(awk "BEGIN{print 500.03+$MINUTES}")

timeout -s TERM "$HARD" $PY -m interir.train --variant base --device "$DEVICE" --tf32 --minutes "$MINUTES" \
    --batch $BB --patch 128 --lr 1e-3 --new-lr-mult 5 --frames 4 --k1 0.75 --bptt --haze-aux 0.05 --ema 0.998 \
    --val-every 2 --val-chain 16 --workers $WB --ckpt "$RUNS/base" > "$RUNS/base/train.log" 2>&1 &
PB=$!
timeout -s TERM "$HARD" $PY -m interir.train --variant live_nl --device "$DEVICE" --tf32 --minutes "$LIVE_END" \
    --cosine-from 500 --lr 2e-4 --batch $BL --patch 128 --frames 10 --k1 0.75 --bptt --haze-aux 0.05 --ema 0.998 \
    --val-every 2 --val-chain 32 --workers $WL --ckpt "$RUNS/live-nl" >> "$RUNS/live-nl/train.log" 2>&1 &
PL=$!
# the card's load while both train, every 30 s
( while kill -0 $PB 2>/dev/null || kill -0 $PL 2>/dev/null; do
    nvidia-smi --query-gpu=utilization.gpu,memory.used --format=csv,noheader 2>/dev/null; sleep 30; done ) \
    >> "$OUT/lease.log" 2>&1 &
# what is under $OUT comes back even when the call runs out of time: copy the checkpoints there every 40 s
pack() {
  [ -f "$RUNS/base/last.pt" ] && { rm -f "$OUT"/base.pt.part-*; split -b 15M "$RUNS/base/last.pt" "$OUT/base.pt.part-"; }
  cp "$RUNS/live-nl/last.pt" "$OUT/live-nl.pt"
  tar czf "$OUT/logs.tgz" -C "$RUNS" base/log.csv base/train.log live-nl/log.csv live-nl/train.log 2>/dev/null
}
( while kill -0 $PB 2>/dev/null || kill -0 $PL 2>/dev/null; do sleep 40; pack; done ) &
PP=$!
wait $PB; echo "base exit $?" | tee -a "$OUT/lease.log"
wait $PL; echo "live_nl exit $?" | tee -a "$OUT/lease.log"

kill $PP 2>/dev/null; wait $PP 2>/dev/null
pack
grep "^\[val\]" "$RUNS/base/train.log" | tail -2 | tee -a "$OUT/lease.log"
grep "^\[val\]" "$RUNS/live-nl/train.log" | tail -2 | tee -a "$OUT/lease.log"

# forward timing on the card, a 640x360 frame's tiles, after the files are safe
if [ "$SMOKE" != 1 ] && [ "${BENCH:-1}" = 1 ]; then
  for v in live_nl base; do
    timeout 45 $PY -m interir.bench --variant $v --device "$DEVICE" --runs 10 2>&1 | tee -a "$OUT/lease.log"
  done
fi
date -u | tee -a "$OUT/lease.log"
