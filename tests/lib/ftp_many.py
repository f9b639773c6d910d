#!/usr/bin/python3
"""ftp_many: one FTP session doing COUNT transfers through HOST:PORT.

Cycles through three operations: RETR of a random small file from
ORIGIN_ROOT/many (checksum compared with the file on disk), STOR of random
bytes into upload/ (checksum compared with the file that lands in
ORIGIN_ROOT/upload), NLST of many/ (compared with the directory on disk).
Alternates PASV and EPSV. Prints a summary line; exits 1 on the first
mismatch, with a message on stderr.

usage: ftp_many.py HOST PORT ORIGIN_ROOT COUNT
"""

import ftplib
import hashlib
import io
import os
import random
import socket
import sys


def sha(b):
    return hashlib.sha256(b).hexdigest()


def main():
    host, port, root, count = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
    rnd = random.Random(4711)
    many = os.path.join(root, "many")
    os.makedirs(many, exist_ok=True)
    os.chmod(many, 0o755)
    names = []
    sizes = [0, 1, 2, 1023, 1024, 4095, 4096, 4097, 65536, 65537, 200000]
    for i in range(24):
        size = sizes[i] if i < len(sizes) else rnd.randrange(0, 300000)
        name = "f%02d.bin" % i
        with open(os.path.join(many, name), "wb") as f:
            f.write(os.urandom(size))
        os.chmod(os.path.join(many, name), 0o644)
        names.append(name)

    ftp = ftplib.FTP()
    ftp.connect(host, port, timeout=20)
    ftp.login()
    ftp.voidcmd("TYPE I")
    stats = {"retr": 0, "stor": 0, "nlst": 0}
    for i in range(count):
        # ftplib sends EPSV instead of PASV when it believes the control
        # connection is IPv6; flip that to alternate the two.
        use_epsv = (i // 3) % 2 == 1
        ftp.af = socket.AF_INET6 if use_epsv else socket.AF_INET
        op = i % 3
        try:
            if op == 0:
                name = rnd.choice(names)
                chunks = []
                ftp.retrbinary("RETR many/" + name, chunks.append)
                got = b"".join(chunks)
                with open(os.path.join(many, name), "rb") as f:
                    want = f.read()
                if sha(got) != sha(want):
                    sys.exit("transfer %d: RETR %s: got %d bytes sha %s, want %d bytes sha %s"
                             % (i, name, len(got), sha(got), len(want), sha(want)))
                stats["retr"] += 1
            elif op == 1:
                data = os.urandom(rnd.choice([0, 1, 4096, rnd.randrange(1, 300000)]))
                name = "s%04d.bin" % i
                ftp.storbinary("STOR upload/" + name, io.BytesIO(data))
                with open(os.path.join(root, "upload", name), "rb") as f:
                    landed = f.read()
                if sha(landed) != sha(data):
                    sys.exit("transfer %d: STOR %s: landed %d bytes, sent %d bytes"
                             % (i, name, len(landed), len(data)))
                stats["stor"] += 1
            else:
                listed = sorted(os.path.basename(n) for n in ftp.nlst("many"))
                if listed != sorted(names):
                    sys.exit("transfer %d: NLST many: got %r" % (i, listed))
                stats["nlst"] += 1
        except ftplib.all_errors as e:
            sys.exit("transfer %d (op %d, %s): %r" % (i, op, "EPSV" if use_epsv else "PASV", e))
    ftp.quit()
    print("transfers=%d retr=%d stor=%d nlst=%d"
          % (count, stats["retr"], stats["stor"], stats["nlst"]))


if __name__ == "__main__":
    main()
