#!/usr/bin/env python3
"""Splits the relay's c=1 non-streamed latency into its hops, from a loopback packet capture.

Reads a pcap of a `remotellm-bench --cpu-only --latency` run (bench/latency-hops makes both) and
the run's logs (for the ports), and follows every relayed request of the c=1 phase packet by
packet: client -> broker, broker -> connector (WebSocket), connector -> LLM, LLM -> connector,
connector -> broker (WebSocket), broker -> client. At c=1 nothing else is on the wire while a
relayed request is under way, so each hop is the time between the last packet in and the first
packet out of one process: what that process (and the kernel's wake-up of it) took.
"""
import json
import re
import statistics
import subprocess
import sys
from pathlib import Path

PACKET = re.compile(
    r"^(\d+\.\d+) IP 127\.0\.0\.1\.(\d+) > 127\.0\.0\.1\.(\d+): (?:.*length|tcp) (\d+)$")
# WebSocket pings and pongs (the broker's keep-alive) are a few bytes; frames are hundreds.
MIN_FRAME_BYTES = 16
HOPS = [
    ("broker in: request read -> request frame out", "cb_last", "bw_first"),
    ("connector in: frame in -> LLM request out", "bw_last", "cl_first"),
    ("fake LLM: request in -> answer out", "cl_last", "lc_first"),
    ("connector out: LLM answer in -> answer frame out", "lc_last", "wb_first"),
    ("broker out: answer frame in -> client answer out", "wb_last", "bc_first"),
    ("all, at the broker: request read -> answer out", "cb_last", "bc_first"),
]


def ports(run_dir: Path):
    llm = re.search(r"listening on http://127\.0\.0\.1:(\d+)",
                    (run_dir / "logs" / "fake-llm.log").read_text())
    broker = re.search(r"ws://127\.0\.0\.1:(\d+)", (run_dir / "logs" / "connector.log").read_text())
    if not llm or not broker:
        sys.exit(f"latency-hops: no fake LLM or broker port in {run_dir}/logs")
    return int(llm.group(1)), int(broker.group(1))


def packets(pcap: Path):
    text = subprocess.run(["tcpdump", "-r", str(pcap), "-tt", "-nn", "-q"], capture_output=True,
                          text=True, check=True).stdout
    for line in text.splitlines():
        m = PACKET.match(line)
        if m:
            yield float(m.group(1)), int(m.group(2)), int(m.group(3)), int(m.group(4))


def connector_port(pcap: Path, broker: int):
    """The connector's side of its WebSocket: the connection whose first request is GET /ws."""
    # Only packets to the broker that start with "GET " (0x47455420), with their text.
    text = subprocess.run(
        ["tcpdump", "-r", str(pcap), "-nn", "-A",
         f"tcp dst port {broker} and tcp[((tcp[12]&0xf0)>>2):4] = 0x47455420"],
        capture_output=True, text=True, check=True).stdout
    port = None
    for line in text.splitlines():
        m = re.search(r"127\.0\.0\.1\.(\d+) > 127\.0\.0\.1\.\d+:", line)
        if m:
            port = int(m.group(1))
        elif port is not None and "GET /ws" in line:
            return port
    sys.exit(f"latency-hops: no WebSocket upgrade to port {broker} in {pcap}")


def kinds(pcap: Path, llm: int, broker: int):
    """Each payload packet as one of cb, bc, bw, wb, cl, lc (c client, b broker, w the connector's
    WebSocket to the broker, l the LLM)."""
    all_packets = list(packets(pcap))
    ws_port = connector_port(pcap, broker)
    for t, src, dst, length in all_packets:
        if dst == broker:
            kind = "wb" if src == ws_port else "cb"
        elif src == broker:
            kind = "bw" if dst == ws_port else "bc"
        elif dst == llm:
            kind = "cl"
        elif src == llm:
            kind = "lc"
        else:
            continue
        if kind in ("wb", "bw") and length < MIN_FRAME_BYTES:
            continue
        yield kind, t


def sequences(events):
    """Relayed requests, each a dict of first/last packet times per kind, in wire order."""
    order = ["cb", "bw", "cl", "lc", "wb", "bc"]
    seq, stage = None, -1
    for kind, t in events:
        if kind == "cb" and stage != 0:
            seq, stage = {"cb_first": t, "cb_last": t}, 0
            continue
        if seq is None:
            continue
        i = order.index(kind)
        if i == stage:
            seq[kind + "_last"] = t
        elif i == stage + 1:
            seq[kind + "_first"] = seq[kind + "_last"] = t
            stage = i
            if kind == "bc":
                yield seq
                seq, stage = None, -1
        else:
            # Something else on the wire (another request, a direct call): not a clean c=1 one.
            seq, stage = None, -1


def main():
    if len(sys.argv) < 3:
        sys.exit("usage: latency_hops.py CAPTURE.pcap RUN_DIR [REQUESTS]")
    pcap, run_dir = Path(sys.argv[1]), Path(sys.argv[2])
    count = int(sys.argv[3]) if len(sys.argv) > 3 else 1000
    llm, broker = ports(run_dir)
    found = list(sequences(kinds(pcap, llm, broker)))
    if len(found) < count:
        sys.exit(f"latency-hops: only {len(found)} clean relayed requests in the capture")
    # The c=1 latency phase is the run's last: its requests are the last ones.
    last = found[-count:]
    print(f"{count} relayed requests at c=1, "
          f"{last[-1]['bc_first'] - last[0]['cb_first']:.1f} s of capture; µs:")
    print(f"| hop | p25 | p50 | p75 |\n|---|---:|---:|---:|")
    for name, start, end in HOPS:
        v = sorted((s[end] - s[start]) * 1e6 for s in last)
        print(f"| {name} | {v[len(v) // 4]:.0f} | {statistics.median(v):.0f} | "
              f"{v[3 * len(v) // 4]:.0f} |")
    results = run_dir / "results.json"
    if results.exists():
        for figure in json.loads(results.read_text()).get("figures", []):
            if "latency p50, c=1" in figure.get("name", ""):
                print(f"the load client's own p50: direct {figure.get('direct')} ms, "
                      f"relay {figure.get('relay')} ms")

if __name__ == "__main__":
    main()
