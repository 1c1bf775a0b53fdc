"""An access key pair, as boto3 and the ``aws`` command take it.

>>> Credentials("AKIAEXAMPLE", "secret").as_boto3()["aws_access_key_id"]
'AKIAEXAMPLE'
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["Credentials"]


@dataclass(frozen=True)
class Credentials:
    """An access key pair (and, for temporary credentials, a session token)."""

    access_key_id: str
    secret_access_key: str
    session_token: str | None = None

    def as_boto3(self) -> dict[str, str]:
        """Keyword arguments for ``boto3.client(...)`` / ``boto3.Session(...)``."""
        kwargs = {
            "aws_access_key_id": self.access_key_id,
            "aws_secret_access_key": self.secret_access_key,
        }
        if self.session_token:
            kwargs["aws_session_token"] = self.session_token
        return kwargs

    @classmethod
    def from_response(cls, data: dict[str, Any]) -> Credentials:
        """From ``create_access_key()['AccessKey']`` or ``get_session_token()['Credentials']``."""
        return cls(data["AccessKeyId"], data["SecretAccessKey"], data.get("SessionToken"))
