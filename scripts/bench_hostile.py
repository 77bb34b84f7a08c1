#!/usr/bin/env python3
"""Load driver of scripts/bench-hostile.sh (standard library only).

Against a running `feder serve` on loopback, runs three phases of DURATION seconds each, RUNS
times: a page prober alone (the baseline), the prober while 100 clients flood
`POST /admin/login` with random user names, and the prober while 4 clients stream unsigned
inbox POSTs naming a real server's actor. It samples the server's resident memory every
100 ms and prints, per phase, the medians over the runs of the page p99 and of the peak RSS,
with the answers the flood got. Only the given loopback port is ever addressed.
"""

import argparse
import http.client
import json
import multiprocessing
import random
import statistics
import string
import threading
import time


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


class Counts:
    def __init__(self):
        self.lock = threading.Lock()
        self.by_status = {}

    def add(self, status):
        with self.lock:
            self.by_status[status] = self.by_status.get(status, 0) + 1


def client_loop(port, stop, send, counts):
    """Sends requests made by `send(conn)` on a keep-alive connection until `stop`."""
    conn = None
    while not stop.is_set():
        try:
            if conn is None:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            status = send(conn)
            counts.add(status)
        except (OSError, http.client.HTTPException):
            counts.add("error")
            if conn is not None:
                conn.close()
            conn = None
            time.sleep(0.01)
    if conn is not None:
        conn.close()


def page_request(path, latencies):
    def send(conn):
        started = time.perf_counter()
        conn.request("GET", path, headers={"Accept": "text/html"})
        response = conn.getresponse()
        response.read()
        latencies.append((time.perf_counter() - started) * 1000)
        return response.status

    return send


def login_request(conn):
    user = "".join(random.choices(string.ascii_lowercase, k=12))
    body = f"username={user}&password=guess&csrf=bot"
    conn.request(
        "POST",
        "/admin/login",
        body=body,
        headers={
            "Cookie": "feder_login=bot",
            "Content-Type": "application/x-www-form-urlencoded",
        },
    )
    response = conn.getresponse()
    response.read()
    return response.status


def inbox_request(blog):
    def send(conn):
        like = {
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": f"https://mastodon.social/users/x#likes/{random.randrange(1 << 60)}",
            "type": "Like",
            "actor": "https://mastodon.social/users/x",
            "object": f"{blog}posts/hello-world",
        }
        conn.request(
            "POST",
            "/inbox",
            body=json.dumps(like),
            headers={"Content-Type": "application/activity+json"},
        )
        response = conn.getresponse()
        response.read()
        return response.status

    return send


def prober(port, path, duration, pipe):
    """The page prober, in a process of its own: the flood's threads share one interpreter
    lock, and waiting for it would be counted as page latency."""
    stop = threading.Event()
    latencies, counts = [], Counts()
    thread = threading.Thread(
        target=client_loop, args=(port, stop, page_request(path, latencies), counts)
    )
    thread.start()
    time.sleep(duration)
    stop.set()
    thread.join()
    pipe.send((latencies, counts.by_status))


def phase(args, flood, clients):
    stop = threading.Event()
    flood_counts = Counts()
    peak = [rss_mib(args.pid)]

    def sample():
        while not stop.is_set():
            peak[0] = max(peak[0], rss_mib(args.pid))
            time.sleep(0.1)

    receiver, sender = multiprocessing.Pipe(duplex=False)
    probe = multiprocessing.Process(
        target=prober, args=(args.port, args.page, args.duration, sender)
    )
    threads = [threading.Thread(target=sample)]
    for _ in range(clients):
        threads.append(
            threading.Thread(target=client_loop, args=(args.port, stop, flood, flood_counts))
        )
    for thread in threads:
        thread.start()
    probe.start()
    latencies, page_answers = receiver.recv()
    probe.join()
    stop.set()
    for thread in threads:
        thread.join()
    latencies.sort()
    p99 = latencies[int(len(latencies) * 0.99) - 1] if latencies else float("nan")
    return {
        "p99_ms": p99,
        "pages": len(latencies),
        "page_answers": page_answers,
        "peak_rss_mib": peak[0],
        "flood_answers": flood_counts.by_status,
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--pid", type=int, required=True)
    parser.add_argument("--blog", required=True, help="the blog's base URL, with a slash")
    parser.add_argument("--page", default="/posts/hello-world")
    parser.add_argument("--duration", type=float, default=10)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    phases = [
        ("idle: page prober alone", None, 0),
        ("100 clients flood POST /admin/login", login_request, 100),
        ("4 clients stream unsigned inbox POSTs", inbox_request(args.blog), 4),
    ]
    results = {name: [] for name, _, _ in phases}
    for run in range(args.runs):
        for name, flood, clients in phases:
            result = phase(args, flood or login_request, clients)
            results[name].append(result)
            print(f"run {run + 1} | {name} | {json.dumps(result)}", flush=True)
            time.sleep(2)
    print()
    print(f"{'phase':<42} {'page p99 ms':>12} {'peak RSS MiB':>13}  flood answers (last run)")
    for name, _, _ in phases:
        runs = results[name]
        p99 = statistics.median(r["p99_ms"] for r in runs)
        rss = statistics.median(r["peak_rss_mib"] for r in runs)
        print(f"{name:<42} {p99:>12.2f} {rss:>13.1f}  {runs[-1]['flood_answers']}")
    worst_p99 = max(statistics.median(r["p99_ms"] for r in results[n]) for n, _, _ in phases)
    worst_rss = max(statistics.median(r["peak_rss_mib"] for r in results[n]) for n, _, _ in phases)
    print()
    print(f"page p99 <= 20 ms: {'met' if worst_p99 <= 20 else 'MISSED'} ({worst_p99:.2f} ms); "
          f"RSS <= 100 MB: {'met' if worst_rss <= 100 else 'MISSED'} ({worst_rss:.1f} MiB)")


if __name__ == "__main__":
    main()
