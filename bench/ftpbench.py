#!/usr/bin/python3
"""ftpbench.py - client side of bench/run (see bench/README).

Subcommands (all bounded by their own deadlines; output on stdout):
  freeport                       print an unused TCP port on 127.0.0.1
  sessions HOST PORT N           N sequential sessions: login, PWD, QUIT;
                                 prints "N SECONDS"
  churn HOST PORT N PATH         one session, N x RETR PATH (PASV);
                                 prints "N SECONDS BYTES"
  hold HOST PORT N READY RELEASE [DEADLINE]
                                 open N concurrent sessions from one process
                                 (selectors, non-blocking), log each in, send
                                 NOOP on every logged-in session, write a
                                 result line to READY, wait until the file
                                 RELEASE exists (at most DEADLINE seconds,
                                 default 600), QUIT everything, exit
  report CSV [PEERS...]          print the summary table of a results CSV
  sdreport CSV                   print the table of a bench/systemd-bench CSV
"""

import collections
import csv
import errno
import ftplib
import os
import selectors
import socket
import struct
import statistics
import sys
import time

USER = b"USER anonymous\r\n"
PASS = b"PASS bench@example.com\r\n"


def die(msg):
    sys.stderr.write("ftpbench: %s\n" % msg)
    sys.exit(1)


def cmd_freeport(_args):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    print(s.getsockname()[1])
    s.close()


def pp2_header(sock):
    """A PROXY protocol v2 header for this connection, as HAProxy's
    send-proxy-v2 writes it (TCP over IPv4, no TLVs)."""
    src, sport = sock.getsockname()[:2]
    dst, dport = sock.getpeername()[:2]
    return (b"\r\n\r\n\x00\r\nQUIT\n\x21\x11\x00\x0c" +
            socket.inet_aton(src) + socket.inet_aton(dst) +
            struct.pack("!HH", sport, dport))


def cmd_sessions(args):
    """sessions HOST PORT N [pp2]: N sequential sessions (login, PWD,
    QUIT); with pp2 each begins with a PROXY v2 header."""
    host, port, n = args[0], int(args[1]), int(args[2])
    pp2 = len(args) > 3 and args[3] == "pp2"
    t0 = time.monotonic()
    for i in range(n):
        ftp = ftplib.FTP()
        if pp2:
            # ftplib's connect() with the header sent before the greeting
            ftp.sock = socket.create_connection((host, port), 20)
            ftp.sock.sendall(pp2_header(ftp.sock))
            ftp.af = ftp.sock.family
            ftp.file = ftp.sock.makefile("r", encoding=ftp.encoding)
            ftp.welcome = ftp.getresp()
        else:
            ftp.connect(host, port, timeout=20)
        ftp.login("anonymous", "bench@example.com")
        ftp.pwd()
        resp = ftp.quit()
        if not resp.startswith("221"):
            die("session %d: QUIT answered %r" % (i, resp))
        ftp.close()
    print("%d %.6f" % (n, time.monotonic() - t0))


def cmd_churn(args):
    host, port, n, path = args[0], int(args[1]), int(args[2]), args[3]
    ftp = ftplib.FTP()
    ftp.connect(host, port, timeout=20)
    ftp.login("anonymous", "bench@example.com")
    ftp.voidcmd("TYPE I")
    total = [0]

    def got(b):
        total[0] += len(b)

    t0 = time.monotonic()
    for _ in range(n):
        ftp.retrbinary("RETR " + path, got)
    dt = time.monotonic() - t0
    ftp.quit()
    print("%d %.6f %d" % (n, dt, total[0]))


# ---------------------------------------------------------------------------
# hold: many concurrent sessions in one process.
# ---------------------------------------------------------------------------
class Sess:
    __slots__ = ("sock", "state", "buf", "code", "why", "out")

    def __init__(self, sock):
        self.sock = sock
        self.state = "connect"
        self.buf = b""
        self.code = None
        self.why = None
        self.out = b""


def reply_done(sess):
    """Return the code of a complete reply at the head of sess.buf (and drop
    it), or None. Multi-line replies ("220-...") end with "220 "."""
    while True:
        i = sess.buf.find(b"\n")
        if i < 0:
            return None
        line, sess.buf = sess.buf[:i + 1], sess.buf[i + 1:]
        if len(line) >= 4 and line[:3].isdigit() and line[3:4] == b" ":
            return line[:3].decode()
        # continuation line: keep reading


