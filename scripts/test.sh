#!/usr/bin/env bash
# The test command (README, .ci/run): installs what the tests need on a fresh Debian machine, then runs the
# Python model tests and the Maven build with every Java test: the unit tests (surefire, *Test) and then the
# integration tests (failsafe, *IT: real RTSP server, HTTP/WebSocket, FFmpeg, Chromium).
set -euo pipefail
cd "$(dirname "$0")/.."
# the suite's wall time, printed however it ends
trap 'status=$?; echo "== test suite: $((SECONDS / 60)) min $((SECONDS % 60)) s, exit status $status"' EXIT

# Debian packages: ffmpeg/ffprobe (test clips, HLS checks), GStreamer's RTSP server (the test camera),
# python3-torch & co. (model tests, export), chromium + chromium-driver (the viewer's browser tests), tcmalloc (what
# scripts/interir preloads for libtorch; LauncherIT starts the service through it).
PACKAGES=(ffmpeg python3-torch python3-numpy python3-scipy python3-pil python3-opencv python3-skimage python3-gi
  gir1.2-gst-rtsp-server-1.0 gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad
  gstreamer1.0-plugins-ugly chromium chromium-driver docker-compose libtcmalloc-minimal4)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "== installing: ${missing[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

echo "== model (Python) tests"
(cd model/python && /usr/bin/python3 -m unittest discover -s tests -v)

echo "== Java build and tests"
# libtorch's OpenMP threads spin while they wait. With other work on the cores, LiveRestoreIT restored 4 frames in
# 60 s (alone: all it needs in 3 s); spinning waits starving the working thread are the likely cause
export OMP_WAIT_POLICY=PASSIVE
mvn -B verify "$@"
