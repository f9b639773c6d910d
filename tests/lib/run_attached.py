#!/usr/bin/python3
"""run_attached: run a program the way inetd does, with a client attached.

Makes a real loopback TCP connection, gives the server end to PROGRAM as
stdin and stdout (stderr goes to --stderr FILE), sends each --send line
(with CRLF) on the client end, then prints everything the program writes to
the client, line by line, until end-of-file. Finally prints
"EXIT <status>" (or "EXIT SIG<n>") for the program's exit.

Exit status: 0 when the program ended within the timeout; 4 on timeout (the
program is killed and "TIMEOUT" is printed before the EXIT line).

usage: run_attached.py [-t SECONDS] [--stderr FILE] [--send LINE]...
                       [--no-stdout] -- PROGRAM [ARGS...]
"""

import argparse
import os
import socket
import subprocess
import sys
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-t", "--timeout", type=float, default=15.0)
    ap.add_argument("--stderr", default=None,
                    help="file for the program's stderr (default: ours)")
    ap.add_argument("--send", action="append", default=[])
    ap.add_argument("--no-stdout", action="store_true",
                    help="give the socket only as stdin; stdout is /dev/null")
    ap.add_argument("argv", nargs="+")
    args = ap.parse_args()

    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    client = socket.create_connection(listener.getsockname(), timeout=5)
    server, _ = listener.accept()
    listener.close()

    err = open(args.stderr, "wb") if args.stderr else None
    out = subprocess.DEVNULL if args.no_stdout else server.fileno()
    proc = subprocess.Popen(args.argv, stdin=server.fileno(), stdout=out,
                            stderr=err, close_fds=True)
    server.close()
    if err:
        err.close()

    for line in args.send:
        try:
            client.sendall(line.encode("utf-8", "surrogateescape") + b"\r\n")
        except OSError:
            break

    deadline = time.monotonic() + args.timeout
    data = b""
    timed_out = False
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            timed_out = True
            break
        client.settimeout(left)
        try:
            chunk = client.recv(65536)
        except socket.timeout:
            timed_out = True
            break
        except ConnectionResetError:
            chunk = b""
        if not chunk:
            break
        data += chunk

    status = None
    if not timed_out:
        try:
            status = proc.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            timed_out = True
    if timed_out:
        proc.kill()
        status = proc.wait()

    client.close()
    outb = sys.stdout.buffer
    for line in data.splitlines():
        outb.write(line.rstrip(b"\r") + b"\n")
    if timed_out:
        outb.write(b"TIMEOUT\n")
    outb.write(("EXIT %s\n" % (("SIG%d" % -status) if status < 0 else status)).encode())
    outb.flush()
    return 4 if timed_out else 0


if __name__ == "__main__":
    sys.exit(main())
