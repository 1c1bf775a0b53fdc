"""A CIS-style security scorecard of the sandbox account.

Seven checks from the CIS AWS Foundations Benchmark **v7.0.0**, section 2
("Identity and Access Management"), with each one's profile level (1 or 2). Each
reads the account through the AWS API, as an auditor could, and says why it
passed or failed::

    from labkit.checks.scorecard import scorecard
    scorecard(lab)              # shows a pass/fail table in the notebook

===========================  ===============================================
check                        passes when
===========================  ===============================================
root-mfa                     the root user has an MFA device (CIS 2.5, level 1)
root-hardware-mfa            root's MFA is a hardware device or security key, not
                             a virtual (app) device (CIS 2.6, level 2)
no-root-access-keys          the root user has no access keys (CIS 2.4, level 1)
root-not-used                root is not used for daily work: in the activity log
                             (CloudTrail), once an administrator took over, root
                             only looked after its own credentials (CIS 2.7, level 1;
                             see :mod:`labkit.checks.root_activity`)
password-length              password policy demands 14+ characters (CIS 2.8, level 1)
password-reuse               password policy prevents reusing the last 24 (CIS 2.9, level 1)
console-users-mfa            every user with a console password has MFA (CIS 2.10, level 1)
===========================  ===============================================

Ids and titles are v7.0.0's, as prowler's ``cis_7.0_aws.json`` lists them. Meeting older
reports: :data:`RENUMBERING` says where these checks were before.
"""

from __future__ import annotations

import csv
import html
import io
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from .root_activity import root_not_used

if TYPE_CHECKING:
    from ..sandbox import Credentials, Lab

__all__ = ["ScoreRow", "Scorecard", "scorecard", "credential_report", "CIS_VERSION", "RENUMBERING"]

CIS_VERSION = "CIS AWS Foundations Benchmark v7.0.0"
RENUMBERING = ("CIS v1.5.0 to v4.0.1 numbered these checks 1.4 to 1.10 in section 1; v7.0.0 puts "
               "IAM in section 2, after the new organization rows 2.1.1-2.1.3: 1.4 is 2.4, 1.5 is "
               "2.5 ... 1.10 is 2.10.")
"""One line of history for learners who meet a report with the old numbers."""
# The result in words; the glyph beside it is for the eye only (a screen reader skips it).
_PASS = '<span aria-hidden="true">&#x2705;</span> pass'
_FAIL = '<span aria-hidden="true">&#x274C;</span> fail'


@dataclass(frozen=True)
class ScoreRow:
    """One line of the scorecard."""

    id: str
    cis: str
    title: str
    passed: bool
    detail: str
    level: int = 1  # the benchmark's profile: 1 (essential) or 2 (defence in depth)


@dataclass(frozen=True)
class Scorecard:
    """The scorecard: its rows, and whether every one passed."""

    rows: tuple[ScoreRow, ...]

    @property
    def all_passed(self) -> bool:
        return all(r.passed for r in self.rows)

    @property
    def score(self) -> str:
        return f"{sum(r.passed for r in self.rows)}/{len(self.rows)}"

    def row(self, check_id: str) -> ScoreRow:
        return next(r for r in self.rows if r.id == check_id)

    def __str__(self) -> str:
        lines = [f"Security scorecard ({CIS_VERSION}): {self.score} checks pass"]
        lines += [f"  {'PASS' if r.passed else 'FAIL'}  {r.cis:<5} L{r.level} {r.title} - {r.detail}"
                  for r in self.rows]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        body = "".join(
            f"<tr><td>{_PASS if r.passed else _FAIL}</td>"
            f"<td>{html.escape(r.cis)} (level {r.level})</td>"
            f"<td>{html.escape(r.title)}</td><td>{html.escape(r.detail)}</td></tr>"
            for r in self.rows
        )
        return (
            '<table class="labkit-scorecard"><caption style="text-align:left"><b>Security scorecard'
            f"</b> &#x2014; {self.score} checks pass <small>({CIS_VERSION})</small></caption>"
            "<thead><tr><th>result</th><th>CIS</th>"
            f"<th>check</th><th>why</th></tr></thead><tbody>{body}</tbody></table>"
        )


