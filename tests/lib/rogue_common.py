"""rogue_common.py - shared by the test clients: read a data connection
to its end (read_all, also for busy_port.py and inline clients); and for
pasv_rogue.py and active_rogue.py, find out what ftprelay did with the
rogue connection (closed, reset, or fed it data), and report both."""
import ftplib
import hashlib
import socket
import sys
import time


def read_all(conn):
    """Read conn to end-of-file; close it; return (bytes, sha256 hex)."""
    h = hashlib.sha256()
    n = 0
    while True:
        b = conn.recv(65536)
        if not b:
            break
        h.update(b)
        n += len(b)
    conn.close()
    return n, h.hexdigest()


def rogue_fate(rogue, state, wait=5):
    """What became of the rogue connection: state if already known,
    else "closed", "reset", "open" (nothing within `wait` seconds) or
    "data:N" (it was sent N bytes)."""
    if state is not None:
        return state
    got = b""
    deadline = time.monotonic() + wait
    state = "open"
    while time.monotonic() < deadline:
        try:
            b = rogue.recv(65536)
        except socket.timeout:
            break
        except ConnectionResetError:
            state = "reset"
            break
        if not b:
            state = "closed"
            break
        got += b
    if got:
        state = "data:%d" % len(got)
    return state


def finish(ftp, conn, rogue, rogue_state):
    """The real client's download on conn is under way: read it, then the
    final reply, and print bytes=, final= and rogue= lines; returns 0."""
    n, digest = read_all(conn)
    final = ftp.getresp()
    print("bytes=%d sha256=%s" % (n, digest))
    print("final=" + final.splitlines()[-1])
    print("rogue=" + rogue_fate(rogue, rogue_state))
    rogue.close()
    ftp.quit()
    return 0


def run(main):
    """Exit with main()'s status; an FTP error prints error= and exits 1."""
    try:
        sys.exit(main())
    except ftplib.all_errors as e:
        print("error=%r" % (e,))
        sys.exit(1)
