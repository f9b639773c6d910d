#!/usr/bin/python3
"""hostile_origin: a small FTP server that misbehaves where vsftpd cannot.

Serves one fixed file to anyone (USER, PASS, TYPE, NOOP, PWD, SYST, EPSV,
PASV, SIZE, RETR, QUIT), on 127.0.0.1:PORT, and prints "ready".

  --oob             RETR sends 65536 bytes of "A", then one byte "X" as
                    TCP urgent data, then 5000 bytes of "B"; the in-band
                    file is the 70536 bytes without the "X"
  --extra VERB=LINE after the reply to VERB, send LINE too: a reply that
                    answers no command (repeatable)
  --reply VERB=LINE answer VERB with LINE instead (a "\\r" in LINE is sent
                    as a bare CR)
  --log FILE        every command received, one per line
  --tls CERT,KEY    implicit FTPS: TLS from the first byte on the control
                    connection and on every data connection
  --truncate        with --tls: RETR ends its data connection without TLS
                    close_notify (a truncation), and still says 226

usage: hostile_origin.py [options] PORT
"""

import argparse
import socket
import ssl
import sys
import threading
import time

FILE_A = 65536
FILE_B = 5000


def serve_data(lst, oob, args):
    conn, _ = lst.accept()
    lst.close()
    if args.ctx is not None:
        conn = args.ctx.wrap_socket(conn, server_side=True)
        conn.sendall(b"A" * FILE_A + b"B" * FILE_B)
        if args.truncate:
            conn.close()  # no close_notify
        else:
            conn.unwrap().close()
        return
    conn.sendall(b"A" * FILE_A)
    if oob:
        time.sleep(0.3)
        conn.send(b"X", socket.MSG_OOB)
        time.sleep(0.1)
    conn.sendall(b"B" * FILE_B)
    conn.shutdown(socket.SHUT_WR)
    conn.settimeout(10)
    try:
        while conn.recv(4096):
            pass
    except OSError:
        pass
    conn.close()


def session(conn, args, log):
    f = conn.makefile("rb")
    lst = None

    def send(line):
        conn.sendall(line.encode("latin-1").replace(b"\\r", b"\r") + b"\r\n")

    send("220 hostile origin ready")
    for raw in f:
        line = raw.rstrip(b"\r\n").decode("latin-1")
        verb = line.split(" ")[0].upper()
        if log:
            with open(log, "a") as lf:
                lf.write(line + "\n")
        if verb in args.reply:
            send(args.reply[verb])
        elif verb == "USER":
            send("331 Password please.")
        elif verb == "PASS":
            send("230 Logged in.")
        elif verb in ("TYPE", "NOOP", "MODE", "STRU", "PBSZ", "PROT"):
            send("200 OK.")
        elif verb == "PWD":
            send('257 "/" is the current directory.')
        elif verb == "SYST":
            send("215 UNIX Type: L8")
        elif verb == "SIZE":
            send("213 %d" % (FILE_A + FILE_B))
        elif verb in ("EPSV", "PASV"):
            lst = socket.socket()
            lst.bind(("127.0.0.1", 0))
            lst.listen(1)
            p = lst.getsockname()[1]
            if verb == "EPSV":
                send("229 Entering Extended Passive Mode (|||%d|)" % p)
            else:
                send("227 Entering Passive Mode (127,0,0,1,%d,%d)"
                     % (p >> 8, p & 255))
        elif verb == "RETR" and lst is not None:
            send("150 Opening BINARY mode data connection.")
            serve_data(lst, args.oob, args)
            lst = None
            send("226 Transfer complete.")
        elif verb == "QUIT":
            send("221 Goodbye.")
            break
        else:
            send("502 Command not implemented.")
        for extra in args.extra.get(verb, []):
            send(extra)
    conn.close()


def tls_session(conn, args):
    if args.ctx is not None:
        try:
            conn = args.ctx.wrap_socket(conn, server_side=True)
        except (OSError, ssl.SSLError):
            conn.close()
            return
    session(conn, args, args.log)


def pairs(items, multi):
    out = {}
    for item in items:
        verb, line = item.split("=", 1)
        if multi:
            out.setdefault(verb.upper(), []).append(line)
        else:
            out[verb.upper()] = line
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--oob", action="store_true")
    ap.add_argument("--extra", action="append", default=[])
    ap.add_argument("--reply", action="append", default=[])
    ap.add_argument("--log")
    ap.add_argument("--tls")
    ap.add_argument("--truncate", action="store_true")
    ap.add_argument("port", type=int)
    args = ap.parse_args()
    args.extra = pairs(args.extra, True)
    args.reply = pairs(args.reply, False)
    args.ctx = None
    if args.tls:
        cert, key = args.tls.split(",", 1)
        args.ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        args.ctx.load_cert_chain(cert, key)
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", args.port))
    srv.listen(16)
    print("ready", flush=True)
    while True:
        conn, _ = srv.accept()
        threading.Thread(target=tls_session, args=(conn, args),
                         daemon=True).start()


if __name__ == "__main__":
    sys.exit(main())
