"""Checks for the ``least-privilege`` exercise (chapter 05: only the keys they need).

The checks *try* each door. For the duration of a check they put a probe
object in each bucket, give the scribe (or the knight) a temporary access key,
attempt to list, read and write each bucket signed as them, and then delete
the key and the probe objects again, so the account is left as it was.

Entering a bucket means listing it **or** reading an object in it, so a policy
that grants ``s3:GetObject`` on every bucket is caught even without
``s3:ListBucket``.

Trying doors cannot find every extra key (``iam:*`` opens no bucket), so two more checks read
every policy that reaches the scribe and the knight — inline, attached, and through groups —
and name whatever they allow beyond the task: any action but ``s3:ListBucket`` on the room and
``s3:GetObject`` on its objects, any other resource, any wildcard, any ``NotAction``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from botocore.exceptions import ClientError

from ._account import TemporaryKey, allowed, beyond_the_task, granted_statements, in_words, s3, user
from .model import Assignment, Check

if TYPE_CHECKING:
    from ..sandbox import Lab

LIBRARY, ARMORY = "castle-library", "castle-armory"
PROBE = "labkit-check/probe.txt"  # put by the auditor, so reading has something to read
WRITE_PROBE = "labkit-check/written-by-user.txt"  # what the user tries to write

Probe = dict[str, bool]  # e.g. {"list castle-library": True, "get castle-armory": False, ...}


def _missing(lab: Lab) -> list[str]:
    """The castle buckets that do not exist."""
    names = {b["Name"] for b in s3(lab).list_buckets()["Buckets"]}
    return sorted({LIBRARY, ARMORY} - names)


def buckets_exist(lab: Lab) -> tuple[bool, str]:
    """Passes when both castle buckets exist and each holds something (a scroll, a sword)."""
    client = s3(lab)
    missing = _missing(lab)
    if missing:
        return False, "missing: " + ", ".join(missing)
    empty = [b for b in (LIBRARY, ARMORY)
             if not [o for o in client.list_objects_v2(Bucket=b).get("Contents", [])
                     if not o["Key"].startswith("labkit-check/")]]
    if empty:
        return False, f"empty: {', '.join(empty)} (put one object in each room)"
    return True, "both buckets exist, each with something in it"


def probe(lab: Lab, name: str) -> Probe:
    """Try list/get/put on both buckets signed as ``name``; leaves no key and no object behind."""
    auditor = s3(lab)
    for bucket in (LIBRARY, ARMORY):
        auditor.put_object(Bucket=bucket, Key=PROBE, Body=b"Checked by labkit; deleted at once.")
    try:
        with TemporaryKey(lab, name) as keys:
            tried: Probe = {}
            for bucket in (LIBRARY, ARMORY):
                tried[f"list {bucket}"] = allowed(lab, keys, "s3", "list_objects_v2", Bucket=bucket)
                tried[f"get {bucket}"] = allowed(lab, keys, "s3", "get_object", Bucket=bucket, Key=PROBE)
                tried[f"put {bucket}"] = allowed(lab, keys, "s3", "put_object", Bucket=bucket,
                                                 Key=WRITE_PROBE, Body=b"probe")
            return tried
    finally:
        for bucket in (LIBRARY, ARMORY):
            for key in (PROBE, WRITE_PROBE):
                try:
                    auditor.delete_object(Bucket=bucket, Key=key)
                except ClientError:
                    pass


def probe_bucket(lab: Lab, name: str, bucket: str) -> dict[str, bool]:
    """Try list, get and put on one ``bucket`` signed as ``name`` (``{"list": True, ...}``);
    leaves no key and no object behind."""
    auditor = s3(lab)
    auditor.put_object(Bucket=bucket, Key=PROBE, Body=b"Checked by labkit; deleted at once.")
    try:
        with TemporaryKey(lab, name) as keys:
            return {"list": allowed(lab, keys, "s3", "list_objects_v2", Bucket=bucket),
                    "get": allowed(lab, keys, "s3", "get_object", Bucket=bucket, Key=PROBE),
                    "put": allowed(lab, keys, "s3", "put_object", Bucket=bucket, Key=WRITE_PROBE,
                                   Body=b"probe")}
    finally:
        for key in (PROBE, WRITE_PROBE):
            try:
                auditor.delete_object(Bucket=bucket, Key=key)
            except ClientError:
                pass


def _expect(name: str, must: tuple[str, ...] = (), must_not: tuple[str, ...] = ()):  # noqa: ANN202
    """A check that passes when ``name`` may do every action in ``must`` and none in ``must_not``."""
    def test(lab: Lab) -> tuple[bool, str]:
        if user(lab, name) is None:
            return False, f"no user named {name}"
        missing_buckets = _missing(lab)
        if missing_buckets:
            return False, "missing: " + ", ".join(missing_buckets)
        got = probe(lab, name)
        missing = [a for a in must if not got[a]]
        extra = [a for a in must_not if got[a]]
        if not missing and not extra:
            shown = [f"{a} allowed" for a in must] + [f"{a} denied" for a in must_not]
            return True, f"{name}: " + ", ".join(shown)
        parts = ([f"denied: {', '.join(missing)}"] if missing else []) + (
            [f"allowed but should not be: {', '.join(extra)}"] if extra else [])
        return False, f"{name}: " + "; ".join(parts)

    return test


def _nothing_more(name: str, bucket: str):  # noqa: ANN202
    """A check that passes when the policies reaching ``name`` allow only reading ``bucket``."""
    needed = {"s3:ListBucket": (f"arn:aws:s3:::{bucket}",), "s3:GetObject": (f"arn:aws:s3:::{bucket}/*",)}

    def test(lab: Lab) -> tuple[bool, str]:
        if user(lab, name) is None:
            return False, f"no user named {name}"
        extra = beyond_the_task(granted_statements(lab, name), needed)
        if extra:
            return False, f"the {name} can also do {in_words(extra)}: that is more than the task needs"
        return True, f"the {name}'s policies allow reading {bucket} and nothing else"

    return test


ASSIGNMENT = Assignment(
    id="least-privilege",
    title="Only the keys they need",
    scenario="new-account",
    checks=(
        Check("buckets", 1, f"The buckets {LIBRARY} and {ARMORY} exist, each with an object in it",
              "As root: aws s3 mb s3://<bucket-name>, then put an object in each (s3.put_object)",
              buckets_exist),
        Check("scribe-reads-library", 3, "The scribe can list the library and read its scrolls",
              "s3:ListBucket applies to the bucket ARN, s3:GetObject to the objects in it (bucket/*)",
              _expect("scribe", must=(f"list {LIBRARY}", f"get {LIBRARY}"))),
        Check("scribe-not-armory", 3, "The scribe can neither enter the armory nor write anywhere",
              "Name the library in every Resource of the scribe's policy, and grant no s3:PutObject "
              "(no '*' over all buckets or actions)",
              _expect("scribe", must_not=(f"list {ARMORY}", f"get {ARMORY}", f"put {ARMORY}",
                                          f"put {LIBRARY}"))),
        Check("knight-armory-only", 3, "The knight can read the armory and cannot enter the library",
              "The knight needs the same two read actions as the scribe, on the armory's ARNs only",
              _expect("knight", must=(f"list {ARMORY}", f"get {ARMORY}"),
                      must_not=(f"list {LIBRARY}", f"get {LIBRARY}", f"put {LIBRARY}"))),
        Check("scribe-nothing-more", 2, "The scribe's policies allow nothing beyond reading the library",
              "Remove every action and resource the task does not name: no wildcards, no IAM, no "
              "other bucket (look at every policy that reaches the scribe, groups included)",
              _nothing_more("scribe", LIBRARY)),
        Check("knight-nothing-more", 2, "The knight's policies allow nothing beyond reading the armory",
              "Remove every action and resource the task does not name: no wildcards, no IAM, no "
              "other bucket (look at every policy that reaches the knight, groups included)",
              _nothing_more("knight", ARMORY)),
    ),
)
