#!/usr/bin/env python3
"""Issue 15's throughput figure, run by `bench/cluster-latency --throughput` once it has started
one broker alone and three clustered brokers, each with a connector to the same fake LLM.

Closed loop of non-streamed chat requests at c=16 (16 threads, one keep-alive connection per
thread and broker), through the lone broker, then through the cluster with each thread turning
from broker to broker, so every broker gets a third; phases alternate (alone, cluster, alone,
cluster) after a warm-up of each. CPU per request is the utime + stime of the brokers and
connectors under load, from /proc, over the phase.

    cluster-throughput.py KEY SECONDS ALONE_JSON CLUSTER_JSON LLM_PID
"""
import http.client
import json
import os
import sys
import threading
import time

CLIENTS = 16
TICK = os.sysconf("SC_CLK_TCK")
BODY = json.dumps({"model": "bench-model", "messages": [{"role": "user", "content": "hi"}]})


def cpu(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def phase(key, targets, seconds):
    """Requests answered in `seconds` at c=16 over `targets`, and the CPU seconds they cost."""
    head = {"Authorization": "Bearer " + key, "Content-Type": "application/json"}
    ports = [t["port"] for t in targets]
    pids = [p for t in targets for p in (t["pid"], t["connector"])]
    done = [0] * CLIENTS
    errors = []
    stop = time.monotonic() + seconds

    def client(i):
        conns = [http.client.HTTPConnection("127.0.0.1", p, timeout=30) for p in ports]
        turn = i
        try:
            while time.monotonic() < stop:
                c = conns[turn % len(conns)]
                turn += 1
                c.request("POST", "/v1/chat/completions", BODY, head)
                r = c.getresponse()
                r.read()
                if r.status != 200:
                    errors.append(r.status)
                    return
                done[i] += 1
        except OSError as e:
            errors.append(repr(e))
        finally:
            for c in conns:
                c.close()

    before = sum(cpu(p) for p in pids)
    started = time.monotonic()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    spent = sum(cpu(p) for p in pids) - before
    if errors:
        raise SystemExit(f"errors during the phase: {errors[:5]}")
    return sum(done), elapsed, spent


def main():
    key, seconds = sys.argv[1], float(sys.argv[2])
    alone, cluster, llm = json.loads(sys.argv[3]), json.loads(sys.argv[4]), sys.argv[5]
    setups = (("1 broker alone", alone), ("3 brokers clustered", cluster))
    for _, targets in setups:  # warm-up
        phase(key, targets, max(5.0, seconds / 2))
    totals = {label: [0, 0.0, 0.0, 0.0] for label, _ in setups}
    for _ in range(2):
        for label, targets in setups:
            llm_before = cpu(llm)
            n, elapsed, spent = phase(key, targets, seconds)
            t = totals[label]
            t[0] += n
            t[1] += elapsed
            t[2] += spent
            t[3] += cpu(llm) - llm_before
    print(f"load average: {open('/proc/loadavg').read().split()[:3]}")
    print(f"{'':22}{'req/s c=16':>12}{'CPU/request (brokers+connectors)':>36}{'fake LLM CPU/req':>18}")
    rates = {}
    for label, (n, elapsed, spent, llm_spent) in totals.items():
        rates[label] = n / elapsed
        print(f"{label:22}{n / elapsed:12.1f}{spent / n * 1000:33.2f} ms{llm_spent / n * 1000:15.2f} ms")
    a, c = rates["1 broker alone"], rates["3 brokers clustered"]
    print(f"3 brokers vs 1: {c / a:.2f}x ({CLIENTS} clients, 2 phases of {seconds:.0f} s each, alternating)")


if __name__ == "__main__":
    main()