def cmd_hold(args):
    host, port, n = args[0], int(args[1]), int(args[2])
    ready, release = args[3], args[4]
    deadline_release = float(args[5]) if len(args) > 5 else 600.0
    window = 64                      # sessions in their handshake at once
    t_start = time.monotonic()
    login_deadline = t_start + 60 + n * 0.05
    sel = selectors.DefaultSelector()
    sessions = []
    failures = collections.Counter()
    logged = 0
    pending = 0                      # sessions between connect and 230
    started = 0

    def fail(s, why):
        nonlocal pending
        if s.state in ("connect", "greet", "user", "pass"):
            pending -= 1
        s.state = "failed"
        s.why = why
        failures[why] += 1
        try:
            sel.unregister(s.sock)
        except (KeyError, ValueError):
            pass
        s.sock.close()

    def send(s, data):
        try:
            sent = s.sock.send(data)
        except OSError as e:
            fail(s, "send:" + errno.errorcode.get(e.errno, str(e.errno)))
            return
        if sent != len(data):
            fail(s, "short send")

    while (logged + sum(failures.values()) < n) and time.monotonic() < login_deadline:
        while started < n and pending < window:
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.setblocking(False)
            s = Sess(sock)
            sessions.append(s)
            started += 1
            pending += 1
            err = sock.connect_ex((host, port))
            if err not in (0, errno.EINPROGRESS):
                fail(s, "connect:" + errno.errorcode.get(err, str(err)))
                continue
            sel.register(sock, selectors.EVENT_WRITE, s)
        for key, _ev in sel.select(timeout=1.0):
            s = key.data
            if s.state == "connect":
                err = s.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if err:
                    fail(s, "connect:" + errno.errorcode.get(err, str(err)))
                    continue
                s.state = "greet"
                sel.modify(s.sock, selectors.EVENT_READ, s)
                continue
            try:
                data = s.sock.recv(4096)
            except OSError as e:
                fail(s, "recv:" + errno.errorcode.get(e.errno, str(e.errno)))
                continue
            if not data:
                fail(s, "EOF in %s" % s.state)
                continue
            s.buf += data
            while s.state not in ("failed", "in"):
                code = reply_done(s)
                if code is None:
                    break
                if s.state == "greet":
                    if code != "220":
                        fail(s, "greeting %s" % code)
                        break
                    s.state = "user"
                    send(s, USER)
                elif s.state == "user":
                    if code == "230":
                        s.state = "in"
                    elif code == "331":
                        s.state = "pass"
                        send(s, PASS)
                    else:
                        fail(s, "USER %s" % code)
                elif s.state == "pass":
                    if code == "230":
                        s.state = "in"
                    else:
                        fail(s, "PASS %s" % code)
            if s.state == "in":
                # logged in: leave it alone until the NOOP round
                sel.unregister(s.sock)
                pending -= 1
                logged += 1
    for s in sessions:
        if s.state in ("connect", "greet", "user", "pass"):
            fail(s, "login timeout")
    t_login = time.monotonic() - t_start

    # NOOP on every logged-in session; each must answer 200.
    sel.close()
    sel = selectors.DefaultSelector()
    live = [s for s in sessions if s.state == "in"]
    for s in live:
        s.state = "noop"
        try:
            s.sock.send(b"NOOP\r\n")
        except OSError:
            pass                     # the read below sees the error
        sel.register(s.sock, selectors.EVENT_READ, s)
    noop_ok = 0
    noop_bad = collections.Counter()
    waiting = len(live)
    noop_deadline = time.monotonic() + 30 + n * 0.01
    while waiting and time.monotonic() < noop_deadline:
        for key, _ev in sel.select(timeout=1.0):
            s = key.data
            if s.state != "noop":
                continue
            try:
                data = s.sock.recv(4096)
            except OSError as e:
                data = None
                why = "recv:" + errno.errorcode.get(e.errno, str(e.errno))
            if not data:
                noop_bad[why if data is None else "EOF"] += 1
                s.state = "dead"
                sel.unregister(s.sock)
                waiting -= 1
                continue
            s.buf += data
            code = reply_done(s)
            if code is None:
                continue
            if code == "200":
                noop_ok += 1
                s.state = "in"
                sel.unregister(s.sock)
            else:
                noop_bad["NOOP %s" % code] += 1
                s.state = "dead"
                sel.unregister(s.sock)
            waiting -= 1
    noop_bad["timeout"] += waiting
    t_noop = time.monotonic() - t_start - t_login

    reasons = dict(failures)
    for k, v in noop_bad.items():
        if v:
            reasons[k] = reasons.get(k, 0) + v
    why = ";".join("%s=%d" % kv for kv in sorted(reasons.items())) or "-"
    with open(ready + ".tmp", "w") as f:
        f.write("target=%d logged_in=%d noop_ok=%d login_s=%.3f noop_s=%.3f why=%s\n"
                % (n, logged, noop_ok, t_login, t_noop, why.replace(" ", "_")))
    os.rename(ready + ".tmp", ready)

    t_hold = time.monotonic()
    while not os.path.exists(release) and time.monotonic() - t_hold < deadline_release:
        time.sleep(0.1)

    # QUIT all, then wait (bounded) for the servers to close.
    open_socks = []
    for s in sessions:
        if s.state in ("in", "noop", "dead"):
            try:
                s.sock.send(b"QUIT\r\n")
                open_socks.append(s)
            except OSError:
                s.sock.close()
    sel.close()
    sel = selectors.DefaultSelector()
    for s in open_socks:
        s.state = "quit"
        sel.register(s.sock, selectors.EVENT_READ, s)
    left = len(open_socks)
    quit_deadline = time.monotonic() + 20 + n * 0.01
    while left and time.monotonic() < quit_deadline:
        for key, _ev in sel.select(timeout=1.0):
            s = key.data
            try:
                data = s.sock.recv(4096)
            except OSError:
                data = b""
            if not data:
                sel.unregister(s.sock)
                s.sock.close()
                left -= 1
    for s in sessions:
        try:
            s.sock.close()
        except OSError:
            pass
    if left:
        sys.stderr.write("ftpbench: hold: %d sessions not closed by the server after QUIT\n" % left)


