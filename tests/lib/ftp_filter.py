#!/usr/bin/python3
"""ftp_filter: a control-channel filter in front of a real FTP server.

Makes a well-behaved origin (vsftpd) look like the origins a proxy must
cope with. Listens on LISTEN_HOST:LISTEN_PORT; every connection gets its
own connection to UPSTREAM_HOST:UPSTREAM_PORT and its lines are passed on
both ways, except:

  --refuse VERB[:CODE[:AFTER]]
                        answer VERB ourselves with CODE (default 500)
                        "VERB not understood." and never forward it
                        (an origin without EPSV or EPRT); with AFTER,
                        only once AFTER of them went through in the
                        connection; repeatable
  --fake-port N         put port N into every 227/229 reply instead of
                        the upstream's (an origin offering a privileged
                        port); the upstream's own address stays in a 227
  --fake-nth K          with --fake-port: only the K-th 227/229 reply of
                        a connection (1 = the first)

Data connections are not touched: they go straight between the proxy and
the upstream server, which must therefore run on the same host address.

Every command is logged to --log as "cmd LINE" (or "refused LINE"), every
rewritten reply as "rewrote OLD -> NEW". Prints "ready" once it listens.

usage: ftp_filter.py [--refuse VERB[:CODE[:AFTER]]]... [--fake-port N]
                     [--fake-nth K] [--log FILE]
                     LISTEN_HOST LISTEN_PORT UPSTREAM_HOST UPSTREAM_PORT
"""

import argparse
import re
import socket
import sys
import threading

RE_227 = re.compile(rb"(\d{1,3},\d{1,3},\d{1,3},\d{1,3}),\d{1,3},\d{1,3}")
RE_229 = re.compile(rb"\(\|\|\|\d+\|\)")


class Log:
    def __init__(self, path):
        self.f = open(path, "a", buffering=1) if path else None
        self.lock = threading.Lock()

    def write(self, text):
        if self.f:
            with self.lock:
                self.f.write(text + "\n")


def lines(sock):
    """Yield the lines (with their line ends) read from sock until EOF."""
    buf = b""
    while True:
        try:
            data = sock.recv(65536)
        except OSError:
            data = b""
        if not data:
            if buf:
                yield buf
            return
        buf += data
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            yield line + b"\n"


def serve(client, args, refuse, log):
    try:
        upstream = socket.create_connection((args.upstream_host, args.upstream_port), timeout=10)
    except OSError as e:
        log.write("upstream connect failed: %s" % e)
        client.close()
        return
    upstream.settimeout(None)
    wlock = threading.Lock()  # our own replies and the upstream's interleave

    def to_client(data):
        with wlock:
            try:
                client.sendall(data)
            except OSError:
                pass

    passed = {}  # VERB: how many went through

    def down():
        nth = 0
        for line in lines(upstream):
            new = line
            if line[:3] in (b"227", b"229"):
                nth += 1
            if args.fake_port is not None and args.fake_nth in (None, nth):
                p = args.fake_port
                if line.startswith(b"227"):
                    new = RE_227.sub(lambda m: m.group(1) + b",%d,%d" % (p >> 8, p & 255), line, 1)
                elif line.startswith(b"229"):
                    new = RE_229.sub(b"(|||%d|)" % p, line, 1)
                if new != line:
                    log.write("rewrote %s -> %s" % (line.decode("latin-1").rstrip(),
                                                     new.decode("latin-1").rstrip()))
            to_client(new)
        try:
            client.shutdown(socket.SHUT_WR)
        except OSError:
            pass

    t = threading.Thread(target=down, daemon=True)
    t.start()
    for line in lines(client):
        text = line.decode("latin-1").rstrip("\r\n")
        verb = text.split(" ", 1)[0].upper()
        if verb in refuse and passed.get(verb, 0) >= refuse[verb][1]:
            log.write("refused " + text)
            to_client(b"%d %s not understood.\r\n" % (refuse[verb][0], verb.encode()))
            continue
        passed[verb] = passed.get(verb, 0) + 1
        log.write("cmd " + text)
        try:
            upstream.sendall(line)
        except OSError:
            break
    try:
        upstream.shutdown(socket.SHUT_WR)
    except OSError:
        pass
    t.join(30)
    upstream.close()
    client.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--refuse", action="append", default=[])
    ap.add_argument("--fake-port", type=int)
    ap.add_argument("--fake-nth", type=int)
    ap.add_argument("--log")
    ap.add_argument("listen_host")
    ap.add_argument("listen_port", type=int)
    ap.add_argument("upstream_host")
    ap.add_argument("upstream_port", type=int)
    args = ap.parse_args()

    refuse = {}
    for r in args.refuse:
        verb, code, after = (r.split(":") + ["", ""])[:3]
        refuse[verb.upper()] = (int(code or 500), int(after or 0))
    log = Log(args.log)

    family = socket.AF_INET6 if ":" in args.listen_host else socket.AF_INET
    ls = socket.socket(family, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((args.listen_host, args.listen_port))
    ls.listen(64)
    print("ready", flush=True)
    while True:
        client, _ = ls.accept()
        threading.Thread(target=serve, args=(client, args, refuse, log), daemon=True).start()


if __name__ == "__main__":
    sys.exit(main())
