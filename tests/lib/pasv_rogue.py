#!/usr/bin/python3
"""pasv_rogue: does a passive listener serve only the client's own address?

Logs in to HOST:PORT (anonymous), asks for a passive port (PASV or EPSV),
then, before the real client connects, connects to that port from
ROGUE_ADDR (e.g. 127.0.0.2). Then the real client connects from its own
address, sends RETR FILE and reads the data and the final reply.
Finally checks what the rogue connection got. Prints key=value lines:

  rogue_connect=connected|refused
  rogue=closed|reset|refused|open|data:<n bytes>
  bytes=<n> sha256=<hex of what the real client received>
  final=<final reply line of the RETR>

usage: pasv_rogue.py HOST PORT PASV|EPSV FILE ROGUE_ADDR
"""

import ftplib
import socket
import sys
import time

from rogue_common import finish, run


def main():
    host, port, mode, path, rogue_addr = sys.argv[1:6]
    ftp = ftplib.FTP()
    ftp.connect(host, int(port), timeout=15)
    ftp.login()
    ftp.voidcmd("TYPE I")
    if mode == "PASV":
        _, dport = ftplib.parse227(ftp.sendcmd("PASV"))
    else:
        _, dport = ftplib.parse229(ftp.sendcmd("EPSV"), ftp.sock.getpeername())
    dhost = ftp.sock.getpeername()[0]

    rogue = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    rogue.settimeout(5)
    rogue.bind((rogue_addr, 0))
    try:
        rogue.connect((dhost, dport))
        print("rogue_connect=connected")
        rogue_state = None
    except (ConnectionRefusedError, ConnectionResetError):
        print("rogue_connect=refused")
        rogue_state = "refused"
    time.sleep(0.3)  # let the relay see the rogue first

    conn = socket.create_connection((dhost, dport), timeout=15)
    resp = ftp.sendcmd("RETR " + path)
    if not resp.startswith("1"):
        print("final=" + resp)
        return 1
    return finish(ftp, conn, rogue, rogue_state)


if __name__ == "__main__":
    run(main)
