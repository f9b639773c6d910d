#!/usr/bin/python3
"""ftp_load: SESSIONS concurrent FTP sessions through HOST:PORT.

Every session (a thread) logs in, waits until all the others are logged in
too (so that SESSIONS ftprelay processes run at once), then downloads its
own file ORIGIN_ROOT/load/dNNN.bin and uploads a distinct random file to
upload/uNNN.bin, both 64-256 KiB, PASV for even sessions and EPSV for odd
ones; checks both checksums (the upload against the file that landed in
ORIGIN_ROOT/upload), and quits. Creates the files to download itself.

Prints "sessions=N concurrent=N ok=N failed=N" and the time taken; one
line on stderr per failed session. Exits 1 if any session failed.

usage: ftp_load.py HOST PORT ORIGIN_ROOT SESSIONS
"""

import ftplib
import hashlib
import io
import os
import random
import socket
import sys
import threading
import time


def main():
    host, port, root, count = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
    rnd = random.Random(85)
    load = os.path.join(root, "load")
    os.makedirs(load, exist_ok=True)
    os.chmod(load, 0o755)
    want = {}
    for n in range(count):
        body = os.urandom(rnd.randrange(64 << 10, 256 << 10))
        path = os.path.join(load, "d%03d.bin" % n)
        with open(path, "wb") as f:
            f.write(body)
        os.chmod(path, 0o644)
        want[n] = hashlib.sha256(body).hexdigest()
    uploads = {n: os.urandom(rnd.randrange(64 << 10, 256 << 10)) for n in range(count)}

    all_in = threading.Barrier(count, timeout=90)
    lock = threading.Lock()
    state = {"in": 0, "peak": 0, "ok": 0, "failed": []}

    def session(n):
        step = "connect"
        counted = False
        try:
            f = ftplib.FTP()
            f.connect(host, port, timeout=60)
            step = "login"
            f.login()
            with lock:
                state["in"] += 1
                state["peak"] = max(state["peak"], state["in"])
                counted = True
            step = "waiting for the others"
            all_in.wait()
            f.af = socket.AF_INET6 if n % 2 else socket.AF_INET  # EPSV / PASV
            step = "RETR"
            h = hashlib.sha256()
            f.retrbinary("RETR load/d%03d.bin" % n, h.update)
            if h.hexdigest() != want[n]:
                raise ValueError("RETR d%03d.bin: checksum differs" % n)
            step = "STOR"
            f.storbinary("STOR upload/u%03d.bin" % n, io.BytesIO(uploads[n]))
            with open(os.path.join(root, "upload", "u%03d.bin" % n), "rb") as fh:
                if fh.read() != uploads[n]:
                    raise ValueError("STOR u%03d.bin: what landed differs" % n)
            step = "QUIT"
            f.quit()
            with lock:
                state["ok"] += 1
        except Exception as e:  # every failure is reported, none stops the run
            if isinstance(e, threading.BrokenBarrierError):
                e = "not all sessions got logged in within 90 s"
            with lock:
                state["failed"].append("session %d (%s): %s" % (n, step, e))
            if not counted:
                try:
                    all_in.abort()
                except Exception:
                    pass
        finally:
            if counted:
                with lock:
                    state["in"] -= 1

    t0 = time.monotonic()
    threads = [threading.Thread(target=session, args=(n,)) for n in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(180)
    took = time.monotonic() - t0
    for line in sorted(state["failed"]):
        print(line, file=sys.stderr)
    print("sessions=%d concurrent=%d ok=%d failed=%d"
          % (count, state["peak"], state["ok"], len(state["failed"])))
    print("took %.1f s" % took)
    return 1 if state["failed"] or state["ok"] != count else 0


if __name__ == "__main__":
    sys.exit(main())
