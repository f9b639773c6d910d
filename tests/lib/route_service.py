#!/usr/bin/python3
"""route_service: a --route-url lookup service (pftp's format) for tests.

Listens on ADDR:PORT (port 0: any free port), over https with --cert and
--key, prints "listening ADDR:PORT" (the real port), then "ready", then
one line "GET PATH" per request. ANSWERS is a JSON file mapping a request
path to [HTTP_STATUS, BODY] (BODY sent as is, with a Content-Length) or
to [HTTP_STATUS, BODY, "Location"] for a redirect; any other path gets
500. It is read at each request, so a test may change it.

With --hold, every connection is accepted and held open without a byte
(nor a TLS handshake): a service that answers nothing.

usage: route_service.py [--cert PEM --key PEM] [--hold] ADDR:PORT [ANSWERS]
"""

import argparse
import http.server
import json
import socket
import ssl
import sys


def parse(spec):
    host, _, port = spec.rpartition(":")
    if host.startswith("["):
        return socket.AF_INET6, host[1:-1], int(port)
    return socket.AF_INET, host, int(port)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--hold", action="store_true")
    ap.add_argument("listen")
    ap.add_argument("answers", nargs="?")
    args = ap.parse_args()
    family, host, port = parse(args.listen)

    if args.hold:
        s = socket.socket(family, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((host, port))
        s.listen(16)
        print("listening %s:%d" % (host, s.getsockname()[1]), flush=True)
        print("ready", flush=True)
        held = []
        while True:
            c, _ = s.accept()
            print("held", flush=True)
            held.append(c)

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):
            print("GET %s" % self.path, flush=True)
            with open(args.answers) as f:
                answers = json.load(f)
            a = answers.get(self.path, [500, "no such path"])
            body = a[1].encode()
            self.send_response(a[0])
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            if len(a) > 2:
                self.send_header("Location", a[2])
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *a):
            pass

    class Server(http.server.ThreadingHTTPServer):
        address_family = family
        daemon_threads = True

    srv = Server((host, port), Handler)
    if args.cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.cert, args.key)
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    print("listening %s:%d" % (host, srv.server_address[1]), flush=True)
    print("ready", flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
