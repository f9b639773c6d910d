#!/usr/bin/python3
"""active_rogue: does ftprelay's listener for an active origin serve only
the origin?

Run against ftprelay with --origin-data-mode active and a one-port
--pasv-ports range ORIGIN_LPORT-ORIGIN_LPORT, so that the port ftprelay
listens on for the origin's data connection is known. Logs in to
HOST:PORT (anonymous), listens on its own address and sends PORT (the
client is active too, so ftprelay's one port is free for the origin side).
Once the PORT is answered, ftprelay has sent EPRT to the origin and its
listener is up: connect to it from ROGUE_ADDR. Then RETR FILE, take the
data connection ftprelay makes to us, read everything, and check what the
rogue connection got. Prints key=value lines:

  port=<reply to PORT>
  rogue_connect=connected|refused
  data_from=<address ftprelay's data connection to us came from>
  bytes=<n> sha256=<hex of what we received>
  final=<final reply line of the RETR>
  rogue=closed|reset|refused|open|data:<n bytes>

usage: active_rogue.py HOST PORT FILE ROGUE_ADDR ORIGIN_LPORT
"""

import ftplib
import socket
import sys
import time

from rogue_common import finish, run


def main():
    host, port, path, rogue_addr, lport = sys.argv[1:6]
    ftp = ftplib.FTP()
    ftp.connect(host, int(port), timeout=15)
    ftp.login()
    ftp.voidcmd("TYPE I")
    me = ftp.sock.getsockname()[0]
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.bind((me, 0))
    ls.listen(1)
    ls.settimeout(15)
    print("port=" + ftp.sendport(me, ls.getsockname()[1]))

    rogue = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    rogue.settimeout(5)
    rogue.bind((rogue_addr, 0))
    try:
        rogue.connect((ftp.sock.getpeername()[0], int(lport)))
        print("rogue_connect=connected")
        rogue_state = None
    except (ConnectionRefusedError, ConnectionResetError):
        print("rogue_connect=refused")
        rogue_state = "refused"
    time.sleep(0.3)  # let the relay see the rogue first

    resp = ftp.sendcmd("RETR " + path)
    if not resp.startswith("1"):
        print("final=" + resp)
        return 1
    conn, peer = ls.accept()
    print("data_from=" + peer[0])
    return finish(ftp, conn, rogue, rogue_state)


if __name__ == "__main__":
    run(main)
