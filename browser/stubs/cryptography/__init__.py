"""Stand-in for ``cryptography`` in the browser edition of IAM castle (never installed elsewhere).

``cryptography`` is compiled code with no WebAssembly build on PyPI, and moto imports it
when its IAM emulation loads, for one operation only: checking the certificate given to
``upload-signing-certificate``. This stand-in gives moto the two names it imports.
:func:`cryptography.x509.load_pem_x509_certificate` checks that the text is one PEM
``CERTIFICATE`` block holding a DER sequence -- a malformed text is refused, as in
AWS -- but does not parse the certificate. Listed in the course's docs/differences.md.
"""

__version__ = "0+iam-castle-browser-stub"
