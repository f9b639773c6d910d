#!/usr/bin/python3
"""attack_client: the hostile-client reproductions of the attack review.

  oob-upload PORT NAME HOLD MARK
      log in, TYPE I, EPSV, STOR upload/NAME: 131072 bytes of "A", 0.5 s,
      one byte "X" sent as TCP urgent data (MSG_OOB), 1000 bytes of "B";
      create the file MARK, keep the data connection open HOLD seconds,
      close it; print "final=REPLY".
  oob-download PORT NAME HOLD MARK
      log in, TYPE I, EPSV, RETR NAME; create MARK once the first bytes
      arrived; read to end-of-file; print "bytes=N sha256=HEX" and
      "final=REPLY".
  reset-after-eof PORT NAME COUNT
      COUNT downloads of NAME in one session; each data connection is read
      to end-of-file, then closed with a reset (SO_LINGER 0); print one
      "final=REPLY" line per download and "bad=N" for the downloads that
      came short.
  hold-pasv PORT SECONDS
      log in, EPSV, print "port=N" (the data port), then NOOP every
      0.5 s for SECONDS; print "final=REPLY" for a RETR sent at the end
      without ever connecting (the listener's fate).
  timeline PORT SECONDS CMD...
      a raw control connection: send each CMD, wait for its final reply
      (after a 1xx, the next one), then read until end-of-file or SECONDS;
      print "T LINE" for every reply line, T in seconds since the last
      command was sent.  CMD "SLEEP:S" waits S seconds; after an EPSV,
      RETR/LIST connect its data port first and read it to the end,
      "RETR! NAME" sends RETR NAME without ever connecting; "\\xNN" in a
      CMD is the byte NN.
"""

import ftplib
import hashlib
import socket
import struct
import sys
import time


def login(port):
    ftp = ftplib.FTP()
    ftp.connect("127.0.0.1", port, timeout=30)
    ftp.login("anonymous", "test@example.org")
    ftp.voidcmd("TYPE I")
    return ftp


def epsv_connect(ftp):
    resp = ftp.sendcmd("EPSV")
    dport = int(resp.split("|")[-2])
    data = socket.create_connection(("127.0.0.1", dport), timeout=30)
    return data


def touch(path):
    with open(path, "w"):
        pass


def oob_upload(port, name, hold, mark):
    ftp = login(port)
    data = epsv_connect(ftp)
    resp = ftp.sendcmd("STOR upload/" + name)
    if not resp.startswith("1"):
        print("final=" + resp)
        return 1
    data.sendall(b"A" * 131072)
    time.sleep(0.5)
    data.send(b"X", socket.MSG_OOB)
    data.sendall(b"B" * 1000)
    touch(mark)
    time.sleep(hold)
    data.close()
    print("final=" + ftp.getresp().splitlines()[-1])
    ftp.quit()
    return 0


def oob_download(port, name, hold, mark):
    ftp = login(port)
    data = epsv_connect(ftp)
    resp = ftp.sendcmd("RETR " + name)
    if not resp.startswith("1"):
        print("final=" + resp)
        return 1
    h = hashlib.sha256()
    n = 0
    marked = False
    while True:
        b = data.recv(65536)
        if not b:
            break
        if not marked:
            touch(mark)
            marked = True
        h.update(b)
        n += len(b)
    data.close()
    print("bytes=%d sha256=%s" % (n, h.hexdigest()))
    print("final=" + ftp.getresp().splitlines()[-1])
    ftp.quit()
    return 0


def reset_after_eof(port, name, count):
    ftp = login(port)
    size = ftp.size(name)
    bad = 0
    for _ in range(count):
        data = epsv_connect(ftp)
        resp = ftp.sendcmd("RETR " + name)
        n = 0
        if resp.startswith("1"):
            while True:
                b = data.recv(65536)
                if not b:
                    break
                n += len(b)
        data.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                        struct.pack("ii", 1, 0))
        data.close()
        if resp.startswith("1"):
            try:
                final = ftp.getresp().splitlines()[-1]
            except ftplib.Error as e:
                final = str(e)
        else:
            final = resp
        if n != size:
            bad += 1
        print("final=" + final)
    print("bad=%d" % bad)
    ftp.quit()
    return 0


def hold_pasv(port, seconds):
    ftp = login(port)
    resp = ftp.sendcmd("EPSV")
    print("port=" + resp.split("|")[-2], flush=True)
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        ftp.voidcmd("NOOP")
        time.sleep(0.5)
    try:
        print("final=" + ftp.sendcmd("RETR nothing-here"))
    except ftplib.Error as e:
        print("final=" + str(e))
    ftp.quit()
    return 0


def unescape(text):
    out = bytearray()
    raw = text.encode("latin-1")
    i = 0
    while i < len(raw):
        if raw[i:i + 2] == b"\\x":
            out.append(int(raw[i + 2:i + 4], 16))
            i += 4
        else:
            out.append(raw[i])
            i += 1
    return bytes(out)


def timeline(port, seconds, cmds):
    ctl = socket.create_connection(("127.0.0.1", port), timeout=30)
    buf = b""
    t0 = time.monotonic()

    def reply():
        """One whole reply (its lines); [] at end-of-file."""
        nonlocal buf
        lines = []
        while True:
            while b"\n" not in buf:
                try:
                    b = ctl.recv(65536)
                except socket.timeout:
                    print("%.2f <TIMEOUT>" % (time.monotonic() - t0))
                    sys.exit(4)
                except ConnectionResetError:
                    b = b""
                if not b:
                    return lines
                buf += b
            line, buf = buf.split(b"\n", 1)
            line = line.rstrip(b"\r").decode("latin-1")
            lines.append(line)
            print("%.2f %s" % (time.monotonic() - t0, line), flush=True)
            if len(line) >= 4 and line[:3].isdigit() and line[3] == " " and \
                    (len(lines) == 1 or line[:3] == lines[0][:3]):
                return lines

    reply()  # the greeting
    dport = None
    for cmd in cmds:
        if cmd.startswith("SLEEP:"):
            time.sleep(float(cmd[6:]))
            continue
        data = None
        if cmd.startswith("RETR!"):
            cmd = "RETR" + cmd[5:]
        elif cmd.split(" ")[0].upper() in ("RETR", "LIST") and dport:
            data = socket.create_connection(("127.0.0.1", dport), timeout=30)
        t0 = time.monotonic()
        ctl.sendall(unescape(cmd) + b"\r\n")
        lines = reply()
        if lines and lines[-1].startswith("229"):
            dport = int(lines[-1].split("|")[-2])
        if lines and lines[-1].startswith("1"):
            if data is not None:
                while data.recv(65536):
                    pass
            lines = reply()
        if data is not None:
            data.close()
    ctl.settimeout(seconds)
    while reply():
        pass
    print("%.2f <EOF>" % (time.monotonic() - t0))
    return 0


def main(argv):
    cmd, port = argv[1], int(argv[2])
    if cmd == "oob-upload":
        return oob_upload(port, argv[3], float(argv[4]), argv[5])
    if cmd == "oob-download":
        return oob_download(port, argv[3], float(argv[4]), argv[5])
    if cmd == "reset-after-eof":
        return reset_after_eof(port, argv[3], int(argv[4]))
    if cmd == "hold-pasv":
        return hold_pasv(port, float(argv[3]))
    if cmd == "timeline":
        return timeline(port, float(argv[3]), argv[4:])
    raise SystemExit("unknown command " + cmd)


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except ftplib.all_errors as e:
        print("error=%r" % (e,))
        sys.exit(1)
