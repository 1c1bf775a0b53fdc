"""``load_pem_x509_certificate``: the PEM framing check moto's IAM needs (see the package docstring)."""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any

__all__ = ["Certificate", "load_pem_x509_certificate"]

_PEM = re.compile(rb"^\s*-----BEGIN CERTIFICATE-----\s*\n([A-Za-z0-9+/=\s]+?)\n?"
                  rb"-----END CERTIFICATE-----\s*$")


class Certificate:
    """The DER bytes of a certificate whose PEM framing was valid (not parsed further)."""

    def __init__(self, der: bytes) -> None:
        self.der = der


def load_pem_x509_certificate(data: bytes, backend: Any = None) -> Certificate:
    """Refuse ``data`` unless it is one PEM certificate block holding a DER SEQUENCE."""
    match = _PEM.match(data)
    if not match:
        raise ValueError("Unable to load PEM file: not a single CERTIFICATE block")
    try:
        der = base64.b64decode(b"".join(match.group(1).split()), validate=True)
    except binascii.Error as err:
        raise ValueError(f"Unable to load PEM file: {err}") from None
    if len(der) < 2 or der[0] != 0x30:  # an X.509 certificate is an ASN.1 SEQUENCE
        raise ValueError("Unable to load PEM file: the block does not hold a DER certificate")
    return Certificate(der)
