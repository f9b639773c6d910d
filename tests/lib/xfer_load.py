#!/usr/bin/python3
"""xfer_load: SESSIONS concurrent FTP sessions of COUNT transfers each,
for the transfer log test.

Makes FILES files of different sizes (0 bytes to ~1 MiB) in
ORIGIN_ROOT/xl, then each session (a thread; all logged in before any
transfers) alternates RETR of one of them and STOR of fresh random bytes
to upload/s<session>-<n>.bin, checking every checksum.  Writes one line
per transfer to MANIFEST: "<o|i> <path as sent> <bytes>", the direction
as xferlog(5) writes it.  Prints "transfers=N failed=M" and exits 1 if
anything failed.

usage: xfer_load.py HOST PORT ORIGIN_ROOT SESSIONS COUNT MANIFEST
"""

import ftplib
import hashlib
import io
import os
import random
import sys
import threading


def main():
    host, port, root = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    sessions, count, manifest = int(sys.argv[4]), int(sys.argv[5]), sys.argv[6]
    d = os.path.join(root, "xl")
    os.makedirs(d, exist_ok=True)
    os.chmod(d, 0o755)
    sizes = [0, 1, 1000, 4096, 65535, 65536, 65537, 300000, 1048576, 777777]
    files = []
    for i, size in enumerate(sizes):
        p = os.path.join(d, "f%d.bin" % i)
        data = os.urandom(size)
        with open(p, "wb") as f:
            f.write(data)
        os.chmod(p, 0o644)
        files.append(("xl/f%d.bin" % i, size, hashlib.sha256(data).hexdigest()))

    lock = threading.Lock()
    records, errors = [], []
    ready = threading.Barrier(sessions, timeout=60)

    def session(n):
        rnd = random.Random(n)
        try:
            ftp = ftplib.FTP()
            ftp.connect(host, port, timeout=30)
            ftp.login()
            ftp.voidcmd("TYPE I")
        except Exception as e:
            with lock:
                errors.append("session %d login: %s" % (n, e))
            ready.abort()
            return
        try:
            ready.wait()
        except threading.BrokenBarrierError:
            return
        try:
            for k in range(count):
                if k % 2 == 0:
                    path, size, digest = files[(n + k) % len(files)]
                    h = hashlib.sha256()
                    got = [0]

                    def take(b):
                        h.update(b)
                        got[0] += len(b)
                    ftp.retrbinary("RETR " + path, take)
                    if got[0] != size or h.hexdigest() != digest:
                        raise RuntimeError("RETR %s: %d bytes, wrong checksum" % (path, got[0]))
                    rec = "o %s %d" % (path, size)
                else:
                    size = rnd.choice(sizes)
                    data = os.urandom(size)
                    path = "upload/s%d-%d.bin" % (n, k)
                    ftp.storbinary("STOR " + path, io.BytesIO(data))
                    with open(os.path.join(root, path), "rb") as f:
                        if hashlib.sha256(f.read()).digest() != hashlib.sha256(data).digest():
                            raise RuntimeError("STOR %s: wrong checksum at the origin" % path)
                    rec = "i %s %d" % (path, size)
                with lock:
                    records.append(rec)
            ftp.quit()
        except Exception as e:
            with lock:
                errors.append("session %d: %s" % (n, e))

    threads = [threading.Thread(target=session, args=(n,)) for n in range(sessions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with open(manifest, "w") as f:
        for r in records:
            f.write(r + "\n")
    print("transfers=%d failed=%d" % (len(records), len(errors)))
    for e in errors[:5]:
        print(e, file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
