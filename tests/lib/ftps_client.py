#!/usr/bin/python3
"""ftps_client.py - FTPS clients for 75-ftps.bats, with python's ftplib
and ssl modules.  Each mode prints what a user would check and exits 0
when the exchange went as the mode describes, 1 otherwise.

  Options: --ca FILE (trust), --tls12 (TLS 1.2 at most), --reuse,
  --active (PORT, or EPRT over IPv6), --host ADDR (default 127.0.0.1).

  ftps_client.py [--ca FILE] [--tls12] [--reuse] get PORT PATH
        FTP_TLS: AUTH TLS, PROT P, download PATH; prints its sha256.
        --reuse: data connections resume the control session (as curl
        and lftp do); without it, fresh handshakes (ftplib's default).
  ftps_client.py [--ca FILE] [--reuse] put PORT PATH LOCAL
        the same, uploading LOCAL to PATH; prints "226".
  ftps_client.py --ca FILE steal PORT
        client A logs in over TLS with PROT P and gets a passive port;
        a second TLS client (its own, fresh session) connects there first.
        Prints "stranger got N bytes" and A's reply to its RETR.
  ftps_client.py --ca FILE plain-data PORT PATH
        PROT P, then a plain (no TLS) data connection; prints the bytes
        it got and the reply to RETR.
  ftps_client.py plaintext-after-auth PORT
        AUTH TLS, 234, then "USER anonymous" in clear; prints what came
        back ("closed" when the connection ended without a reply).
  ftps_client.py garbage PORT
        sends junk instead of a ClientHello (implicit FTPS); prints
        "closed" when the proxy hung up.
"""
import ftplib
import hashlib
import socket
import ssl
import sys

TIMEOUT = 20


def context(args):
    ctx = ssl.create_default_context(cafile=args.get("ca"))
    if args.get("tls12"):
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    return ctx


class ReusingFTP_TLS(ftplib.FTP_TLS):
    """Data connections resume the control connection's TLS session."""

    def ntransfercmd(self, cmd, rest=None):
        conn, size = ftplib.FTP.ntransfercmd(self, cmd, rest)
        if self._prot_p:
            conn = self.context.wrap_socket(conn, server_hostname=self.host,
                                            session=self.sock.session)
        return conn, size


def login(args, port, reuse=False):
    cls = ReusingFTP_TLS if reuse else ftplib.FTP_TLS
    ftp = cls(context=context(args), timeout=TIMEOUT)
    ftp.connect(args.get("host", "127.0.0.1"), port)
    ftp.auth()
    ftp.login("anonymous", "test@example.com")
    ftp.prot_p()
    if args.get("active"):
        ftp.set_pasv(False)
    return ftp


def mode_get(args, port, path):
    ftp = login(args, port, args.get("reuse"))
    h = hashlib.sha256()
    ftp.retrbinary("RETR " + path, h.update)
    ftp.quit()
    print(h.hexdigest())


def mode_put(args, port, path, local):
    ftp = login(args, port, args.get("reuse"))
    with open(local, "rb") as f:
        r = ftp.storbinary("STOR " + path, f)
    print(r[:3])
    ftp.quit()


def pasv_port(ftp):
    r = ftp.sendcmd("EPSV")
    return int(r.split("|")[3])


def drain(sock, errors):
    """Bytes read from sock until EOF or one of errors."""
    got = 0
    try:
        while True:
            b = sock.recv(65536)
            if not b:
                break
            got += len(b)
    except errors:
        pass
    return got


def final_reply(ftp):
    """The transfer's completion code (after a 150), or the error."""
    try:
        r = ftp.getresp()
        if r.startswith("1"):
            r = ftp.getresp()
    except ftplib.all_errors as e:
        r = str(e)
    return r[:3]


def mode_steal(args, port):
    ftp = login(args, port)
    dport = pasv_port(ftp)
    got = 0
    raw = socket.create_connection(("127.0.0.1", dport), timeout=TIMEOUT)
    try:
        s = context(args).wrap_socket(raw, server_hostname="127.0.0.1",
                                      do_handshake_on_connect=False)
        ftp.putcmd("RETR big.bin")
        s.do_handshake()
        got = drain(s, (OSError, ssl.SSLError))
    except (OSError, ssl.SSLError):
        pass
    print("stranger got %d bytes" % got)
    print(final_reply(ftp))


def mode_plain_data(args, port, path):
    ftp = login(args, port)
    dport = pasv_port(ftp)
    raw = socket.create_connection(("127.0.0.1", dport), timeout=TIMEOUT)
    ftp.putcmd("RETR " + path)
    print("plain data connection got %d bytes" % drain(raw, OSError))
    print(final_reply(ftp))


def read_reply(f):
    line = f.readline()
    return line.decode("latin-1").rstrip("\r\n")


def mode_plaintext_after_auth(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
    f = s.makefile("rb")
    print(read_reply(f))
    s.sendall(b"AUTH TLS\r\n")
    print(read_reply(f))
    s.sendall(b"USER anonymous\r\n")
    try:
        rest = f.read()
    except OSError:
        rest = b""
    # A TLS alert may come back; an FTP reply must not.
    print("closed" if not rest or rest[:1] == b"\x15" else repr(rest[:60]))


def mode_garbage(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
    s.sendall(b"USER anonymous\r\n" * 4)
    try:
        rest = s.recv(4096)
        while True:
            b = s.recv(4096)
            if not b:
                break
            rest += b
    except OSError:
        rest = b""
    print("closed" if not rest or rest[:1] == b"\x15" else repr(rest[:60]))


def main():
    argv = sys.argv[1:]
    args = {}
    while argv and argv[0].startswith("--"):
        opt = argv.pop(0)[2:]
        if opt in ("ca", "host"):
            args[opt] = argv.pop(0)
        else:
            args[opt] = True
    mode, port, rest = argv[0], int(argv[1]), argv[2:]
    if mode == "get":
        mode_get(args, port, *rest)
    elif mode == "put":
        mode_put(args, port, *rest)
    elif mode == "steal":
        mode_steal(args, port)
    elif mode == "plain-data":
        mode_plain_data(args, port, *rest)
    elif mode == "plaintext-after-auth":
        mode_plaintext_after_auth(port)
    elif mode == "garbage":
        mode_garbage(port)
    else:
        sys.exit("unknown mode " + mode)


if __name__ == "__main__":
    try:
        main()
    except ftplib.all_errors as e:
        print("error: %s" % e)
        sys.exit(1)
