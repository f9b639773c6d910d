#!/usr/bin/python3
"""abor_client: abort a download that is under way.

Logs in to 127.0.0.1:RELAY_PORT (anonymous, TYPE I), starts RETR FILE in
passive mode, reads one block, closes the data connection and aborts:

  ftplib  with ftplib's abort(), which sends "ABOR\\r\\n" as urgent data
          (MSG_OOB: its LF is the urgent byte) and reads one reply
  telnet  the RFC 959 way: Telnet IP, then Synch (IAC sent urgent, then
          DM), then ABOR

Prints key=value lines: first=<the first reply after the abort>, then
second=<the next one> when the first was the transfer's own 426, then
noop=<reply to a NOOP> (the session must go on). A reply that does not
come within 5 s prints "error: ..." instead.

usage: abor_client.py ftplib|telnet RELAY_PORT FILE
"""

import ftplib
import socket
import sys


def reply(f, key):
    try:
        text = f.getmultiline()
    except ftplib.all_errors as e:
        text = "error: %s" % e
    print(key + "=" + text)
    return text


def main():
    mode, relay, name = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    f = ftplib.FTP()
    f.connect("127.0.0.1", relay, timeout=15)
    f.login()
    f.voidcmd("TYPE I")
    data, _ = f.ntransfercmd("RETR " + name)
    data.recv(65536)
    data.close()
    f.sock.settimeout(5)
    if mode == "ftplib":
        try:
            first = f.abort()
        except ftplib.all_errors as e:
            first = "error: %s" % e
        print("first=" + first)
    else:
        f.sock.sendall(b"\xff\xf4\xff", socket.MSG_OOB)  # IAC IP, IAC (urgent)
        f.sock.sendall(b"\xf2ABOR\r\n")                # DM, ABOR
        first = reply(f, "first")
    if first.startswith("426"):
        # the transfer's reply came first; now the one for ABOR
        reply(f, "second")
    print("noop=" + f.sendcmd("NOOP"))
    f.quit()


if __name__ == "__main__":
    sys.exit(main())
