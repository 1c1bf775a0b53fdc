"""Checks for the ``least-privilege`` exercise (chapter 05: only the keys they need).

The checks *try* each permission: they give the scribe and the knight a
temporary access key, attempt the actions signed as them, and delete the key.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import Assignment, Check
from ._account import TemporaryKey, allowed, user

if TYPE_CHECKING:
    from ..sandbox import Lab

LIBRARY, ARMORY = "castle-library", "castle-armory"


def _buckets_exist(lab: Lab) -> tuple[bool, str]:
    s3 = lab.client("s3", credentials=lab.auditor())
    names = {b["Name"] for b in s3.list_buckets()["Buckets"]}
    missing = {LIBRARY, ARMORY} - names
    return not missing, "both buckets exist" if not missing else "missing: " + ", ".join(sorted(missing))


def _probe(lab: Lab, name: str) -> dict[str, bool]:
    def read(bucket: str) -> Any:
        return lambda s: s.client("s3").list_objects_v2(Bucket=bucket)

    with TemporaryKey(lab, name) as keys:
        return {
            "read-library": allowed(lab, keys, read(LIBRARY)),
            "read-armory": allowed(lab, keys, read(ARMORY)),
            "write-library": allowed(lab, keys, lambda s: s.client("s3").put_object(
                Bucket=LIBRARY, Key=".labkit-probe", Body=b"probe")),
        }


def _cleanup_probe(lab: Lab) -> None:
    lab.client("s3", credentials=lab.auditor()).delete_object(Bucket=LIBRARY, Key=".labkit-probe")


def _expect(name: str, wanted: dict[str, bool]):  # noqa: ANN202 - returns a check function
    def test(lab: Lab) -> tuple[bool, str]:
        if user(lab, name) is None:
            return False, f"no user named {name}"
        ok, why = _buckets_exist(lab)
        if not ok:
            return False, why
        got = _probe(lab, name)
        _cleanup_probe(lab)
        wrong = [k for k, v in wanted.items() if got[k] != v]
        shown = ", ".join(f"{k}={'yes' if v else 'no'}" for k, v in got.items())
        return not wrong, shown

    return test


ASSIGNMENT = Assignment(
    id="least-privilege",
    title="Only the keys they need",
    scenario="new-account",
    checks=(
        Check("buckets", 1, f"The buckets {LIBRARY} and {ARMORY} exist",
              "aws s3 mb s3://castle-library (as root)", _buckets_exist),
        Check("scribe-reads-library", 3, "The scribe can read the library",
              "Allow s3:ListBucket and s3:GetObject on the library bucket and its objects",
              _expect("scribe", {"read-library": True})),
        Check("scribe-not-armory", 3, "The scribe can neither enter the armory nor write in the library",
              "Give the scribe only the library, read-only: no wildcards over all buckets",
              _expect("scribe", {"read-armory": False, "write-library": False})),
        Check("knight-armory-only", 3, "The knight can read the armory but not the library",
              "Allow the knight s3:ListBucket/s3:GetObject on the armory only",
              _expect("knight", {"read-armory": True, "read-library": False})),
    ),
)