def credential_report(iam: Any) -> list[dict[str, str]]:
    """Generate and read the credential report (one dict per row, root first)."""
    iam.generate_credential_report()
    content = iam.get_credential_report()["Content"]
    text = content.decode() if isinstance(content, bytes) else str(content)
    return list(csv.DictReader(io.StringIO(text)))


def report_time(value: str) -> datetime | None:
    """A credential report's date (None for ``N/A``, ``no_information``, ``not_supported``)."""
    if not value or value in ("N/A", "no_information", "not_supported"):
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _root_hardware_mfa(iam: Any, summary: dict[str, Any], account_id: str) -> tuple[bool, str]:
    """CIS 2.6 (v4.0.1: 1.6), audited as the benchmark says: root has MFA, and no *virtual*
    device is root's."""
    if summary.get("AccountMFAEnabled") != 1:
        return False, "root has no MFA device at all"
    root_arn = f"arn:aws:iam::{account_id}:root"
    assigned = iam.list_virtual_mfa_devices(AssignmentStatus="Assigned")["VirtualMFADevices"]
    virtual = [d["SerialNumber"] for d in assigned if d.get("User", {}).get("Arn") == root_arn]
    if virtual:
        return False, ("root signs in with a virtual (app) device: " + ", ".join(virtual)
                       + "; CIS 2.6 asks for hardware: register a security key for root in the console "
                       "(register_passkey). The sandbox's console cannot remove root's app device: to "
                       "start over, run the notebook again from the top")
    return True, "root's MFA devices are hardware devices or security keys"


def scorecard(lab: Lab, credentials: Credentials | None = None) -> Scorecard:
    """Audit the account now.

    Uses the sandbox's auditor credentials by default (they leave no trace);
    in a notebook being graded, where those are not available, it audits as
    the current caller.
    """
    if credentials is None:
        try:
            credentials = lab.auditor()
        except PermissionError:
            credentials = lab.caller
    iam = lab.client("iam", credentials=credentials)
    summary = iam.get_account_summary()["SummaryMap"]
    report = credential_report(iam)
    try:
        policy = iam.get_account_password_policy()["PasswordPolicy"]
    except ClientError:
        policy = {}
    length = int(policy.get("MinimumPasswordLength", 0))
    reuse = int(policy.get("PasswordReusePrevention", 0))
    console_users = [r for r in report[1:] if r["password_enabled"] == "true"]
    without_mfa = [r["user"] for r in console_users if r["mfa_active"] != "true"]
    not_used, not_used_detail = root_not_used(lab, credentials)
    hardware, hardware_detail = _root_hardware_mfa(iam, summary, lab.account_id)
    rows = (
        ScoreRow("root-mfa", "2.5", "Ensure MFA is enabled for the 'root' user account",
                 summary.get("AccountMFAEnabled") == 1,
                 "root has an MFA device" if summary.get("AccountMFAEnabled") == 1
                 else "assign an MFA device to root in the console"),
        ScoreRow("root-hardware-mfa", "2.6", "Ensure hardware MFA is enabled for the 'root' user account",
                 hardware, hardware_detail, level=2),
        ScoreRow("no-root-access-keys", "2.4", "Ensure no 'root' user account access key exists",
                 summary.get("AccountAccessKeysPresent") == 0,
                 "root has no access keys" if summary.get("AccountAccessKeysPresent") == 0
                 else "root still has an access key: delete it"),
        ScoreRow("root-not-used", "2.7",
                 "Eliminate use of the 'root' user for administrative and daily tasks",
                 not_used, not_used_detail),
        ScoreRow("password-length", "2.8",
                 "Ensure IAM password policy requires minimum length of 14 or greater",
                 length >= 14,
                 f"minimum length is {length}" if policy else "no password policy is set"),
        ScoreRow("password-reuse", "2.9", "Ensure IAM password policy prevents password reuse",
                 reuse >= 24, f"reuse prevention is {reuse}" if policy else "no password policy is set"),
        ScoreRow("console-users-mfa", "2.10",
                 "Ensure multi-factor authentication (MFA) is enabled for all IAM users that have a "
                 "console password",
                 not without_mfa,
                 "all console users have MFA" if not without_mfa
                 else "no MFA: " + ", ".join(without_mfa)),
    )
    return Scorecard(rows)
