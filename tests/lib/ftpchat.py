#!/usr/bin/python3
"""ftpchat: talk to an FTP server over a raw control connection.

Reads the greeting, sends each command line exactly as given (after
expanding \\xNN, \\r, \\n, \\t and \\\\), followed by CRLF, and prints every
complete reply. A 1xx reply is followed by reading the next reply too.

Output, one reply per line: the reply's last line ("200 NOOP ok.").
With -v, every line of every reply, verbatim (a multi-line reply spans
several output lines). Special lines:
  <EOF>      the server closed the connection (exit 3 unless --eof asked for it)
  <TIMEOUT>  no complete reply within the timeout (exit 4)
  <OPEN>     --eof was given but the connection stayed open (exit 4)
With --eof, replies that arrive unasked after the commands (a 421 when
the server ends the session) are printed before <EOF>.

usage: ftpchat.py [-H HOST] [-t SECONDS] [-v] [--eof] [--hold SECONDS]
                  PORT [COMMAND...]
"""

import argparse
import re
import socket
import sys
import time

REPLY_START = re.compile(rb"^(\d{3})([ -])")


def unescape(text):
    """Turn the escapes a shell cannot carry (NUL...) into raw bytes."""
    out = bytearray()
    raw = text.encode("utf-8", "surrogateescape")
    i = 0
    while i < len(raw):
        c = raw[i:i + 1]
        if c == b"\\" and i + 1 < len(raw):
            n = raw[i + 1:i + 2]
            if n == b"x" and i + 3 < len(raw) and re.match(rb"[0-9a-fA-F]{2}", raw[i + 2:i + 4]):
                out += bytes([int(raw[i + 2:i + 4], 16)])
                i += 4
                continue
            mapping = {b"r": b"\r", b"n": b"\n", b"t": b"\t", b"\\": b"\\"}
            if n in mapping:
                out += mapping[n]
                i += 2
                continue
        out += c
        i += 1
    return bytes(out)


class Conn:
    def __init__(self, host, port, timeout):
        self.timeout = timeout
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.buf = b""
        self.eof = False
        self.pending = []

    def readline(self, deadline):
        while b"\n" not in self.buf:
            if self.eof:
                return None
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError
            self.sock.settimeout(left)
            try:
                data = self.sock.recv(65536)
            except socket.timeout:
                raise TimeoutError
            except ConnectionResetError:
                data = b""
            if not data:
                self.eof = True
                if self.buf:
                    line, self.buf = self.buf, b""
                    return line
                return None
            self.buf += data
        line, self.buf = self.buf.split(b"\n", 1)
        return line + b"\n"

    def read_reply(self):
        """Return the list of lines (without CRLF) of one reply, or None on EOF."""
        deadline = time.monotonic() + self.timeout
        first = self.readline(deadline)
        if first is None:
            return None
        lines = [first.rstrip(b"\r\n")]
        m = REPLY_START.match(lines[0])
        if not m or m.group(2) == b" ":
            return lines
        code = m.group(1)
        while True:
            line = self.readline(deadline)
            if line is None:
                return lines
            lines.append(line.rstrip(b"\r\n"))
            if line.startswith(code + b" "):
                return lines

    def wait_eof(self, seconds, verbose):
        """Print any further replies until end-of-file; False on timeout."""
        deadline = time.monotonic() + seconds
        while True:
            try:
                line = self.readline(deadline)
            except TimeoutError:
                return False
            if line is None:
                return True
            self.pending.append(line.rstrip(b"\r\n"))
            m = REPLY_START.match(self.pending[0])
            if (not m or m.group(2) == b" " or
                    (len(self.pending) > 1 and self.pending[-1].startswith(m.group(1) + b" "))):
                emit(self.pending, verbose)
                self.pending = []


def emit(lines, verbose):
    out = sys.stdout.buffer
    for line in (lines if verbose else lines[-1:]):
        out.write(line + b"\n")
    out.flush()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-H", "--host", default="127.0.0.1")
    ap.add_argument("-t", "--timeout", type=float, default=10.0)
    ap.add_argument("-v", "--verbatim", action="store_true")
    ap.add_argument("--eof", action="store_true",
                    help="after the commands, expect the server to close")
    ap.add_argument("--hold", type=float, default=0.0,
                    help="keep the connection open this long at the end")
    ap.add_argument("port", type=int)
    ap.add_argument("commands", nargs="*")
    args = ap.parse_args()

    try:
        conn = Conn(args.host, args.port, args.timeout)
    except OSError as e:
        print("<CONNECT-FAILED %s>" % e)
        return 2

    def reply_cycle():
        """Read one reply (plus the final one after a 1xx). False on EOF."""
        while True:
            lines = conn.read_reply()
            if lines is None:
                print("<EOF>")
                sys.stdout.flush()
                return False
            emit(lines, args.verbatim)
            if not lines[-1][:1] == b"1":
                return True

    try:
        if not reply_cycle():
            return 0 if args.eof else 3
        for cmd in args.commands:
            try:
                conn.sock.sendall(unescape(cmd) + b"\r\n")
            except OSError:
                pass
            if not reply_cycle():
                return 0 if args.eof else 3
    except TimeoutError:
        print("<TIMEOUT>")
        return 4

    if args.hold:
        time.sleep(args.hold)
    if args.eof:
        if conn.wait_eof(args.timeout, args.verbatim):
            if conn.pending:
                emit(conn.pending, True)
            print("<EOF>")
            return 0
        print("<OPEN>")
        return 4
    return 0


if __name__ == "__main__":
    sys.exit(main())
