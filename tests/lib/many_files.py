#!/usr/bin/python3
"""many_files: many downloads of one file in one session.

Logs in to 127.0.0.1:RELAY_PORT (anonymous), then fetches FILE N times
with ftplib (PASV, or PORT with --active) and compares each copy's
SHA-256 with SHA256. Prints intact=<copies that matched> and
quit=<code of the reply to QUIT>.

usage: many_files.py [--active] RELAY_PORT FILE N SHA256
"""

import ftplib
import hashlib
import sys


def main():
    args = sys.argv[1:]
    active = args[0] == "--active"
    if active:
        args = args[1:]
    relay, name, n, want = int(args[0]), args[1], int(args[2]), args[3]
    ftp = ftplib.FTP()
    ftp.connect("127.0.0.1", relay, timeout=20)
    ftp.login("anonymous", "test@example.com")
    ftp.set_pasv(not active)
    ok = 0
    for _ in range(n):
        h = hashlib.sha256()
        ftp.retrbinary("RETR " + name, h.update)
        ok += h.hexdigest() == want
    print("intact=%d" % ok)
    print("quit=" + ftp.quit()[:3])


if __name__ == "__main__":
    sys.exit(main())
