#!/usr/bin/env bash
# Video-file restoration on a 720p clip: the InterIR `live` variant through `interir-stream.jar restore`,
# side by side with ffmpeg's hqdn3d and nlmeans denoisers on the same file, and PSNR of each (and of the
# untouched degraded input) against the clean source. Prints a table.
#
#   scripts/bench-files.sh            # FRAMES=20 by default (the model is slow on 2 CPU cores at 720p)
#   FRAMES=80 scripts/bench-files.sh  # the whole 8 s demo clip
#
# The degraded clip is the bundled demo (stream-server/src/main/resources/demo/demo.mp4, made by the project's
# own degradation synthesis; demo-clean.mp4 is its clean source), both scaled to 1280x720 the same way and
# stored losslessly so only the restorers differ. Every output is H.264 at the same bitrate (BITRATE, default
# 8M): InterIR through the bundled openh264, the ffmpeg filters through the Debian ffmpeg's libx264.
# Needs: java 17, the built jar (mvn -B -q -o install -DskipTests), ffmpeg/ffprobe. Uses a temp folder.
set -euo pipefail
cd "$(dirname "$0")/.."
FRAMES=${FRAMES:-20}
BITRATE=${BITRATE:-8M}
JAR=${JAR:-stream-server/target/interir-stream.jar}
DEMO=stream-server/src/main/resources/demo
WORK=$(mktemp -d /tmp/interir-bench.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
[ -f "$JAR" ] || { echo "no $JAR: build it first (mvn -B -q -o install -DskipTests)" >&2; exit 2; }

scale=(-vf "scale=1280:720:flags=bicubic" -frames:v "$FRAMES" -an -c:v libx264 -qp 0 -pix_fmt yuv420p)
ffmpeg -v error -y -i "$DEMO/demo.mp4" "${scale[@]}" "$WORK/degraded.mkv"
ffmpeg -v error -y -i "$DEMO/demo-clean.mp4" "${scale[@]}" "$WORK/clean.mkv"
n=$(ffprobe -v error -count_frames -select_streams v -show_entries stream=nb_read_frames -of default=nw=1:nk=1 "$WORK/degraded.mkv")

psnr() { # average PSNR (dB, all planes) of $1 against the clean clip
  ffmpeg -hide_banner -i "$1" -i "$WORK/clean.mkv" -lavfi "[0:v][1:v]psnr" -f null - 2>&1 \
    | sed -n 's/.*PSNR.* average:\([0-9.inf]*\).*/\1/p' | tail -1
}
now() { date +%s.%N; }
rows=()
row() { rows+=("$(printf '%-28s %8s %10s %9s' "$1" "$2" "$3" "$4")"); }

row "degraded input (no filter)" "-" "-" "$(psnr "$WORK/degraded.mkv")"

for f in "hqdn3d" "nlmeans"; do
  t0=$(now)
  ffmpeg -v error -y -i "$WORK/degraded.mkv" -vf "$f" -c:v libx264 -b:v "$BITRATE" -pix_fmt yuv420p "$WORK/$f.mp4"
  t1=$(now)
  s=$(echo "$t1 - $t0" | bc -l)
  row "ffmpeg -vf $f" "$n" "$(printf '%.2f' "$(echo "$n / $s" | bc -l)")" "$(psnr "$WORK/$f.mp4")"
done

t0=$(now)
out=$(java -Dai.djl.offline=true -jar "$JAR" restore "$WORK/degraded.mkv" --out "$WORK/interir" \
  --variant live --bitrate "$BITRATE" --progress none 2>"$WORK/interir.err") || { cat "$WORK/interir.err" >&2; exit 1; }
t1=$(now)
s=$(echo "$t1 - $t0" | bc -l)
fps_loop=$(echo "$out" | sed -n 's/.* \([0-9.]*\) fps .*/\1/p' | head -1)
row "interir live (restore CLI)" "$n" "$fps_loop" "$(psnr "$WORK/interir/degraded.mp4")"

echo
echo "720p (1280x720) clip of $n frames; $(nproc) CPU cores; $(date -u +%Y-%m-%dT%H:%MZ)"
printf '%-28s %8s %10s %9s\n' "method" "frames" "fps" "PSNR dB"
printf '%s\n' "${rows[@]}"
echo
echo "interir fps: frames / time in the file loop (decode, restore, encode, mux); the whole command incl. JVM"
echo "start and model load took $(printf '%.1f' "$s") s. ffmpeg fps: frames / wall time of the command."
grep -h '"untrained"' model/src/main/resources/interir/live.json | sed 's/^ */live.json: /' || true
