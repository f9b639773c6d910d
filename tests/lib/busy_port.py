#!/usr/bin/python3
"""busy_port: a data channel asked for while its only port is taken.

Holds BUSY_PORT on 127.0.0.1 with a listener of its own, logs in to
127.0.0.1:RELAY_PORT (anonymous, TYPE I) and asks for a data channel:
PASV, or PORT to a listener of its own (an active client). That should be
refused; then NOOP, the port is freed, the same command is sent again and
FILE is downloaded through the new channel. Prints key=value lines:

  busy=<reply to the first PASV/PORT>
  noop=<reply to NOOP>
  free=<reply to the second PASV/PORT>
  retr=<preliminary reply to RETR>
  final=<final reply of the RETR>
  sha256=<hex of the bytes received>

usage: busy_port.py PASV|PORT RELAY_PORT BUSY_PORT FILE
"""

import ftplib
import socket
import sys

from rogue_common import read_all


def main():
    mode, relay, busy, name = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
    blocker = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    blocker.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # a listener still blocks
    blocker.bind(("127.0.0.1", busy))
    blocker.listen(1)
    f = ftplib.FTP()
    f.connect("127.0.0.1", relay, timeout=15)
    f.login()
    f.voidcmd("TYPE I")
    if mode == "PORT":
        me = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        me.bind(("127.0.0.1", 0))
        me.listen(1)
        me.settimeout(15)
        p = me.getsockname()[1]
        cmd = "PORT 127,0,0,1,%d,%d" % (p >> 8, p & 255)
    else:
        cmd = "PASV"
    try:
        print("busy=" + f.sendcmd(cmd))
    except ftplib.error_temp as e:
        print("busy=%s" % e)
    print("noop=" + f.sendcmd("NOOP"))
    blocker.close()
    resp = f.sendcmd(cmd)
    print("free=" + resp)
    if mode == "PASV":
        data = socket.create_connection(ftplib.parse227(resp), timeout=15)
        print("retr=" + f.sendcmd("RETR " + name))
    else:
        print("retr=" + f.sendcmd("RETR " + name))
        data, _ = me.accept()
    _, digest = read_all(data)
    print("final=" + f.voidresp())
    print("sha256=" + digest)
    f.quit()


if __name__ == "__main__":
    sys.exit(main())
