#!/usr/bin/python3
"""
netem in user space, for kernels built without sch_netem (the local testbed's
may lack it). Runs on one host until killed: packets this host sends to the
peers named in argv[1] (JSON) are routed into a TUN device, held for the
rule's delay (dropped at its loss rate, paced at its rate) and sent out of
the real interface through a raw socket bound to it. The device, and the
routes through it, vanish with the process. Prints "ready" once routing.
"""
import fcntl
import heapq
import json
import os
import random
import select
import socket
import struct
import subprocess
import sys
import time

spec = json.loads(sys.argv[1])
# Released packets must leave on time on a busy machine: real-time priority
# where allowed (root), else the highest nice.
try:
    os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(10))
except OSError:
    try:
        os.nice(-20)
    except OSError:
        pass
TUNSETIFF, IFF_TUN, IFF_NO_PI = 0x400454CA, 0x0001, 0x1000
tun = os.open("/dev/net/tun", os.O_RDWR)
fcntl.ioctl(tun, TUNSETIFF, struct.pack("16sH", spec["dev"].encode(), IFF_TUN | IFF_NO_PI))
subprocess.run(["ip", "link", "set", spec["dev"], "up"], check=True)
rules = {}
for index, rule in enumerate(spec["rules"]):
    for peer in rule["peers"]:
        rules[socket.inet_aton(peer)] = index
        subprocess.run(["ip", "route", "replace", peer + "/32", "dev", spec["dev"], "src", spec["src"]], check=True)
out = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
out.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, spec["out"].encode())
rng = random.Random(spec.get("seed", 0))
free_at = [0.0] * len(spec["rules"])
queue = []
seq = 0
print("ready", flush=True)
while True:
    wait = max(0.0, queue[0][0] - time.monotonic()) if queue else None
    readable, _, _ = select.select([tun], [], [], wait)
    now = time.monotonic()
    if readable:
        packet = os.read(tun, 65535)
        index = rules.get(packet[16:20]) if len(packet) >= 20 and packet[0] >> 4 == 4 else None
        if index is not None:
            rule = spec["rules"][index]
            if rng.random() * 100 >= rule.get("lossPct", 0):
                start = now
                if rule.get("rateMbit"):
                    start = max(now, free_at[index]) + len(packet) * 8 / (rule["rateMbit"] * 1e6)
                    free_at[index] = start
                seq += 1
                heapq.heappush(queue, (start + rule["delayMs"] / 1000, seq, packet))
    now = time.monotonic()
    while queue and queue[0][0] <= now:
        _, _, packet = heapq.heappop(queue)
        try:
            out.sendto(packet, (socket.inet_ntoa(packet[16:20]), 0))
        except OSError:
            pass
