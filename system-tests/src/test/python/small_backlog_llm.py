"""An LLM stand-in as small as they come: Python's http.server, listen backlog 5.

llama.cpp's HTTP library also listens with a backlog of 5 by default. Serves GET /v1/models and
POST /v1/chat/completions (streamed: CHUNKS SSE chunks DELAY seconds apart, "tok<n> " each, then
[DONE]; not streamed: one JSON answer). Prints "port <n>" once it listens; BurstIT runs it.
Usage: python3 small_backlog_llm.py [--chunks N] [--delay SECONDS]
"""
import argparse
import json
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Server(ThreadingHTTPServer):
    request_queue_size = 5  # the listen backlog: socketserver's default, spelled out
    daemon_threads = True


class Handler(BaseHTTPRequestHandler):
    chunks = 5
    delay = 0.05

    def log_message(self, fmt, *args):  # one line per request on stderr is noise at 200 at once
        pass

    def do_GET(self):
        if self.path.rstrip("/") != "/v1/models":
            self.send_error(404)
            return
        self.answer_json({"object": "list", "data": [{"id": "small-model", "object": "model"}]})

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = json.loads(self.rfile.read(length) or b"{}")
        if self.path != "/v1/chat/completions":
            self.send_error(404)
            return
        if not body.get("stream"):
            text = "".join("tok%d " % i for i in range(self.chunks))
            message = {"role": "assistant", "content": text}
            self.answer_json({"object": "chat.completion",
                              "choices": [{"index": 0, "message": message}]})
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        for i in range(self.chunks):
            chunk = {"object": "chat.completion.chunk",
                     "choices": [{"index": 0, "delta": {"content": "tok%d " % i}}]}
            self.wfile.write(("data: %s\n\n" % json.dumps(chunk)).encode())
            self.wfile.flush()
            time.sleep(self.delay)
        self.wfile.write(b"data: [DONE]\n\n")
        self.wfile.flush()

    def answer_json(self, value):
        data = json.dumps(value).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--chunks", type=int, default=5)
    parser.add_argument("--delay", type=float, default=0.05)
    args = parser.parse_args()
    Handler.chunks = args.chunks
    Handler.delay = args.delay
    server = Server(("127.0.0.1", 0), Handler)
    print("port %d" % server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