# ---------------------------------------------------------------------------
# report: the summary table.
# ---------------------------------------------------------------------------
# (metric, label, unit, is_rate) in table order. Rates get a ratio column.
METRICS = [
    ("download_MBps", "download {download_MiB} MiB", "MB/s", True),
    ("download_cpu_s", "  proxy CPU", "s", False),
    ("upload_MBps", "upload {upload_MiB} MiB", "MB/s", True),
    ("upload_cpu_s", "  proxy CPU", "s", False),
    ("sessions_per_s", "sessions ({sessions_n} x login+PWD+QUIT)", "sess/s", True),
    ("sessions_cpu_ms_per_session", "  proxy CPU per session", "ms", False),
    ("churn_files_per_s", "churn ({churn_n} x 4 KiB RETR, 1 session)", "files/s", True),
    ("churn_cpu_ms_per_file", "  proxy CPU per file", "ms", False),
    ("memory_pss_kib_per_session", "memory ({memory_n} sessions held)", "KiB Pss/sess", False),
    ("memory_rss_kib_per_session", "  Rss per session", "KiB", False),
    ("memory_noop_ok", "  sessions answering NOOP 200", "sessions", False),
]


def fmt(v):
    if v is None:
        return "-"
    a = abs(v)
    if a >= 100:
        return "%.0f" % v
    if a >= 10:
        return "%.1f" % v
    if a >= 1:
        return "%.2f" % v
    return "%.3f" % v


def summary(vals):
    if not vals:
        return "-"
    if all(v == int(v) for v in vals):          # counts
        f = "%d"
        if len(vals) == 1:
            return f % vals[0]
        return "%d [%d-%d]" % (statistics.median_low(vals), min(vals), max(vals))
    if len(vals) == 1:
        return fmt(vals[0])
    return "%s [%s-%s]" % (fmt(statistics.median(vals)), fmt(min(vals)), fmt(max(vals)))


