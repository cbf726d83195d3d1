"""Sender benchmark: one large send through ``PushSender`` to the local push service.

Only the push step of the dispatcher: ``--n`` devices (default 1,000) subscribed
at ``bench/receiver.py`` (its own process; answers 201, verifies VAPID and
decrypts a sample of the bodies), one check-in sized message each, sent with one
``send_many``. The baseline, on the same subscriptions in the same run, is a
plain ``pywebpush.webpush()`` loop; ``ratio`` is the sender's rate over the
baseline's.

    make bench-sender
    make bench-sender BENCH_ARGS="--n 5000"
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402, F401  (puts the checkout on sys.path)
from dispatch import Receiver, measure_baseline, new_vapid_pem, sample_payload  # noqa: E402

SUBJECT = "mailto:bench@example.org"


def measure_sender(
    subscriptions: list[dict], vapid_pem: str, host: str
) -> tuple[float, dict[str, int]]:
    """Messages per second of one ``send_many`` over every subscription, and its results."""
    from cryptography.hazmat.primitives import serialization

    from server.push.sender import PushMessage, PushSender, PushTarget
    from server.push.vapid import VapidSigner

    key = serialization.load_pem_private_key(vapid_pem.encode("ascii"), password=None)
    payload = sample_payload().encode("utf-8")
    messages = [
        PushMessage(
            PushTarget(index, item["endpoint"], item["p256dh"], item["auth"]),
            payload,
            3600,
            "normal",
            f"bench-{index}",
            index,
        )
        for index, item in enumerate(subscriptions)
    ]
    with PushSender(VapidSigner(key, SUBJECT), [host]) as sender:
        # Open the connection pool and sign the VAPID token before the clock runs,
        # as a scheduler that has been up for a while has them.
        sender.send_many(messages[:100])
        started = time.perf_counter()
        outcomes = sender.send_many(messages)
        elapsed = time.perf_counter() - started
    results: dict[str, int] = {}
    for outcome in outcomes:
        results[outcome.result] = results.get(outcome.result, 0) + 1
    return len(messages) / elapsed, results


def main(argv: list[str] | None = None) -> int:
    """Measure the baseline and the sender; print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=1_000, help="devices (default %(default)s)")
    parser.add_argument(
        "--sample-every",
        type=int,
        default=50,
        help="receiver decrypts and verifies every Nth body (default %(default)s)",
    )
    options = parser.parse_args(argv)

    receiver = Receiver(options.sample_every)
    try:
        with tempfile.TemporaryDirectory(prefix="tend-bench-") as directory:
            subscriptions = receiver.subscribe(options.n, directory)
        vapid_pem = new_vapid_pem()
        baseline = measure_baseline(subscriptions, vapid_pem, SUBJECT)
        rate, results = measure_sender(subscriptions, vapid_pem, receiver.host)
        stats = receiver.stats()
    finally:
        receiver.close()

    print(f"devices: {options.n}")
    print(f"baseline (pywebpush.webpush loop): {baseline:.0f} msg/s")
    summary = " ".join(f"{key}={value}" for key, value in sorted(results.items()))
    print(f"sender (one send_many): {rate:.0f} msg/s  {summary}")
    print(
        f"receiver: {stats['received']} requests, {stats['verified']} of {stats['checked']} "
        "sampled bodies decrypted and VAPID-verified"
    )
    for problem in stats["problems"]:
        print(f"  receiver problem: {problem}")
    print(f"ratio: {rate / baseline:.2f}")
    healthy = results == {"sent": options.n}
    return 0 if healthy and stats["checked"] and stats["verified"] == stats["checked"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
