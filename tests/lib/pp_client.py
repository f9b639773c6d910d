#!/usr/bin/python3
"""pp_client: an FTP client that starts its control connection with a
PROXY protocol header, as a load balancer would put in front of it.

usage: pp_client.py [-H HOST] [-t SECONDS] [--from ADDR] HEADER PORT [CMD...]

HEADER is one of
  v1:SRC:SPORT:DST:DPORT   a v1 line (TCP4 or TCP6 from the address)
  v2:SRC:SPORT:DST:DPORT   a v2 PROXY header (IPv6 addresses in [..])
  v2local                  a v2 LOCAL header (haproxy's health check)
  raw:HEX                  these bytes, as they are
  none                     no header at all
Options:
  --split N --gap S   send the header N bytes at a time, S seconds apart
  --hold S            after the header, send nothing for S seconds
  --no-greeting       do not wait for a greeting after the header
  --close             after the header, close our sending side
  --from ADDR         bind the control connection to ADDR

Then the greeting is read (unless --no-greeting) and each CMD is sent (CRLF
added); every reply's last line is printed. A CMD "@GET FROM NAME" sends
EPSV, opens the data connection from address FROM to the 229 port, sends
"RETR NAME" and prints "DATA <bytes> <sha256>" (or "DATA refused" when the
data connection closes at once without data) and the replies. "@TRY FROM [HEADER]"
sends EPSV and opens a data connection from FROM only: "DATA refused" when
the server closes it at once, "DATA accepted" when it stays open.  With
HEADER, the data connection starts with that header too (a balancer that
forwards the data ports).  "@SLEEP S" waits S seconds.  A 421 reply ends
the chat. "<EOF>" is
printed when the server closes, "<REFUSED>" when the connection is
refused or reset before it is made; the exit status is 0 unless the
connection could not be made otherwise.
"""

import argparse
import hashlib
import re
import socket
import struct
import sys
import time


def addr_port(text):
    """'1.2.3.4:5' or '[::1]:5' -> (host, port)."""
    m = re.fullmatch(r"\[([^\]]+)\]:(\d+)|([^:]+):(\d+)", text)
    if not m:
        raise SystemExit("bad address:port " + text)
    return (m.group(1) or m.group(3), int(m.group(2) or m.group(4)))


def header(spec):
    if spec == "none":
        return b""
    if spec == "v2local":
        return b"\r\n\r\n\x00\r\nQUIT\n" + bytes([0x20, 0x00, 0, 0])
    if spec.startswith("raw:"):
        return bytes.fromhex(spec[4:])
    kind, rest = spec.split(":", 1)
    m = re.fullmatch(r"(\[[^\]]+\]:\d+|[^:]+:\d+):(\[[^\]]+\]:\d+|[^:]+:\d+)", rest)
    if not m:
        raise SystemExit("bad header spec " + spec)
    (src, sport), (dst, dport) = addr_port(m.group(1)), addr_port(m.group(2))
    v6 = ":" in src
    if kind == "v1":
        return ("PROXY %s %s %s %d %d\r\n" % ("TCP6" if v6 else "TCP4", src, dst,
                                             sport, dport)).encode()
    fam = socket.AF_INET6 if v6 else socket.AF_INET
    body = (socket.inet_pton(fam, src) + socket.inet_pton(fam, dst) +
            struct.pack("!HH", sport, dport))
    return (b"\r\n\r\n\x00\r\nQUIT\n" + bytes([0x21, 0x21 if v6 else 0x11]) +
            struct.pack("!H", len(body)) + body)


