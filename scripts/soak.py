#!/usr/bin/python3
"""Soak run (not a test): the service with a real RTSP camera watched by one WebSocket viewer, and the bundled clip,
for a set time; the camera is killed and restarted on a schedule (--restart-every 0: never). Samples memory
(process RSS, JVM direct buffers, JavaCPP native, JVM heap) and counters, measures each reconnect, and prints a
summary, including how far RSS strays from its value at 2 minutes; writes every sample to a CSV.

usage: scripts/soak.py [--minutes 30] [--restart-every 60] [--down 5] [--no-viewer] [--csv soak.csv] [--jar JAR]
                      [--java-opts "-Xmx1g ..."]
Needs the jar (mvn -B -q package -DskipTests) and GStreamer's RTSP server (scripts/test.sh installs it).
"""
import argparse
import base64
import csv
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
JAR = os.path.join(ROOT, "stream-server", "target", "interir-stream.jar")
CAMERA = os.path.join(ROOT, "stream-server", "src", "test", "resources", "rtsp_camera.py")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_camera(port):
    p = subprocess.Popen(["/usr/bin/python3", CAMERA, str(port), "/cam", "640", "360", "10"],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if p.stdout.readline().strip() != "READY":
        sys.exit("the RTSP camera did not start")
    return p


def get(port, path):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as r:
        return r.read().decode()


def metric(text, name):
    m = re.search(r"^" + re.escape(name) + r"(?:\{[^}]*\})? ([0-9.eE+-]+)$", text, re.M)
    return float(m.group(1)) if m else float("nan")


def heap(text, kind):
    return sum(float(v) for v in re.findall(r'^jvm_memory_' + kind + r'_bytes\{[^}]*area="heap"[^}]*\} ([0-9.eE+-]+)$', text, re.M))


def direct(text):
    return sum(float(v) for v in re.findall(r'^jvm_buffer_memory_used_bytes\{[^}]*id="direct"[^}]*\} ([0-9.eE+-]+)$', text, re.M))


class Viewer(threading.Thread):
    """One WebSocket viewer of a stream that reads every message as a browser would; reconnects if dropped."""

    def __init__(self, port, stream):
        super().__init__(daemon=True)
        self.port, self.stream = port, stream
        self.frames, self.connects = 0, 0

    def run(self):
        while True:
            try:
                self.watch()
            except OSError:
                pass
            time.sleep(1)

    def watch(self):
        with socket.create_connection(("127.0.0.1", self.port), timeout=30) as s:
            key = base64.b64encode(os.urandom(16)).decode()
            s.sendall((f"GET /ws/streams/{self.stream} HTTP/1.1\r\nHost: 127.0.0.1:{self.port}\r\nUpgrade: websocket\r\n"
                       f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
            f = s.makefile("rb")
            if b" 101 " not in f.readline():
                return
            while f.readline() not in (b"\r\n", b""):
                pass
            self.connects += 1
            while True:
                head = f.read(2)
                if len(head) < 2:
                    return
                n = head[1] & 0x7F
                if n == 126:
                    n = int.from_bytes(f.read(2), "big")
                elif n == 127:
                    n = int.from_bytes(f.read(8), "big")
                f.read(n)
                if head[0] & 0x0F == 2:
                    self.frames += 1
                elif head[0] & 0x0F == 8:
                    return


def streams(port):
    return {s["id"]: s for s in json.loads(get(port, "/api/streams"))}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--minutes", type=float, default=30)
    ap.add_argument("--restart-every", type=float, default=60, help="seconds between camera kills")
    ap.add_argument("--down", type=float, default=5, help="seconds the camera stays dead")
    ap.add_argument("--no-viewer", action="store_true", help="no WebSocket viewer of the camera")
    ap.add_argument("--sample-every", type=float, default=10)
    ap.add_argument("--csv", default="soak.csv")
    ap.add_argument("--jar", default=JAR, help="the service jar (default: the build's)")
    ap.add_argument("--java-opts", default="", help="JVM options for the service, e.g. \"-Xmx1g -XX:MaxDirectMemorySize=192m\"")
    args = ap.parse_args()
    if not os.path.exists(args.jar):
        sys.exit(f"build the jar first: mvn -B -q package -DskipTests  ({args.jar} missing)")

    cam_port, http_port = free_port(), free_port()
    camera = start_camera(cam_port)
    cfg = tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False)
    cfg.write(f"streams:\n  - id: cam\n    source: rtsp://127.0.0.1:{cam_port}/cam\n  - id: demo\n    source: bundled:demo\n")
    cfg.close()
    log = open(args.csv + ".log", "w")
    server = subprocess.Popen(["java", *args.java_opts.split(), "-jar", args.jar, "serve", "--port", str(http_port), "--config", cfg.name],
                              stdout=log, stderr=subprocess.STDOUT)
    try:
        for _ in range(600):
            try:
                if streams(http_port)["cam"]["framesOut"] > 0:
                    break
            except Exception:
                pass
            time.sleep(0.5)
        viewer = None
        if not args.no_viewer:
            viewer = Viewer(http_port, "cam")
            viewer.start()
        start = time.time()
        end = start + args.minutes * 60
        next_kill = start + args.restart_every if args.restart_every > 0 else float("inf")
        next_sample = start
        recoveries, rows = [], []
        out = open(args.csv, "w", newline="")
        w = csv.writer(out)
        w.writerow(["seconds", "rss_mib", "javacpp_mib", "heap_used_mib", "cam_status", "cam_out", "cam_dropped",
                    "demo_in", "demo_out", "reconnects", "heap_committed_mib", "javacpp_allocated_mib", "direct_mib",
                    "viewer_frames"])
        while time.time() < end:
            now = time.time()
            if now >= next_sample:
                m = get(http_port, "/metrics")
                s = streams(http_port)
                row = [round(now - start), metric(m, "interir_process_resident_memory_bytes") / 2**20,
                       metric(m, "interir_javacpp_physical_memory_bytes") / 2**20, heap(m, "used") / 2**20,
                       s["cam"]["status"], s["cam"]["framesOut"], s["cam"]["dropped"],
                       s["demo"]["framesIn"], s["demo"]["framesOut"], s["cam"]["reconnects"],
                       heap(m, "committed") / 2**20, metric(m, "interir_javacpp_allocated_memory_bytes") / 2**20,
                       direct(m) / 2**20, viewer.frames if viewer else 0]
                rows.append(row)
                w.writerow([f"{v:.1f}" if isinstance(v, float) else v for v in row])
                out.flush()
                print(f"{row[0]:5d}s  RSS {row[1]:7.1f} MiB  heap used {row[3]:6.1f} / committed {row[10]:6.1f} MiB  "
                      f"RSS outside the heap {row[1] - row[10]:6.1f} MiB  direct {row[12]:6.1f} MiB  JavaCPP allocated {row[11]:5.1f} MiB  "
                      f"cam {row[4]:12s} out {row[5]:6d}  viewer got {row[13]:6d}  reconnects {row[9]}", flush=True)
                next_sample += args.sample_every
            if now >= next_kill:
                camera.send_signal(signal.SIGKILL)
                camera.wait()
                time.sleep(args.down)
                before = streams(http_port)["cam"]["framesOut"]
                camera = start_camera(cam_port)
                t0 = time.time()
                while time.time() - t0 < 120:
                    c = streams(http_port)["cam"]
                    if c["status"] == "live" and c["framesOut"] > before:
                        recoveries.append(time.time() - t0)
                        break
                    time.sleep(0.1)
                else:
                    recoveries.append(float("inf"))
                next_kill = time.time() + args.restart_every if args.restart_every > 0 else float("inf")
            time.sleep(0.2)
        s = streams(http_port)
        rss = [r[1] for r in rows]
        kills = "camera killed every %.0f s for %.0f s" % (args.restart_every, args.down) if args.restart_every > 0 else "camera never killed"
        print("\n== soak summary (%.0f min, %s, %s)" % (args.minutes, kills, "one viewer" if viewer else "no viewer"))
        print(f"RSS MiB: first {rss[0]:.1f}, last {rss[-1]:.1f}, max {max(rss):.1f}; "
              f"growth after the first 5 min {rss[-1] - rss[min(len(rss) - 1, int(300 / args.sample_every))]:+.1f}")
        settled = [r[1] for r in rows if r[0] >= 120]
        if settled:
            ref = settled[0]
            print(f"RSS after the first 2 min: {ref:.1f} MiB, then min {min(settled):.1f}, max {max(settled):.1f} "
                  f"({(min(settled) / ref - 1) * 100:+.1f}% / {(max(settled) / ref - 1) * 100:+.1f}%)")
        dm = [r[12] for r in rows]
        print(f"JVM direct buffers MiB: first {dm[0]:.1f}, last {dm[-1]:.1f}, max {max(dm):.1f}")
        if viewer:
            print(f"viewer: {viewer.frames} frames over {viewer.connects} connection(s)")
        native = [r[1] - r[10] for r in rows]
        print(f"RSS outside the Java heap (libtorch, FFmpeg, JVM internals) MiB: first {native[0]:.1f}, "
              f"last {native[-1]:.1f}, max {max(native):.1f}")
        committed = [r[10] for r in rows]
        print(f"Java heap committed MiB: first {committed[0]:.1f}, last {committed[-1]:.1f} (cap it with -Xmx)")
        jc = [r[11] for r in rows]
        print(f"JavaCPP allocations MiB: first {jc[0]:.2f}, last {jc[-1]:.2f}")
        if recoveries:
            print(f"camera recoveries: {len(recoveries)}, median {statistics.median(recoveries):.2f} s, max {max(recoveries):.2f} s")
        lost = s["demo"]["framesIn"] - s["demo"]["framesOut"] - s["demo"]["dropped"]
        print(f"demo (file, lossless): {s['demo']['framesIn']} in, {s['demo']['framesOut']} out, "
              f"{s['demo']['dropped']} dropped, {lost} in flight or lost; camera dropped {s['cam']['dropped']} "
              f"(live: dropping the oldest is by design)")
        print(f"samples written to {args.csv}")
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
        camera.kill()
        os.unlink(cfg.name)


if __name__ == "__main__":
    main()