def cmd_report(args):
    path = args[0]
    rows = list(csv.DictReader(open(path)))
    params = {}
    data = collections.defaultdict(dict)     # (target, metric) -> {round: value}
    targets = []
    scale = []
    for r in rows:
        if r["target"] == "param":
            params[r["metric"]] = r["value"]
            continue
        if r["metric"].startswith("scale_"):
            scale.append(r)
            continue
        if r["metric"].startswith("ftps_"):
            continue  # measurement 7: bench/run prints its own lines
        if r["target"] not in targets:
            targets.append(r["target"])
        try:
            data[(r["target"], r["metric"])][r["round"]] = float(r["value"])
        except ValueError:
            pass
    order = [t for t in ("direct", "ftprelay") if t in targets] + \
            [t for t in targets if t not in ("direct", "ftprelay")]
    # Routed sessions: the million-entry map against the ten-entry one.
    routed = {}
    if "routed10" in targets and "routed1m" in targets:
        for metric in ("sessions_per_s", "memory_pss_kib_per_session"):
            a = data.get(("routed1m", metric), {})
            b = data.get(("routed10", metric), {})
            if metric == "sessions_per_s":
                routed[metric] = [a[k] / b[k] for k in a if k in b and b[k] > 0]
            else:
                routed[metric] = [a[k] - b[k] for k in a if k in b]
    cols = []
    for t in order:
        cols.append((t, None))
        if t == "ftprelay-pp2" and "ftprelay" in order:
            # the cost of the header: against ftprelay in the same round
            cols.append((t, "ftprelay"))
        elif t != "direct" and "direct" in order:
            cols.append((t, "direct"))
    def colname(t, b):
        if b is None:
            return t
        return "bound" if t == "floor" else "%s/%s" % (t, b)
    head = ["measurement", "unit"] + [colname(t, b) for t, b in cols]
    table = [head]
    for metric, label, unit, is_rate in METRICS:
        if not any((t, metric) in data for t in order):
            continue
        line = [label.format(**collections.defaultdict(str, params)), unit]
        for t, base in cols:
            if base is None:
                line.append(summary(list(data.get((t, metric), {}).values())))
            elif is_rate:
                num = data.get((t, metric), {})
                den = data.get((base, metric), {})
                if t == "floor":
                    # direct time / (direct time + floor time), from rates
                    ratios = [num[k] / (num[k] + den[k]) for k in num
                              if k in den and num[k] + den[k] > 0]
                else:
                    ratios = [num[k] / den[k] for k in num if k in den and den[k] > 0]
                line.append(summary(ratios))
            else:
                line.append("")
        table.append(line)
    widths = [max(len(r[i]) for r in table) for i in range(len(head))]
    print("ftprelay benchmark: median [min-max] over %s round(s); ratio = same-round quotient"
          % params.get("rounds", "?"))
    print("%s; %s cores; load average at start %s, at end %s; %s s"
          % (params.get("ftprelay_version", "?"), params.get("cores", "?"),
             params.get("load_start", "?"), params.get("load_end", "?"),
             params.get("duration_s", "?")))
    for i, r in enumerate(table):
        print("  ".join(c.ljust(widths[j]) if j < 2 else c.rjust(widths[j])
                        for j, c in enumerate(r)).rstrip())
        if i == 0:
            print("  ".join("-" * w for w in widths))
    if scale:
        print()
        print("scale (concurrent logged-in sessions, one client process, NOOP on each):")
        by = collections.OrderedDict()
        for r in scale:
            # one group per (target, round, session count); scale_target
            # is written first in each group
            if r["metric"] == "scale_target":
                key = (r["target"], r["round"], r["value"])
            by.setdefault(key, {})[r["metric"]] = r["value"]
        for (t, _rnd, _n), m in by.items():
            n = m.get("scale_target", "?")
            line = "  %-9s %5s sessions: logged in %s, NOOP 200 %s, login %ss" % (
                t, n, m.get("scale_logged_in", "?"), m.get("scale_noop_ok", "?"),
                m.get("scale_login_s", "?"))
            if "scale_pss_kib_per_session" in m:
                line += ", Pss %s KiB/sess" % fmt(float(m["scale_pss_kib_per_session"]))
            verdict = "PASS" if m.get("scale_noop_ok") == n else "FAIL"
            line += "  -> %s" % verdict
            if m.get("scale_why", "-") not in ("-", ""):
                line += " (%s)" % m["scale_why"]
            print(line)
        for t in order:
            passed = [int(m["scale_target"]) for (tt, _r, _n), m in by.items()
                      if tt == t and m.get("scale_noop_ok") == m.get("scale_target")]
            if any(key[0] == t for key in by):
                print("  %-9s largest passing: %s" % (t, max(passed) if passed else "none"))
    if routed:
        print()
        print("routed: ftprelay --route-map, anonymous routed by a text map of 10 entries\n"
              "  (routed10) and a compiled map of 1,000,000 (routed1m); no early connect.\n"
              "  routed1m/routed10 session rate %s (target 0.97-1.03), Pss difference\n"
              "  %s KiB per session (target within 8)."
              % (summary(routed.get("sessions_per_s", [])),
                 summary(routed.get("memory_pss_kib_per_session", []))))
    if "floor" in order:
        print()
        print("floor: bench/floor.c, an FTP responder that answers login, PWD and QUIT itself,\n"
              "  under the same launcher: one fork and exec per connection and four trivial\n"
              "  round trips.  bound = direct time / (direct time + floor time) per session:\n"
              "  the session ratio of a proxy that added nothing to a direct session but the\n"
              "  floor's own cost.")
    if "ftprelay-pp2" in order:
        print()
        print("ftprelay-pp2: ftprelay with --proxy-protocol-from 127.0.0.1, each session\n"
              "  beginning with a PROXY v2 header (as behind HAProxy's send-proxy-v2);\n"
              "  ftprelay-pp2/ftprelay = its session rate against ftprelay's, same round.")
    for k in ("skipped",):
        if k in params:
            print()
            print("skipped: %s" % params[k])


