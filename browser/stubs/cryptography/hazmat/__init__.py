"""Part of the browser edition's ``cryptography`` stand-in (see ``cryptography``)."""
