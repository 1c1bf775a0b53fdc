"""RS256 in pure Python (what the sandbox's CI issuer and passkeys use) next to the
``cryptography`` package (OpenSSL), measured side by side in one run.

The browser edition cannot load ``cryptography``, so labkit signs with Python integers
(:mod:`labkit.realism.rs256`). This shows what that costs: key generation happens once per
sandbox process (the CI issuer's 2048-bit key) or once per simulated security key (1024
bits); signing happens once per token, verifying once per ``assume-role-with-web-identity``.

Run: ``.venv/bin/python benchmarks/bench_rs256.py [--rounds N]``. Nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable

from labkit.realism.rs256 import PublicKey, RSAKey


def _median_ms(fn: Callable[[], object], rounds: int) -> float:
    samples = []
    for _ in range(rounds):
        t = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t) * 1000)
    return statistics.median(samples)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding, rsa

    message = b"header.payload" * 20
    ours = RSAKey.generate(2048)
    theirs = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    numbers = theirs.private_numbers()
    signature = ours.sign(message)
    their_signature = theirs.sign(message, padding.PKCS1v15(), hashes.SHA256())
    rows = [
        ("key pair, 2048 bits (ms)",
         _median_ms(lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048), args.rounds),
         _median_ms(lambda: RSAKey.generate(2048), args.rounds)),
        ("key pair, 1024 bits (ms)",
         _median_ms(lambda: rsa.generate_private_key(public_exponent=65537, key_size=1024), args.rounds),
         _median_ms(lambda: RSAKey.generate(1024), args.rounds)),
        ("sign, 2048 bits (ms)",
         _median_ms(lambda: theirs.sign(message, padding.PKCS1v15(), hashes.SHA256()), args.rounds * 10),
         _median_ms(lambda: ours.sign(message), args.rounds * 10)),
        ("verify, 2048 bits (ms)",
         _median_ms(lambda: theirs.public_key().verify(their_signature, message, padding.PKCS1v15(),
                                                       hashes.SHA256()), args.rounds * 10),
         _median_ms(lambda: ours.public().verify(message, signature), args.rounds * 10)),
    ]
    # the two implementations agree: OpenSSL's signature verifies with our code
    public = PublicKey(numbers.public_numbers.n, numbers.public_numbers.e)
    assert public.verify(message, theirs.sign(message, padding.PKCS1v15(), hashes.SHA256()))
    head = f"median of {args.rounds} rounds"
    print(f"{head:32} {'cryptography':>14} {'pure Python':>14} {'ratio':>8}")
    for name, plain, mine in rows:
        print(f"{name:32} {plain:14.2f} {mine:14.2f} {mine / plain:8.1f}")
    if args.json:
        print(json.dumps(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
