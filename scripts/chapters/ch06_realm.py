"""Chapter 06: a realm of castles (Organizations, SCPs and centralized root access)."""
# ruff: noqa: E501  (notebook text: commands stay on one line, as learners type them)

from build_chapters import code, md, reflection, your_turn

FILE = "06-a-realm-of-castles.ipynb"

CELLS = [
    md("""
    # 06 — A realm of castles: many accounts, many master keys

    Chapter 04 locked one master key away. But a company rarely has one castle: it has an
    account for production, one for tests, one for logs... grouped in an **AWS Organization**.
    One account is the **management account**; the others are **member accounts**, and every
    one of them was born with a root user of its own — a master key each, most of them
    forgotten in a drawer. This chapter puts the whole realm's master keys under one lock.

    ### Learning objectives
    - Read an organization: the management account and its members.
    - Know what restricts a member account's root (service control policies) and what does
      not.
    - Turn on **centralized root access** (since November 2024): trusted access for IAM, root
      credentials management, root sessions.
    - Audit a member's root credentials and delete them from the management account with
      `aws sts assume-root` and a task policy — a 15-minute session that can do only its task.
    """),
    code("""
    import json
    import labkit
    from botocore.exceptions import ClientError

    lab = labkit.start("organization")
    iam = lab.client("iam")
    """),
    md("""
    ## 🗺️ The realm

    You are the root user of the **management account** `123456789012`. Ask the organization
    which accounts it holds:
    """),
    code("""
    !aws organizations list-accounts --query "Accounts[].[Name, Id]" --output text
    """),
    code("""
    members = {a["Name"]: a["Id"] for a in lab.client("organizations").list_accounts()["Accounts"]
               if a["Id"] != lab.account_id}
    workloads, archive = members["castle-workloads"], members["castle-archive"]
    members
    """),
    md("""
    Two member accounts, each with its own root user: `castle-workloads`'s root still has a
    password and an **access key** (someone once ran a script with it), `castle-archive`'s root a
    password. Neither has MFA. Since June 2025 AWS requires root MFA in member accounts too —
    unless the organization removes their root credentials altogether, which is where we are
    going ([AWS Security Blog](https://aws.amazon.com/blogs/security/secure-by-design-aws-enhances-centralized-security-controls-as-mfa-requirements-expand)).

    ## 🧱 What can hold a member's root back

    In chapter 04 nothing could restrict root: IAM policies do not apply to it. In an
    organization, **service control policies (SCPs)** can: an SCP attached to a member account
    (or its organizational unit) limits every principal in that account, **its root user
    included**. SCPs never apply to the management account, so *its* root stays as powerful as
    ever — keep it in the deepest vault, and keep workloads out of the management account
    ([AWS Organizations: SCPs](https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps.html)).
    (The sandbox does not evaluate SCPs; see [docs/differences.md](../docs/differences.md).)

    SCPs restrict what a master key can do. Centralized root access goes further: it lets the
    management account take member accounts' master keys away.

    ## 🔐 Centralized root access, step by step

    ### 🔧 What went wrong: the feature before the trust
    """),
    code("""
    !aws iam enable-organizations-root-credentials-management
    """),
    md("""
    IAM may act on the organization's accounts only once the organization **trusts** it. That is
    one command, run in the management account
    ([Centralize root access for member accounts](https://docs.aws.amazon.com/IAM/latest/UserGuide/id_root-enable-root-access.html)):

    ```bash
    aws organizations enable-aws-service-access --service-principal iam.amazonaws.com
    ```

    **⌨️ Your turn.** Type it below (with `!` in front) and run the cell.
    """),
    your_turn("realm-trusted-access", "replace this line with the enable-aws-service-access command"),
    md("""
    Now the two features: **root credentials management** (audit and delete members' root
    credentials, and stop new members from getting any) and **root sessions** (short privileged
    sessions on a member's root, for the few tasks that need it):
    """),
    code("""
    !aws iam enable-organizations-root-credentials-management
    !aws iam enable-organizations-root-sessions
    !aws iam list-organizations-features
    """),
    md("""
    ## 🧑‍✈️ A steward, not the master key

    Privileged root sessions are opened with `aws sts assume-root` — and **not** with root's own
    credentials: AWS requires an IAM principal of the management account (or of a delegated
    administrator account). So the realm gets a steward, an administrator of the management
    account (here, for brevity, with `AdministratorAccess` and an access key; in real life an
    Identity Center permission set or an MFA-protected role, as in chapter 04).

    ### 🔧 What went wrong: assume-root with the master key
    """),
    code("""
    try:
        lab.client("sts").assume_root(TargetPrincipal=workloads,
                                      TaskPolicyArn={"arn": "arn:aws:iam::aws:policy/root-task/IAMAuditRootUserCredentials"})
    except ClientError as err:
        labkit.explain(err)
    """),
    code("""
    iam.create_user(UserName="steward")
    iam.attach_user_policy(UserName="steward", PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
    steward = labkit.Credentials.from_response(iam.create_access_key(UserName="steward")["AccessKey"])
    lab.use(steward)
    !aws sts get-caller-identity --query Arn
    """),
    md("""
    ## 🔍 Audit a member's root — from the management account

    A root session is scoped by a **task policy**, one of five AWS managed policies under
    `arn:aws:iam::aws:policy/root-task/`: `IAMAuditRootUserCredentials`,
    `IAMCreateRootUserPassword`, `IAMDeleteRootUserCredentials`, `S3UnlockBucketPolicy` and
    `SQSUnlockQueuePolicy`. It lasts at most **900 seconds**
    ([AssumeRoot](https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoot.html)).
    First, look at `castle-workloads`'s root credentials:
    """),
    code("""
    audit = lab.client("sts").assume_root(
        TargetPrincipal=workloads, DurationSeconds=900,
        TaskPolicyArn={"arn": "arn:aws:iam::aws:policy/root-task/IAMAuditRootUserCredentials"})
    audit_session = labkit.Credentials.from_response(audit["Credentials"])
    print("session ends:", audit["Credentials"]["Expiration"])
    lab.use(audit_session)
    !aws sts get-caller-identity --query Arn
    """),
    md("""
    The session *is* the member's root — the ARN ends in `:root` of account `castle-workloads`.
    Without a `--user-name`, IAM calls act on that root's own credentials, as in chapter 04:
    """),
    code("""
    !aws iam list-access-keys --query "AccessKeyMetadata[].[AccessKeyId, Status]" --output text
    !aws iam get-login-profile
    !aws iam list-mfa-devices
    """),
    md("""
    An active access key, a password, no MFA: a master key anyone who found that old script
    could use. But an *audit* session may only look:

    ### 🔧 What went wrong: deleting with the audit task
    """),
    code("""
    leftover_key = lab.client("iam").list_access_keys()["AccessKeyMetadata"][0]["AccessKeyId"]
    try:
        lab.client("iam").delete_access_key(AccessKeyId=leftover_key)
    except ClientError as err:
        labkit.explain(err)
    """),
    md("""
    ## 🗑️ Take the member's master key away

    Back to the steward, and a session with the task policy that deletes root credentials. The
    command line reads the same as the boto3 call; the task policy is given as `arn=...`:
    """),
    code("""
    lab.use(steward)
    answer = !aws sts assume-root --target-principal {workloads} --task-policy-arn arn=arn:aws:iam::aws:policy/root-task/IAMDeleteRootUserCredentials
    delete = json.loads(answer.n)
    lab.use(labkit.Credentials.from_response(delete["Credentials"]))
    !aws iam delete-access-key --access-key-id {leftover_key}
    !aws iam delete-login-profile
    !aws iam list-access-keys
    """),
    md("""
    `castle-workloads`'s root has no password and no key left: nobody can sign in as it, and the
    few tasks that need it go through a 15-minute `assume-root` session from the management
    account. (Its root therefore needs no MFA; CIS v5.0.0 and later say the same for member
    accounts under centralized root access.)

    The session could do nothing else, either — it is not an administrator of the member:

    ### 🔧 What went wrong: a root session outside its task
    """),
    code("""
    !aws iam get-account-summary
    """),
    md("""
    And every one of these steps is in the management account's activity log, under the
    steward's name:
    """),
    code("""
    lab.use(steward)
    trail = lab.client("cloudtrail").lookup_events(
        LookupAttributes=[{"AttributeKey": "EventName", "AttributeValue": "AssumeRoot"}])["Events"]
    [(e["EventTime"].strftime("%H:%M:%S"), e["Username"], e["EventName"]) for e in trail]
    """),
    md("""
    `castle-archive` still has a root password. Taking it away is the same two steps — a
    `IAMDeleteRootUserCredentials` session on `archive`, then `delete-login-profile` — and a good
    exercise to do on your own in a new cell.
    """),
    code("""
    lab.use(None)
    labkit.widgets.quiz("realm-who-assumes-root", "realm-session-length", "realm-what-restricts-root")
    """),
    reflection(
        "realm-forgotten-roots",
        "How many AWS accounts does your organization have, and who could sign in as the root "
        "user of each one today? Which would you take away first?",
    ),
    md("""
    ## 🔁 Recap
    - An AWS Organization has one management account and member accounts, each with its own
      root user.
    - SCPs restrict every principal of a member account, its root included; nothing restricts the
      management account's root, so it stays in the deepest vault.
    - Centralized root access (since November 2024): `organizations enable-aws-service-access
      --service-principal iam.amazonaws.com`, then `iam enable-organizations-root-credentials-management`
      and `enable-organizations-root-sessions`.
    - `sts assume-root` (from an IAM principal, never root) opens a session of at most 900 s on a
      member's root, scoped by one of five task policies: audit, delete credentials, and more.

    ## ➡️ What's next
    That is the whole realm: residents with their own keys, two-key locks, and master keys in
    the vault — or gone. Go back to [00 — Start here](00-start-here.ipynb) for the exercises, and
    run `labkit journal` to collect your reflections.
    """),
]
