"""The least-privilege exercise (chapter 05): the right answer, and what a learner plausibly does instead."""

from __future__ import annotations

import json

import labkit

from . import WrongAnswer
from .common import policy, read_only

LIBRARY, ARMORY = "castle-library", "castle-armory"


def solve(lab: labkit.Lab, scribe: str | None = None, knight: str | None = None,
          buckets: tuple[str, ...] = (LIBRARY, ARMORY), filled: bool = True) -> None:
    """Buckets with a scroll and a sword, the scribe and the knight with their policies."""
    iam, s3 = lab.client("iam"), lab.client("s3")
    for bucket in buckets:
        s3.create_bucket(Bucket=bucket)
        if filled:
            s3.put_object(Bucket=bucket, Key="inside.txt", Body=b"castle")
    for name, document in (("scribe", scribe or read_only(LIBRARY)), ("knight", knight or read_only(ARMORY))):
        iam.create_user(UserName=name)
        iam.put_user_policy(UserName=name, PolicyName="keys", PolicyDocument=document)


def _knight_plus_iam(lab: labkit.Lab) -> None:
    """The issue's case: s3:* on the armory plus iam:* on * scored 10/10."""
    solve(lab, knight=policy(("s3:*", f"arn:aws:s3:::{ARMORY}"), ("s3:*", f"arn:aws:s3:::{ARMORY}/*"),
                             ("iam:*", "*")))


def _scribe_in_admin_group(lab: labkit.Lab) -> None:
    solve(lab)
    iam = lab.client("iam")
    iam.create_group(GroupName="clerks")
    iam.attach_group_policy(GroupName="clerks", PolicyArn="arn:aws:iam::aws:policy/IAMFullAccess")
    iam.add_user_to_group(GroupName="clerks", UserName="scribe")


def _not_action(lab: labkit.Lab) -> None:
    doc = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "NotAction": "s3:PutObject", "Resource": f"arn:aws:s3:::{ARMORY}"},
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{ARMORY}/*"}]})
    solve(lab, knight=doc)


WRONG = [
    WrongAnswer("knight-s3-star-plus-iam", "the knight gets s3:* on the armory and iam:* on *",
                _knight_plus_iam, {"knight-nothing-more": "iam:* on * (inline policy keys)"}),
    WrongAnswer("scribe-reads-every-bucket",
                "GetObject on * for the scribe (the wildcard chapter 05 warns of)",
                lambda lab: solve(lab, scribe=read_only(LIBRARY).replace(f"arn:aws:s3:::{LIBRARY}/*", "*")),
                {"scribe-not-armory": "get castle-armory", "scribe-nothing-more": "s3:GetObject on *"}),
    WrongAnswer("scribe-may-write", "the scribe gets s3:PutObject too (\"to keep the scrolls up to date\")",
                lambda lab: solve(lab, scribe=policy(("s3:ListBucket", f"arn:aws:s3:::{LIBRARY}"),
                                                     ("s3:GetObject", f"arn:aws:s3:::{LIBRARY}/*"),
                                                     ("s3:PutObject", f"arn:aws:s3:::{LIBRARY}/*"))),
                {"scribe-not-armory": "put castle-library", "scribe-nothing-more": "s3:PutObject"}),
    WrongAnswer("bucket-arn-for-objects", "GetObject on the bucket ARN instead of bucket/* (reading fails)",
                lambda lab: solve(lab, scribe=policy(("s3:ListBucket", f"arn:aws:s3:::{LIBRARY}"),
                                                     ("s3:GetObject", f"arn:aws:s3:::{LIBRARY}"))),
                {"scribe-reads-library": "denied: get castle-library"}),
    WrongAnswer("knight-swapped-rooms", "the knight given the library's keys",
                lambda lab: solve(lab, knight=read_only(LIBRARY)),
                {"knight-armory-only": "allowed but should not be: list castle-library",
                 "knight-nothing-more": "castle-library"}),
    WrongAnswer("prefix-wildcard", "Resource castle-* (every castle bucket, present and future)",
                lambda lab: solve(lab, knight=policy(("s3:ListBucket", "arn:aws:s3:::castle-*"),
                                                     ("s3:GetObject", "arn:aws:s3:::castle-*/*"))),
                {"knight-nothing-more": "arn:aws:s3:::castle-*"}),
    WrongAnswer("scribe-iam-through-group", "the scribe also in a group with IAMFullAccess",
                _scribe_in_admin_group, {"scribe-nothing-more": "group clerks's policy IAMFullAccess"}),
    WrongAnswer("not-action", "an Allow with NotAction (allows everything but writing)",
                _not_action, {"knight-nothing-more": "every action except s3:PutObject"}),
    WrongAnswer("one-bucket-missing", "partial work: the armory never built",
                lambda lab: solve(lab, buckets=(LIBRARY,)), {"buckets": "missing: castle-armory"}),
    WrongAnswer("empty-rooms", "partial work: the buckets made, nothing put in them",
                lambda lab: solve(lab, filled=False), {"buckets": "empty: castle-library, castle-armory"}),
]