# ---------------------------------------------------------------------------
# sdreport: the table of bench/systemd-bench.
# ---------------------------------------------------------------------------
SD_COLS = [
    ("sessions_per_s", "sess/s"),
    ("cpu_ms", "CPU ms/sess"),
    ("host_cpu_ms", "host CPU ms"),
    ("pid1_ms", "PID 1 ms"),
    ("journald_ms", "journald ms"),
]


def cmd_sdreport(args):
    rows = list(csv.DictReader(open(args[0])))
    params = {}
    data = collections.defaultdict(dict)     # (target, metric) -> {round: v}
    exposure = {}
    targets = []
    for r in rows:
        if r["target"] == "param":
            params[r["metric"]] = r["value"]
            continue
        if r["metric"] == "exposure":
            exposure[r["target"]] = r["value"]
            continue
        if r["target"] not in targets:
            targets.append(r["target"])
        data[(r["target"], r["metric"])][r["round"]] = float(r["value"])
    ref = "socket-activate"
    head = ["target"] + [c[1] for c in SD_COLS] + ["x " + ref, "+CPU vs base", "exposure"]
    table = [head]
    for t in targets:
        line = [t]
        for metric, _label in SD_COLS:
            vals = list(data.get((t, metric), {}).values())
            line.append(summary(vals) if vals else "-")
        num = data.get((t, "sessions_per_s"), {})
        den = data.get((ref, "sessions_per_s"), {})
        ratios = [num[k] / den[k] for k in num if k in den and den[k] > 0]
        line.append(summary(ratios) if ratios else "-")
        # same-round difference of CPU per session against the bare service
        # ("s+NAME": against the bare service with a static user)
        base = "static" if t.startswith("s+") else "bare"
        mine = data.get((t, "cpu_ms"), {})
        bare = data.get((base, "cpu_ms"), {})
        diffs = [mine[k] - bare[k] for k in mine if k in bare]
        line.append(summary(diffs) if diffs and t != "bare" else "")
        line.append(exposure.get(t, ""))
        table.append(line)
    widths = [max(len(r[i]) for r in table) for i in range(len(head))]
    print("ftprelay under systemd in nspawn: %s sessions per target and round, "
          "median [min-max] over %s round(s)"
          % (params.get("sessions_n", "?"), params.get("rounds", "?")))
    print("%s; %s; %s cores; load average at start %s, at end %s; %s s"
          % (params.get("ftprelay_version", "?"), params.get("systemd", "?"),
             params.get("cores", "?"), params.get("load_start", "?"),
             params.get("load_end", "?"), params.get("duration_s", "?")))
    print("CPU = everything in the container (cgroup %s); host = /proc/stat, "
          "other users included" % params.get("cgroup", "?"))
    for i, r in enumerate(table):
        print("  ".join(c.ljust(widths[j]) if j == 0 else c.rjust(widths[j])
                        for j, c in enumerate(r)).rstrip())
        if i == 0:
            print("  ".join("-" * w for w in widths))


def main():
    if len(sys.argv) < 2:
        die("usage: ftpbench.py freeport|sessions|churn|hold|report|sdreport ...")
    cmds = {"freeport": cmd_freeport, "sessions": cmd_sessions, "churn": cmd_churn,
            "hold": cmd_hold, "report": cmd_report,
            "sdreport": cmd_sdreport}
    f = cmds.get(sys.argv[1])
    if f is None:
        die("unknown subcommand %s" % sys.argv[1])
    f(sys.argv[2:])


if __name__ == "__main__":
    main()
