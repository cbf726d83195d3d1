"""Sender benchmark: one large send through ``PushSender`` to the local push service.

Only the push step of the dispatcher: ``--n`` devices (default 1,000) subscribed
at ``bench/receiver.py`` (its own process; answers 201, verifies VAPID and
decrypts a sample of the bodies), one check-in sized message each, sent with one
``send_many`` — once encrypted in place and once with helper processes
(``--processes``, default what ``TEND_PUSH_PROCESSES`` defaults to). The baseline,
on the same subscriptions in the same run, is a plain ``pywebpush.webpush()``
loop; each ``ratio`` is a sender's rate over the baseline's.

    make bench-sender
    make bench-sender BENCH_ARGS="--n 5000 --processes 2"
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


def measure_sender(subscriptions: list[dict], vapid_pem: str, host: str,
                   processes: int) -> tuple[float, dict[str, int]]:
    """Messages per second of one ``send_many`` over every subscription, and its results."""
    from cryptography.hazmat.primitives import serialization

    from server.push.sender import PushMessage, PushSender, PushTarget
    from server.push.vapid import VapidSigner

    key = serialization.load_pem_private_key(vapid_pem.encode("ascii"), password=None)
    payload = sample_payload().encode("utf-8")
    messages = [PushMessage(PushTarget(index, item["endpoint"], item["p256dh"], item["auth"]),
                            payload, 3600, "normal", f"bench-{index}", index)
                for index, item in enumerate(subscriptions)]
    with PushSender(VapidSigner(key, SUBJECT), [host], encrypt_processes=processes) as sender:
        # Start the helpers (if any) and the connection pool before the clock runs,
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
    """Measure the baseline and the sender with and without helpers; print the figures."""
    from server.config import default_push_processes

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=1_000, help="devices (default %(default)s)")
    parser.add_argument("--processes", type=int, default=max(1, default_push_processes()),
                        help="helper processes for the second run (default %(default)s)")
    parser.add_argument("--sample-every", type=int, default=50,
                        help="receiver decrypts and verifies every Nth body (default %(default)s)")
    options = parser.parse_args(argv)
    from server.push.sender import POOL_THRESHOLD

    if options.n < POOL_THRESHOLD:
        parser.error(f"--n must be at least {POOL_THRESHOLD}: smaller sends never use helpers")

    receiver = Receiver(options.sample_every)
    try:
        with tempfile.TemporaryDirectory(prefix="tend-bench-") as directory:
            subscriptions = receiver.subscribe(options.n, directory)
        vapid_pem = new_vapid_pem()
        baseline = measure_baseline(subscriptions, vapid_pem, SUBJECT)
        runs = [(processes, *measure_sender(subscriptions, vapid_pem, receiver.host, processes))
                for processes in (0, options.processes)]
        stats = receiver.stats()
    finally:
        receiver.close()

    print(f"devices: {options.n}")
    print(f"baseline (pywebpush.webpush loop): {baseline:.0f} msg/s")
    healthy = True
    for processes, rate, results in runs:
        where = "in place" if processes == 0 else f"{processes} helper process(es)"
        summary = " ".join(f"{key}={value}" for key, value in sorted(results.items()))
        print(f"sender, encrypting {where}: {rate:.0f} msg/s  {summary}  "
              f"ratio: {rate / baseline:.2f}")
        healthy = healthy and results == {"sent": options.n}
    print(f"receiver: {stats['received']} requests, {stats['verified']} of {stats['checked']} "
          "sampled bodies decrypted and VAPID-verified")
    for problem in stats["problems"]:
        print(f"  receiver problem: {problem}")
    return 0 if healthy and stats["checked"] and stats["verified"] == stats["checked"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
