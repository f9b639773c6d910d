#!/usr/bin/env python3
"""dns_server.py - a small authoritative DNS server for the tests of host
names in routes: UDP (and TCP, for the answers it truncates over UDP) on
ADDR port 53.

usage: dns_server.py ADDR [NAME=SPEC ...]

SPEC is a comma-separated list of what NAME answers:
  an IPv4 or IPv6 address   an A or AAAA record (each type gets its own)
  cname:TARGET              a CNAME to TARGET, then TARGET's records
  nxdomain                  RCODE 3
  servfail                  RCODE 2
  garbage                   our id and QR set, then a body that does not
                            parse (a question cut short)
  silent                    no answer at all
  tc                        over UDP: an empty answer with TC set; over
                            TCP: the records
Names not listed get NXDOMAIN.  Prints "ready" once listening, then
"query NAME TYPE udp|tcp" for each question it receives (flushed), so a
test can tell which names were asked.
"""
import socket
import struct
import sys
import threading

TYPES = {1: "A", 5: "CNAME", 28: "AAAA", 41: "OPT"}


def parse_spec(args):
    zone = {}
    for a in args:
        name, _, spec = a.partition("=")
        zone[name.lower().rstrip(".")] = spec.split(",") if spec else []
    return zone


def read_qname(msg, off):
    labels = []
    while True:
        n = msg[off]
        off += 1
        if n == 0:
            return ".".join(labels), off
        labels.append(msg[off:off + n].decode("ascii", "replace"))
        off += n


def wire(name):
    out = b""
    for label in name.rstrip(".").split("."):
        out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def records(zone, name, qtype, depth=0):
    """The answer records (bytes, count) for name and qtype."""
    out, count = b"", 0
    owner = wire(name)
    for item in zone.get(name.lower(), []):
        if item.startswith("cname:") and depth < 8:
            target = item[6:]
            rdata = wire(target)
            out += owner + struct.pack("!HHIH", 5, 1, 60, len(rdata)) + rdata
            count += 1
            more, n = records(zone, target, qtype, depth + 1)
            out += more
            count += n
            continue
        for fam, t in ((socket.AF_INET, 1), (socket.AF_INET6, 28)):
            try:
                raw = socket.inet_pton(fam, item)
            except OSError:
                continue
            if t == qtype:
                out += owner + struct.pack("!HHIH", t, 1, 60, len(raw)) + raw
                count += 1
    return out, count


def answer(zone, msg, proto):
    """The reply to one query, or None for silence."""
    if len(msg) < 12:
        return None
    qid, flags, qd = struct.unpack("!HHH", msg[:6])
    if qd != 1:
        return None
    name, off = read_qname(msg, 12)
    qtype, qclass = struct.unpack("!HH", msg[off:off + 4])
    question = msg[12:off + 4]
    print("query %s %s %s" % (name, TYPES.get(qtype, qtype), proto), flush=True)
    spec = zone.get(name.lower().rstrip("."))
    rd = flags & 0x0100
    if spec is None or "nxdomain" in spec:
        return struct.pack("!HHHHHH", qid, 0x8083 | rd, 1, 0, 0, 0) + question
    if "servfail" in spec:
        return struct.pack("!HHHHHH", qid, 0x8082 | rd, 1, 0, 0, 0) + question
    if "silent" in spec:
        return None
    if "garbage" in spec:
        return struct.pack("!HHHHHH", qid, 0x8080 | rd, 1, 1, 0, 0) + question[:3]
    if "tc" in spec and proto == "udp":
        return struct.pack("!HHHHHH", qid, 0x8280 | rd, 1, 0, 0, 0) + question
    body, n = records(zone, name, qtype)
    return struct.pack("!HHHHHH", qid, 0x8080 | rd, 1, n, 0, 0) + question + body


def serve_tcp(zone, ls):
    while True:
        c, _ = ls.accept()
        try:
            c.settimeout(5)
            head = c.recv(2)
            (n,) = struct.unpack("!H", head)
            msg = b""
            while len(msg) < n:
                chunk = c.recv(n - len(msg))
                if not chunk:
                    break
                msg += chunk
            reply = answer(zone, msg, "tcp")
            if reply is not None:
                c.sendall(struct.pack("!H", len(reply)) + reply)
        except (OSError, struct.error):
            pass
        finally:
            c.close()


def main():
    addr = sys.argv[1]
    zone = parse_spec(sys.argv[2:])
    fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
    us = socket.socket(fam, socket.SOCK_DGRAM)
    us.bind((addr, 53))
    ls = socket.socket(fam, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((addr, 53))
    ls.listen(8)
    threading.Thread(target=serve_tcp, args=(zone, ls), daemon=True).start()
    print("ready", flush=True)
    while True:
        msg, peer = us.recvfrom(4096)
        try:
            reply = answer(zone, msg, "udp")
        except (IndexError, struct.error, UnicodeError):
            reply = None
        if reply is not None:
            us.sendto(reply, peer)


if __name__ == "__main__":
    main()
