"""A stand-in SMS gateway for bench/sms.sh: answers every POST after GATEWAY_MS
milliseconds (a real gateway's answer time), counts what it received, and tells the
count and the time of the last message at GET /count. Loopback only."""
import json
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DELAY = float(os.environ.get("GATEWAY_MS", "30")) / 1000
lock = threading.Lock()
state = {"count": 0, "last": 0.0}


class Gateway(BaseHTTPRequestHandler):
    # Keep-alive, as a gateway's HTTP/1.1 endpoint would.
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        self.rfile.read(int(self.headers.get("content-length", 0)))
        time.sleep(DELAY)
        with lock:
            state["count"] += 1
            state["last"] = time.time()
        self.send_response(200)
        self.send_header("content-length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def do_GET(self):
        with lock:
            body = json.dumps(state).encode()
        self.send_response(200)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class Server(ThreadingHTTPServer):
    daemon_threads = True
    # The default backlog of 5 drops concurrent connects (retried after a second).
    request_queue_size = 256


Server(("127.0.0.1", int(sys.argv[1])), Gateway).serve_forever()
