"""The benchmark's push service: ``tests.push_receiver.PushReceiver`` in a process of its own.

Run in its own process so that answering, VAPID checking and decrypting do not
share the GIL with the dispatcher being measured. It talks to the benchmark
over stdin/stdout, one line per command:

* ``subscribe <count> <file>`` — issue ``count`` subscriptions (real P-256 keys)
  and write them to ``file`` as JSON lines ``{"endpoint", "p256dh", "auth"}``;
  answers ``ok``.
* ``stats`` — answers one JSON line: requests received, bodies checked,
  bodies verified (VAPID signature valid and body decrypted to JSON) and the
  first few problems seen.
* end of input — stop.

On start it prints ``port <number>``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from tls import server_context  # noqa: E402

from tests.push_receiver import PushReceiver  # noqa: E402


def write_subscriptions(receiver: PushReceiver, count: int, path: str) -> None:
    """Issue ``count`` subscriptions and store what a browser would hand the server."""
    with open(path, "w", encoding="utf-8") as handle:
        for _ in range(count):
            subscription = receiver.make_subscription()
            record = {
                "endpoint": subscription.endpoint,
                "p256dh": subscription.p256dh,
                "auth": subscription.auth,
            }
            handle.write(json.dumps(record) + "\n")


def stats_of(receiver: PushReceiver) -> dict:
    """What the receiver has seen so far."""
    checked = list(receiver.received)
    problems = [problem for record in checked for problem in record.problems]
    return {
        "received": receiver.count,
        "checked": len(checked),
        "verified": sum(1 for record in checked if record.verified),
        "problems": problems[:5],
    }


def serve(sample_every: int, tls=None) -> None:
    """Answer commands until stdin closes."""
    with PushReceiver(sample_every=sample_every, tls=tls) as receiver:
        print(f"port {receiver.port}", flush=True)
        for line in sys.stdin:
            command, *args = line.split()
            if command == "subscribe":
                write_subscriptions(receiver, int(args[0]), args[1])
                print("ok", flush=True)
            elif command == "stats":
                print(json.dumps(stats_of(receiver)), flush=True)
            else:
                print(json.dumps({"error": f"unknown command {command!r}"}), flush=True)


def main() -> None:
    """Parse options and serve."""
    parser = argparse.ArgumentParser(description="Local push service for the benchmarks.")
    parser.add_argument(
        "--sample-every",
        type=int,
        default=100,
        help="check and decrypt every Nth request (default %(default)s)",
    )
    parser.add_argument("--tls-cert", help="serve HTTPS with this certificate (PEM)")
    parser.add_argument("--tls-key", help="and this key")
    options = parser.parse_args()
    tls = server_context(options.tls_cert, options.tls_key) if options.tls_cert else None
    serve(options.sample_every, tls)


if __name__ == "__main__":
    main()
