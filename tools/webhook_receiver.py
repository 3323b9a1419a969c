"""``python -m tools.webhook_receiver --secret whsec_...``: a local endpoint for trying webhooks.

Listens on 127.0.0.1 (port 9000 unless told), verifies each delivery with the Standard
Webhooks reference library, as a real receiver should, and prints one line per delivery:
its type and id when the signature holds (answer 204), the reason when it does not
(answer 401, which the factory retries). `--fail` answers 500 to everything, to watch the
retries and the deliveries' record.
"""

from __future__ import annotations

import argparse
import json
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks import Webhook, WebhookVerificationError


def _handler(webhook: Webhook, fail: bool) -> type[BaseHTTPRequestHandler]:
    class Receiver(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            try:
                event = webhook.verify(body, dict(self.headers.items()))
            except WebhookVerificationError as exc:
                print(f"refused: {exc}", flush=True)
                self.send_response(401)
            else:
                line = {"id": self.headers["webhook-id"], "type": event["type"]}
                print(json.dumps(line), flush=True)
                self.send_response(500 if fail else 204)
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass  # one line per delivery, printed above

    return Receiver


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m tools.webhook_receiver", description=__doc__)
    parser.add_argument("--secret", required=True, help="whsec_...: as POST /webhooks showed")
    parser.add_argument("--port", type=int, default=9000)
    parser.add_argument("--fail", action="store_true", help="answer 500 after verifying")
    args = parser.parse_args(argv)
    handler = _handler(Webhook(args.secret), args.fail)
    server = ThreadingHTTPServer(("127.0.0.1", args.port), handler)
    print(f"receiving on http://127.0.0.1:{args.port}/ (Ctrl+C to stop)", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
