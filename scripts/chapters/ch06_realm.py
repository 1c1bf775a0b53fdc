"""Chapter 06: a realm of castles (Organizations, SCPs and centralized root access)."""
# ruff: noqa: E501  (notebook text: commands stay on one line, as learners type them)

from build_chapters import code, footer, header, md, predict, reflection, your_turn

FILE = "06-a-realm-of-castles.ipynb"

CELLS = [
    header(
        "06 — A realm of castles: many accounts, many master keys",
        scenario="""
        Chapter 04 locked one master key away. But a company rarely has one castle: it has an
        account for production, one for tests, one for logs... grouped in an
        [organization](glossary.ipynb#organizations). One account is the **management account**;
        the others are **member accounts**, and every one of them was born with a root user of
        its own — a master key each, most of them forgotten in a drawer. This chapter puts the
        whole realm's master keys under one lock.
        """,
        objectives=[
            "read an organization: the management account and its members;",
            "write and attach a [service control policy](glossary.ipynb#scp), and say whom it limits;",
            "turn on centralized root access, composing the command that lets IAM act on the organization;",
            "audit a member's root and take its credentials away with `aws sts assume-root`.",
        ],
        prerequisites=[
            "[04 — The master key in the vault](04-the-master-key-in-the-vault.ipynb): root's credentials and why they matter;",
            "[05 — Only the keys they need](05-only-the-keys-they-need.ipynb): reading a policy.",
        ],
        build="an organization whose member accounts' master keys are gone, and a steward who can prove it.",
    ),
    code("""
    import json
    import labkit
    from botocore.exceptions import ClientError

    lab = labkit.start("organization")
    iam = lab.client("iam")
    """),
    md("""
    ## The realm

    You are the root user of the **management account** `123456789012`. Ask the organization
    which accounts it holds:
    """),
    code("""
    !aws organizations list-accounts --query "Accounts[].[Name, Id]" --output text
    members = {a["Name"]: a["Id"] for a in lab.client("organizations").list_accounts()["Accounts"]
               if a["Id"] != lab.account_id}
    workloads, archive = members["castle-workloads"], members["castle-archive"]
    members
    """),
    md("""
    Two member accounts, each with its own root user: `castle-workloads`'s root still has a
    password and an **access key** (someone once ran a script with it), `castle-archive`'s root a
    password. Neither has MFA, which AWS requires of member roots too since June 2025 — unless
    the organization removes their root credentials altogether, where we are going ([AWS Security Blog](https://aws.amazon.com/blogs/security/secure-by-design-aws-enhances-centralized-security-controls-as-mfa-requirements-expand)).

    ## What can hold a member's root back

    In chapter 04 no policy could be attached to root: only a resource's own policy (a bucket
    policy that denies everyone) binds it. In an organization, a **service control policy
    (SCP)** can restrict root everywhere in a member account. An SCP is written like the policies of
    chapter 05, but it grants nothing: it sets the most that any identity in a member account
    may do, **its root user included**. SCPs never apply to the management account, so *its*
    root stays as powerful as ever — keep it in the deepest vault
    ([AWS Organizations: SCPs](https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps.html)).

    Let's write one: nobody in `castle-archive`, its root included, may give the root user a
    password again. First a new notebook trick. A `!` line can hand what it prints to Python:
    `answer = !aws ...` keeps the printed lines in `answer`, a list of strings, and `answer.n`
    joins them into one text, which `json.loads` turns into a dictionary. That is how we get
    the organization's root id (SCPs must be enabled there first) and the new policy's id:
    """),
    code("""
    answer = !aws organizations list-roots
    root_id = json.loads(answer.n)["Roots"][0]["Id"]
    !aws organizations enable-policy-type --root-id {root_id} --policy-type SERVICE_CONTROL_POLICY --query "Root.PolicyTypes"

    no_root_password = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Deny", "Action": "iam:CreateLoginProfile", "Resource": "*"}]})
    answer = !aws organizations create-policy --name no-root-password --type SERVICE_CONTROL_POLICY --description "No new root passwords" --content '{no_root_password}'
    scp_id = json.loads(answer.n)["Policy"]["PolicySummary"]["Id"]
    !aws organizations attach-policy --policy-id {scp_id} --target-id {archive}
    !aws organizations list-policies-for-target --target-id {archive} --filter SERVICE_CONTROL_POLICY --query "Policies[].Name"
    """),
    md("""
    `castle-archive` now has two SCPs: AWS's `FullAWSAccess` (attached everywhere by default: an
    SCP only limits, so something must set the ceiling at "everything") and ours, whose `Deny`
    wins over it. You will see it refuse at the end of the chapter.

    SCPs limit what a master key can do. Centralized root access goes further: it lets the
    management account take member accounts' master keys away.

    ## Centralized root access, step by step

    ### What went wrong: the feature before the trust
    """),
    code("""
    !aws iam enable-organizations-root-credentials-management
    """),
    md("""
    ### Your turn: let IAM act on the organization

    (The error *code* is AWS's; its sentence is the sandbox's, as AWS does not publish this
    message.) IAM may act on the organization's accounts only once the organization **trusts** it
    ([Centralize root access for member accounts](https://docs.aws.amazon.com/IAM/latest/UserGuide/id_root-enable-root-access.html)).
    Compose that command: it belongs to the `organizations` service, its action is
    `enable-aws-service-access`, and its one option, `--service-principal`, names the service
    to trust. A service's principal is its name followed by `.amazonaws.com`.
    """),
    your_turn("realm-trusted-access", "replace this line with your command"),
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
    ## A steward, not the master key

    Privileged root sessions are opened with `aws sts assume-root`. You are holding the
    management account's master key, which may do everything in its own castle. Can it open a
    root session in a member's?
    """),
    predict(
        "realm-root-assume-root",
        "You, the management account's root user, ask STS for a root session on castle-workloads. What does AWS answer?",
        """
        try:  # What went wrong (perhaps): assume-root with the master key
            lab.client("sts").assume_root(TargetPrincipal=workloads,
                                          TaskPolicyArn={"arn": "arn:aws:iam::aws:policy/root-task/IAMAuditRootUserCredentials"})
            print("It works")
        except ClientError as err:
            labkit.explain(err)  # AWS does not publish this text: the sandbox's own words
        """,
    ),
    md("""
    `assume-root` needs an IAM principal of the management account, never root. So the realm
    gets a **steward**: here a user with `AdministratorAccess` and a key. In a real organization
    a person signs in through [IAM Identity Center](glossary.ipynb#identity-center), AWS's
    sign-in portal for all of an organization's accounts, and gets short-lived credentials
    (`aws sso login`, or `aws login` for IAM users and roles, which then need the
    `SignInLocalDevelopmentAccess` policy) — no long-lived key at all.
    """),
    code("""
    iam.create_user(UserName="steward")
    iam.attach_user_policy(UserName="steward", PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
    steward = labkit.Credentials.from_response(iam.create_access_key(UserName="steward")["AccessKey"])
    lab.use(steward)
    !aws sts get-caller-identity --query Arn
    """),
    md("""
    ## Audit a member's root from the management account

    A root session is scoped by a **task policy**, one of five AWS managed policies under
    `arn:aws:iam::aws:policy/root-task/`: `IAMAuditRootUserCredentials`,
    `IAMCreateRootUserPassword`, `IAMDeleteRootUserCredentials`, `S3UnlockBucketPolicy` and
    `SQSUnlockQueuePolicy`. It lasts at most **900 seconds**
    ([AssumeRoot](https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoot.html)).
    First, look at `castle-workloads`'s root credentials. The session *is* the member's root —
    the ARN ends in `:root` of account `castle-workloads` — and without a `--user-name`, IAM
    calls act on that root's own credentials, as in chapter 04:
    """),
    code("""
    audit = lab.client("sts").assume_root(
        TargetPrincipal=workloads, DurationSeconds=900,
        TaskPolicyArn={"arn": "arn:aws:iam::aws:policy/root-task/IAMAuditRootUserCredentials"})
    audit_session = labkit.Credentials.from_response(audit["Credentials"])
    print("session ends:", audit["Credentials"]["Expiration"])
    lab.use(audit_session)
    !aws sts get-caller-identity --query Arn
    !aws iam list-access-keys --query "AccessKeyMetadata[].[AccessKeyId, Status]" --output text
    !aws iam get-login-profile
    !aws iam list-mfa-devices
    """),
    md("""
    An active access key, a password, no MFA: a master key anyone who found that old script
    could use. But an *audit* session may only look:

    ### What went wrong: deleting with the audit task
    """),
    code("""
    leftover_key = lab.client("iam").list_access_keys()["AccessKeyMetadata"][0]["AccessKeyId"]
    try:
        lab.client("iam").delete_access_key(AccessKeyId=leftover_key)
    except ClientError as err:
        labkit.explain(err)
    """),
    md("""
    ## Take the member's master key away

    Back to the steward, and a session with the task policy that deletes root credentials. The
    command line reads the same as the boto3 call; the task policy is given as `arn=...`, and
    `answer = !aws ...` with `answer.n` (as for the SCP) hands the new credentials to Python:
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
    `castle-workloads`'s root has no password and no key left: nobody can sign in as it (so it
    needs no MFA either), and the few tasks that need it go through a 15-minute session.

    Who sees what happened? The management account's activity log records only the
    `AssumeRoot` calls. What the session *did* is in `castle-workloads`'s own event history, as
    that account's root, with the session's key id
    ([Track privileged tasks in CloudTrail](https://docs.aws.amazon.com/IAM/latest/UserGuide/cloudtrail-track-privileged-tasks.html)).
    The sandbox shows a member's history with `lab.member_event_history`:
    """),
    code("""
    lab.use(steward)
    for event in lab.client("cloudtrail").lookup_events(MaxResults=3)["Events"]:
        print("management:      ", event["EventName"], event["Username"])
    for event in lab.member_event_history(workloads)[:3]:
        print("castle-workloads:", event["EventName"], event["Username"], event["AccessKeyId"])
    """),
    md("""
    ## Your turn: the archive's master key

    `castle-archive`'s root still has a password. Take it away: the same steps as for
    `castle-workloads`, in one cell — as the steward, a session on `archive` with the task
    policy that deletes root credentials; in it, delete the login profile; then back to the
    steward.
    """),
    your_turn("realm-archive-root", "replace this line with your commands (several lines are fine)"),
    md("""
    ### What went wrong: giving the archive's root a password back

    Now the SCP from the start of the chapter does its job. Even a root session whose task is
    exactly "create the root password" is refused in `castle-archive`: the SCP caps its root too.
    Since January 2026 the message ends with the denying SCP's ARN.
    """),
    code("""
    lab.use(steward)
    answer = !aws sts assume-root --target-principal {archive} --task-policy-arn arn=arn:aws:iam::aws:policy/root-task/IAMCreateRootUserPassword
    lab.use(labkit.Credentials.from_response(json.loads(answer.n)["Credentials"]))
    !aws iam create-login-profile
    """),
    code("""
    lab.use(None)
    labkit.widgets.quiz("realm-what-restricts-root", "realm-read-the-denial", "realm-predict-scp-management", "realm-who-assumes-root",
                        "realm-session-length")
    """),
    reflection(
        "realm-forgotten-roots",
        "How many AWS accounts does your organization have, and who could sign in as the root "
        "user of each one today? Which would you take away first?",
    ),
    *footer(
        summary=[
            "An organization has one management account and member accounts, each with its own root user.",
            "An SCP grants nothing: it caps every identity of a member account, its root included — never the management account.",
            "Centralized root access: trust IAM in the organization, then root credentials management and root sessions.",
            "`sts assume-root` (from an IAM principal, never root) opens a session of at most 900 s on a member's root, limited to one task.",
        ],
        own_account=[
            "List your organization's accounts and find out which member roots still have a password or an access key (an audit root session shows it).",
            "Enable centralized root access and delete member accounts' root credentials.",
            "Keep workloads out of the management account, and its root user in the deepest vault, with MFA.",
            "Write SCPs for the few things no one in a member account should ever do.",
        ],
        next="""
        The realm's master keys are in the vault — or gone. Its people still hold keys of their
        own: in [07 — People, not keys](07-people-not-keys.ipynb) they stop being IAM users and
        sign in at the realm's gatehouse, IAM Identity Center.
        """,
    ),
]