class Conn:
    def __init__(self, sock, timeout):
        self.sock = sock
        self.timeout = timeout
        self.buf = b""

    def line(self):
        deadline = time.monotonic() + self.timeout
        while b"\n" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                return "<TIMEOUT>"
            self.sock.settimeout(left)
            try:
                data = self.sock.recv(4096)
            except socket.timeout:
                return "<TIMEOUT>"
            except ConnectionResetError:
                data = b""
            if not data:
                return None
            self.buf += data
        line, self.buf = self.buf.split(b"\n", 1)
        return line.rstrip(b"\r").decode("utf-8", "replace")

    def reply(self):
        """The last line of one reply, or None at EOF."""
        first = self.line()
        if first is None or first == "<TIMEOUT>":
            return first
        line = first
        if re.match(r"^\d{3}-", first):
            while line is not None and not (line[:3] == first[:3] and line[3:4] == " "):
                line = self.line()
                if line == "<TIMEOUT>":
                    return line
        return line


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("-H", "--host", default="127.0.0.1")
    ap.add_argument("-t", "--timeout", type=float, default=10)
    ap.add_argument("--from", dest="src")
    ap.add_argument("--split", type=int, default=0)
    ap.add_argument("--gap", type=float, default=0.05)
    ap.add_argument("--hold", type=float, default=0)
    ap.add_argument("--no-greeting", action="store_true")
    ap.add_argument("--close", action="store_true")
    ap.add_argument("header")
    ap.add_argument("port", type=int)
    ap.add_argument("cmds", nargs="*")
    a = ap.parse_args()

    fam = socket.AF_INET6 if ":" in a.host else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    if a.src:
        s.bind((a.src, 0))
    s.settimeout(a.timeout)
    try:
        s.connect((a.host, a.port))
    except (ConnectionRefusedError, ConnectionResetError):
        print("<REFUSED>")
        return 0
    c = Conn(s, a.timeout)
    hdr = header(a.header)
    try:
        if a.split > 0:
            for i in range(0, len(hdr), a.split):
                s.sendall(hdr[i:i + a.split])
                time.sleep(a.gap)
        elif hdr:
            s.sendall(hdr)
        if a.hold:
            time.sleep(a.hold)
        if a.close:
            s.shutdown(socket.SHUT_WR)
    except (BrokenPipeError, ConnectionResetError):
        print("<EOF>")
        return 0
    if not a.no_greeting:
        r = c.reply()
        print(r if r is not None else "<EOF>")
        if r is None or r == "<TIMEOUT>":
            return 0
    for cmd in a.cmds:
        if cmd.startswith("@SLEEP "):
            time.sleep(float(cmd.split(" ", 1)[1]))
            continue
        if cmd.startswith("@TRY "):
            # A data connection from FROM: closed at once (refused), or
            # still open after 2 s (taken as the client's).
            parts = cmd.split(" ")
            src, dhdr = parts[1], header(parts[2]) if len(parts) > 2 else b""
            s.sendall(b"EPSV\r\n")
            r = c.reply()
            print(r)
            m = re.search(r"\(\|\|\|(\d+)\|\)", r or "")
            if not m:
                continue
            d = socket.socket(fam, socket.SOCK_STREAM)
            d.bind((src, 0))
            d.settimeout(2)
            d.connect((a.host, int(m.group(1))))
            d.sendall(dhdr)
            try:
                print("DATA refused" if d.recv(1) == b"" else "DATA bytes")
            except socket.timeout:
                print("DATA accepted")
            except ConnectionResetError:
                print("DATA refused")
            d.close()
            continue
        if cmd.startswith("@GET "):
            parts = cmd.split(" ")
            src, name = parts[1], parts[2]
            dhdr = header(parts[3]) if len(parts) > 3 else b""
            s.sendall(b"EPSV\r\n")
            r = c.reply()
            print(r)
            m = re.search(r"\(\|\|\|(\d+)\|\)", r or "")
            if not m:
                continue
            d = socket.socket(fam, socket.SOCK_STREAM)
            d.bind((src, 0))
            d.settimeout(a.timeout)
            d.connect((a.host, int(m.group(1))))
            d.sendall(dhdr)
            s.sendall(("RETR %s\r\n" % name).encode())
            got = b""
            try:
                while True:
                    chunk = d.recv(65536)
                    if not chunk:
                        break
                    got += chunk
            except (socket.timeout, ConnectionResetError):
                pass
            d.close()
            if got:
                print("DATA %d %s" % (len(got), hashlib.sha256(got).hexdigest()))
            else:
                print("DATA refused")
            r = c.reply()
            print(r if r is not None else "<EOF>")
            if r is not None and r.startswith("1"):
                r = c.reply()
                print(r if r is not None else "<EOF>")
            continue
        try:
            s.sendall(cmd.encode() + b"\r\n")
        except (BrokenPipeError, ConnectionResetError):
            print("<EOF>")
            return 0
        r = c.reply()
        print(r if r is not None else "<EOF>")
        if r is None or r.startswith("421"):
            return 0
    # Whatever comes unasked, then the end.
    s.settimeout(a.timeout)
    while True:
        r = c.reply()
        if r is None:
            print("<EOF>")
            break
        if r == "<TIMEOUT>":
            print("<OPEN>")
            break
        print(r)
    return 0


if __name__ == "__main__":
    sys.exit(main())
