#!/usr/bin/python3
"""Prints the API keys a broker serves (ApiVersions v0), one per line.

usage: api_keys.py HOST:PORT
"""
import socket
import struct
import sys

host, port = sys.argv[1].rsplit(":", 1)
s = socket.create_connection((host, int(port)), timeout=5)
body = struct.pack(">hhih", 18, 0, 1, 6) + b"compat"
s.sendall(struct.pack(">i", len(body)) + body)


def read(n):
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            raise SystemExit("connection closed")
        buf += chunk
    return buf


size, = struct.unpack(">i", read(4))
resp = read(size)
_, err, count = struct.unpack(">ihi", resp[:10])
for i in range(count):
    key, lo, hi = struct.unpack(">hhh", resp[10 + 6 * i:16 + 6 * i])
    print(key)
