#!/usr/bin/python3
"""tcp_watch: listen on ADDR:PORT and report every connection attempt.

Proves that nothing connects somewhere it must not (an FTP bounce target,
a privileged port). Listens on every ADDR:PORT given (port 0: any free
port), prints "listening ADDR:PORT" for each (with the real port), then
"ready" once all of them listen, then one line per accepted connection:

  connect ADDR:PORT from PEER_ADDR:PEER_PORT

and closes it. Runs until killed.

usage: tcp_watch.py ADDR:PORT...   (IPv6 as [ADDR]:PORT)
"""

import select
import socket
import sys


def parse(spec):
    host, _, port = spec.rpartition(":")
    if host.startswith("["):
        return socket.AF_INET6, host[1:-1], int(port)
    return socket.AF_INET, host, int(port)


def main():
    socks = {}
    for spec in sys.argv[1:]:
        family, host, port = parse(spec)
        s = socket.socket(family, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((host, port))
        s.listen(16)
        port = s.getsockname()[1]
        spec = ("[%s]:%d" if family == socket.AF_INET6 else "%s:%d") % (host, port)
        print("listening " + spec, flush=True)
        socks[s] = spec
    print("ready", flush=True)
    while True:
        ready, _, _ = select.select(list(socks), [], [])
        for s in ready:
            conn, peer = s.accept()
            print("connect %s from %s:%d" % (socks[s], peer[0], peer[1]), flush=True)
            conn.close()


if __name__ == "__main__":
    sys.exit(main())
