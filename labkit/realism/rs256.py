"""RS256 JSON Web Tokens in pure Python (no ``cryptography`` package).

The course also runs in the browser (Pyodide), where the ``cryptography`` package is not
available, so the simulated CI service signs its tokens with textbook RSA written with
Python's own big integers: RSASSA-PKCS1-v1_5 with SHA-256 (RFC 8017 section 8.2), the
algorithm a JWT names ``RS256`` (RFC 7518 section 3.3). Keys are made fresh for each
sandbox process (Miller-Rabin primes), never stored, so no private key ships with labkit.

This is for a teaching sandbox: it is correct RSA, but not hardened (no constant-time
arithmetic, no blinding). Never use it to protect anything real.

>>> key = RSAKey.generate(bits=1024)
>>> token = encode_jwt({"sub": "repo:castle-co/app:ref:refs/heads/main"}, key, kid="demo")
>>> decode_jwt(token, {"demo": key.public()})["sub"]
'repo:castle-co/app:ref:refs/heads/main'
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from dataclasses import dataclass
from typing import Any

__all__ = ["RSAKey", "PublicKey", "encode_jwt", "decode_jwt", "decode_claims_unverified", "as_list",
           "JWTError", "b64url", "unb64url"]

_SMALL_PRIMES = [p for p in range(3, 2000, 2) if all(p % d for d in range(3, int(p ** 0.5) + 1, 2))]
# DER prefix of a SHA-256 DigestInfo (RFC 8017 section 9.2, note 1).
_SHA256_PREFIX = bytes.fromhex("3031300d060960864801650304020105000420")


class JWTError(ValueError):
    """A token that is malformed, signed with another key, or not RS256."""


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _probably_prime(n: int, rounds: int = 24) -> bool:
    if n < 2:
        return False
    for p in _SMALL_PRIMES:
        if n % p == 0:
            return n == p
    d, s = n - 1, 0
    while d % 2 == 0:
        d, s = d // 2, s + 1
    for _ in range(rounds):
        a = secrets.randbelow(n - 3) + 2
        x = pow(a, d, n)
        if x in (1, n - 1):
            continue
        for _ in range(s - 1):
            x = pow(x, 2, n)
            if x == n - 1:
                break
        else:
            return False
    return True


def _prime(bits: int, e: int) -> int:
    while True:
        candidate = secrets.randbits(bits) | (1 << (bits - 1)) | (1 << (bits - 2)) | 1
        if _probably_prime(candidate) and (candidate - 1) % e:
            return candidate


@dataclass(frozen=True)
class PublicKey:
    """An RSA public key ``(n, e)``; :meth:`jwk` gives it as a JSON Web Key."""

    n: int
    e: int

    @property
    def size(self) -> int:
        return (self.n.bit_length() + 7) // 8

    def verify(self, message: bytes, signature: bytes) -> bool:
        """True if ``signature`` is this key's RSASSA-PKCS1-v1_5 SHA-256 signature of ``message``."""
        if len(signature) != self.size:
            return False
        m = pow(int.from_bytes(signature, "big"), self.e, self.n)
        return secrets.compare_digest(m.to_bytes(self.size, "big"), _encoded(message, self.size))

    def jwk(self, kid: str) -> dict[str, str]:
        def raw(i: int) -> str:
            return b64url(i.to_bytes((i.bit_length() + 7) // 8, "big"))

        return {"kty": "RSA", "alg": "RS256", "use": "sig", "kid": kid, "n": raw(self.n), "e": raw(self.e)}


def _encoded(message: bytes, size: int) -> bytes:
    """EMSA-PKCS1-v1_5 encoding of SHA-256(message) to ``size`` bytes."""
    digest = _SHA256_PREFIX + hashlib.sha256(message).digest()
    return b"\x00\x01" + b"\xff" * (size - len(digest) - 3) + b"\x00" + digest


@dataclass(frozen=True)
class RSAKey:
    """An RSA key pair (private exponent ``d``)."""

    n: int
    e: int
    d: int
    p: int = 0  # the primes, when known, make signing ~3x faster (Chinese remainder theorem)
    q: int = 0

    @classmethod
    def generate(cls, bits: int = 2048, e: int = 65537) -> RSAKey:
        """A fresh key pair (2048 bits: about a second in CPython)."""
        while True:
            p, q = _prime(bits // 2, e), _prime(bits - bits // 2, e)
            n = p * q
            if p != q and n.bit_length() == bits:
                return cls(n, e, pow(e, -1, (p - 1) * (q - 1)), p, q)

    def public(self) -> PublicKey:
        return PublicKey(self.n, self.e)

    def sign(self, message: bytes) -> bytes:
        size = (self.n.bit_length() + 7) // 8
        m = int.from_bytes(_encoded(message, size), "big")
        if not (self.p and self.q):
            return pow(m, self.d, self.n).to_bytes(size, "big")
        m1 = pow(m, self.d % (self.p - 1), self.p)
        m2 = pow(m, self.d % (self.q - 1), self.q)
        h = (pow(self.q, -1, self.p) * (m1 - m2)) % self.p
        return (m2 + h * self.q).to_bytes(size, "big")


def encode_jwt(claims: dict[str, Any], key: RSAKey, kid: str) -> str:
    """A signed JWT (``header.payload.signature``) carrying ``claims``."""
    header = b64url(json.dumps({"typ": "JWT", "alg": "RS256", "kid": kid}, separators=(",", ":")).encode())
    payload = b64url(json.dumps(claims, separators=(",", ":")).encode())
    signature = key.sign(f"{header}.{payload}".encode())
    return f"{header}.{payload}.{b64url(signature)}"


def as_list(value: Any) -> list[str]:
    """A claim that may be a string or a list of strings (``aud``), as a list."""
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def decode_claims_unverified(token: str) -> dict[str, Any]:
    """The claims of ``token`` WITHOUT checking its signature (to find its issuer first)."""
    parts = token.strip().split(".")
    if len(parts) != 3:
        raise JWTError("not a JWT (three dot-separated parts expected)")
    try:
        claims = json.loads(unb64url(parts[1]))
    except ValueError as exc:
        raise JWTError(f"malformed JWT: {exc}") from None
    if not isinstance(claims, dict):
        raise JWTError("malformed JWT")
    return claims


def decode_jwt(token: str, keys: dict[str, PublicKey]) -> dict[str, Any]:
    """The claims of ``token`` once its RS256 signature checks out against ``keys[kid]``.

    Raises :class:`JWTError` otherwise. Expiry and audience are the caller's to check.
    """
    parts = token.strip().split(".")
    if len(parts) != 3:
        raise JWTError("not a JWT (three dot-separated parts expected)")
    try:
        header = json.loads(unb64url(parts[0]))
        claims = json.loads(unb64url(parts[1]))
        signature = unb64url(parts[2])
    except ValueError as exc:
        raise JWTError(f"malformed JWT: {exc}") from None
    if not isinstance(header, dict) or not isinstance(claims, dict):
        raise JWTError("malformed JWT")
    if header.get("alg") != "RS256":
        raise JWTError(f"unsupported algorithm {header.get('alg')!r}")
    key = keys.get(str(header.get("kid")))
    if key is None or not key.verify(f"{parts[0]}.{parts[1]}".encode(), signature):
        raise JWTError("signature does not verify")
    return claims
