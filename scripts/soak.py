#!/usr/bin/python3
"""Soak run (not a test): the service with a real RTSP camera that is killed and restarted again and again, and the
bundled clip, for a set time. Samples memory (process RSS, JavaCPP native, JVM heap) and counters, measures each
reconnect, and prints a summary; writes every sample to a CSV.

usage: scripts/soak.py [--minutes 30] [--restart-every 60] [--down 5] [--csv soak.csv] [--jar JAR]
Needs the jar (mvn -B -q package -DskipTests) and GStreamer's RTSP server (scripts/test.sh installs it).
"""
import argparse
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


def streams(port):
    return {s["id"]: s for s in json.loads(get(port, "/api/streams"))}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--minutes", type=float, default=30)
    ap.add_argument("--restart-every", type=float, default=60, help="seconds between camera kills")
    ap.add_argument("--down", type=float, default=5, help="seconds the camera stays dead")
    ap.add_argument("--sample-every", type=float, default=10)
    ap.add_argument("--csv", default="soak.csv")
    ap.add_argument("--jar", default=JAR, help="the service jar (default: the build's)")
    args = ap.parse_args()
    if not os.path.exists(args.jar):
        sys.exit(f"build the jar first: mvn -B -q package -DskipTests  ({args.jar} missing)")

    cam_port, http_port = free_port(), free_port()
    camera = start_camera(cam_port)
    cfg = tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False)
    cfg.write(f"streams:\n  - id: cam\n    source: rtsp://127.0.0.1:{cam_port}/cam\n  - id: demo\n    source: bundled:demo\n")
    cfg.close()
    log = open(args.csv + ".log", "w")
    server = subprocess.Popen(["java", "-jar", args.jar, "serve", "--port", str(http_port), "--config", cfg.name],
                              stdout=log, stderr=subprocess.STDOUT)
    try:
        for _ in range(600):
            try:
                if streams(http_port)["cam"]["framesOut"] > 0:
                    break
            except Exception:
                pass
            time.sleep(0.5)
        start = time.time()
        end = start + args.minutes * 60
        next_kill = start + args.restart_every
        next_sample = start
        recoveries, rows = [], []
        out = open(args.csv, "w", newline="")
        w = csv.writer(out)
        w.writerow(["seconds", "rss_mib", "javacpp_mib", "heap_used_mib", "cam_status", "cam_out", "cam_dropped",
                    "demo_in", "demo_out", "reconnects", "heap_committed_mib", "javacpp_allocated_mib"])
        while time.time() < end:
            now = time.time()
            if now >= next_sample:
                m = get(http_port, "/metrics")
                s = streams(http_port)
                row = [round(now - start), metric(m, "interir_process_resident_memory_bytes") / 2**20,
                       metric(m, "interir_javacpp_physical_memory_bytes") / 2**20, heap(m, "used") / 2**20,
                       s["cam"]["status"], s["cam"]["framesOut"], s["cam"]["dropped"],
                       s["demo"]["framesIn"], s["demo"]["framesOut"], s["cam"]["reconnects"],
                       heap(m, "committed") / 2**20, metric(m, "interir_javacpp_allocated_memory_bytes") / 2**20]
                rows.append(row)
                w.writerow([f"{v:.1f}" if isinstance(v, float) else v for v in row])
                out.flush()
                print(f"{row[0]:5d}s  RSS {row[1]:7.1f} MiB  heap used {row[3]:6.1f} / committed {row[10]:6.1f} MiB  "
                      f"RSS outside the heap {row[1] - row[10]:6.1f} MiB  JavaCPP allocated {row[11]:5.1f} MiB  "
                      f"cam {row[4]:12s} out {row[5]:6d}  reconnects {row[9]}", flush=True)
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
                next_kill = time.time() + args.restart_every
            time.sleep(0.2)
        s = streams(http_port)
        rss = [r[1] for r in rows]
        print("\n== soak summary (%.0f min, camera killed every %.0f s for %.0f s)" % (args.minutes, args.restart_every, args.down))
        print(f"RSS MiB: first {rss[0]:.1f}, last {rss[-1]:.1f}, max {max(rss):.1f}; "
              f"growth after the first 5 min {rss[-1] - rss[min(len(rss) - 1, int(300 / args.sample_every))]:+.1f}")
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
