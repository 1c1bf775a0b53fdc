"""Chapter 04: the master key in the vault (audit an inherited account, lock root away)."""
# ruff: noqa: E501  (notebook text: commands stay on one line, as learners type them)

from build_chapters import code, footer, header, md, predict, reflection, your_turn

FILE = "04-the-master-key-in-the-vault.ipynb"

CELLS = [
    header(
        "04 — The master key in the vault: root",
        scenario="""
        Every AWS account starts with a **root user**, the account owner with unlimited access:
        the castle's master key. Whoever holds it can delete everything, run up enormous bills or
        lock the owners out. It belongs in a vault: used only for the few tasks that need it,
        protected with MFA, then left alone. Today you **inherit** an account from someone who
        did not do that, and who has just left the company.
        """,
        objectives=[
            "audit an account with the credential report, the account summary and a scorecard that follows the CIS AWS Foundations Benchmark v7.0.0;",
            "register root's MFA the only way AWS allows — in the console — with a backup device;",
            "take over everything the predecessor knew: root's password, e-mail address and MFA;",
            "set a strong password policy from its requirements, without a printed command.",
        ],
        prerequisites=[
            "Chapters 03 and 03b: MFA devices, passkeys and security keys.",
            "A terminal pipe (`a | b` sends a's output into b) helps; it is explained where used.",
        ],
        build="A locked vault: root with two security keys, a new password and e-mail, and a CIS-strength password policy.",
    ),
    code("""
    import labkit
    from botocore.exceptions import ClientError
    from labkit.checks.scorecard import scorecard

    lab = labkit.start("inherited-account")
    iam = lab.client("iam")
    """),
    md("""
    ## The audit

    Your predecessor left you their credentials. First habit — who am I?
    """),
    code("""
    !aws sts get-caller-identity --query Arn
    """),
    md("""
    `:root`. The predecessor did their daily work **with the master key**, from the command line.

    ### The credential report

    The **credential report** lists every identity in the account — root first — with its
    password, MFA and access-key facts, one line each, as CSV (values separated by commas). You
    ask AWS to generate it, then download it. AWS sends the file inside its JSON answer as
    **base64** (the file's bytes written with 64 safe letters), so the download line is a small
    pipeline, each `|` passing one step's output to the next:

    1. `--query Content --output text` keeps only the answer's `Content` field, as plain text;
    2. `base64 --decode` turns those letters back into the CSV file;
    3. `cut -d, -f1,4,5,8,9,11` keeps columns 1, 4, 5, 8, 9 and 11, cutting at each comma
       (`-d,`): user, password_enabled, password_last_used, mfa_active, access_key_1_active,
       access_key_1_last_used_date
       ([credential report columns](https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_getting-report.html)).
    """),
    code("""
    !aws iam generate-credential-report --query State
    !aws iam get-credential-report --query Content --output text | base64 --decode | cut -d, -f1,4,5,8,9,11
    """),
    md("""
    Read it like an auditor:
    - `<root_account>`: **no MFA**, an **active access key** used today, and a console sign-in
      yesterday. Root is the daily driver.
    - `bob-ops` has MFA. `carol-finance` signs in with a password alone.

    The **account summary** counts the same facts for the whole account:
    """),
    code("""
    !aws iam get-account-summary --query "SummaryMap.{RootMFA: AccountMFAEnabled, RootAccessKeys: AccountAccessKeysPresent, Users: Users, MFADevicesInUse: MFADevicesInUse}"
    """),
    md("""
    ### The scorecard

    The **[CIS AWS Foundations Benchmark](glossary.ipynb#cis)** is a widely used checklist for securing an AWS account.
    The scorecard runs seven of its identity checks, with the numbers of version **4.0.1** (v5.0.0
    renumbered them and v6 moved IAM to section 2, so always say which version you follow). It
    reads the account through the AWS API, as an auditor would:
    """),
    code("""
    scorecard(lab)
    """),
    md("""
    Zero out of seven. Let's lock the master key away, one step at a time (this chapter and 04b).

    ## Step 1: MFA on root — in the console

    The obvious idea is chapter 03's `enable-mfa-device`. Predict what AWS makes of it:
    """),
    predict(
        "root-mfa-api",
        "You ask IAM's API to enable an MFA device for the user root, with two made-up codes. What does AWS answer?",
        run="""
        try:
            iam.enable_mfa_device(UserName="root", SerialNumber="arn:aws:iam::123456789012:mfa/root-account-mfa-device",
                                  AuthenticationCode1="123456", AuthenticationCode2="789012")
            print("It worked.")
        except ClientError as err:
            print("AWS answered:", err.response["Error"]["Code"], "-", err.response["Error"]["Message"])
        """,
    ),
    md("""
    `enable-mfa-device` works on IAM users, and root is not one. As AWS's documentation says, you
    cannot enable an MFA device for root with the CLI or the API: it is assigned **only in the
    AWS Management Console**, signed in as root with the account's e-mail address
    ([Enabling MFA devices](https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_mfa_enable.html)).
    So we sign in there:
    """),
    code("""
    console = labkit.Console(lab)
    root_console = console.sign_in_root(lab.root_email, lab.root_password)
    root_console
    """),
    md("""
    The console lets root in — onto one page only: *register an MFA device*. **Root MFA is no
    longer optional:** AWS began requiring it for the root users of Organizations management
    accounts in May 2024, of standalone accounts gradually from July 2024, and of member accounts in June
    2025. A root user without MFA may postpone registering for up to 35 days; the predecessor
    postponed until the grace period ran out, so now the console allows nothing else
    ([AWS Security Blog](https://aws.amazon.com/blogs/security/secure-by-design-aws-enhances-centralized-security-controls-as-mfa-requirements-expand)).

    In the console: *account menu → Security credentials → Assign MFA device*. You name the
    device and pick its type: a passkey or security key, an authenticator app, or a hardware
    TOTP token. For the master key, choose **hardware**: CIS asks for it (check 2.6), and a
    security key also resists phishing, as chapter 03b showed. One key is one key that can be
    lost: root, like every IAM user, may have **up to eight** MFA devices, so a second key goes
    into another safe place:
    """),
    code("""
    vault_key = labkit.SecurityKey("castle vault key")
    backup_key = labkit.SecurityKey("castle vault backup key")
    root_console.register_passkey(vault_key, name="castle-vault-key")
    root_console.register_passkey(backup_key, name="castle-vault-key-2")
    !aws iam get-account-summary --query "SummaryMap.AccountMFAEnabled"
    """),
    md("""
    From now on, the master key needs a key of its own.

    ### What went wrong: root's password alone
    """),
    code("""
    try:
        console.sign_in_root(lab.root_email, lab.root_password)
    except labkit.MFACodeRequired as err:
        labkit.explain(err)
    """),
    md("""
    ## Step 2: take over what the predecessor knew

    MFA is not the whole takeover. Your predecessor still knows **root's password**, and reads
    **root's e-mail address** — whoever reads that mailbox can reset the password and start
    the recovery of a lost MFA device. Both change in the console, signed in as root (now with
    the backup key; *account menu → Account*): a new, long password, kept in the vault, and a
    team mailbox you control. Check the account's phone number too: MFA recovery uses it.
    """),
    code("""
    root_console = console.sign_in_root(lab.root_email, lab.root_password, passkey=backup_key)
    predecessor_knew = (lab.root_email, lab.root_password)
    NEW_ROOT_PASSWORD = "Vault-Door-Oak-Iron-Lantern-2026!"
    root_console.change_root_password(lab.root_password, NEW_ROOT_PASSWORD)
    root_console.change_root_email("cloud-vault@castle.example", NEW_ROOT_PASSWORD)
    print("root signs in as", lab.root_email)
    """),
    md("""
    ### What went wrong: the predecessor tries the old password
    """),
    code("""
    try:
        console.sign_in_root(*predecessor_knew)
    except labkit.SignInFailed as err:
        labkit.explain(err)
    """),
    md("""
    ## Step 3: a strong password policy — on your own

    Before anyone gets a new password, raise the bar. The account's **[password policy](glossary.ipynb#password-policy)** is set
    with one IAM command, `update-account-password-policy`. Each of its options is named after
    what it requires (`--minimum-password-length 14`, for example), and the word `help` after
    the command lists them all.

    **⌨️ Your turn, on your own.** Set a policy that CIS accepts: at least **14** characters
    (check 2.8), no reuse of the last **24** passwords (check 2.9), uppercase and lowercase
    letters, numbers and symbols required — and users allowed to change their own password (the
    other fix for chapter 02's locked-out Alice). One line, with `!` in front.
    """),
    your_turn("root-password-policy", "replace this line with the update-account-password-policy command"),
    md("""
    ## Half-way audit
    """),
    code("""
    card = scorecard(lab)
    print(card)
    """),
    md("""
    Root has hardware MFA, the password policy is strong — but root still holds an access key,
    `carol-finance` still signs in with a password alone, and nobody but root does the daily
    work. That needs a second identity: the next chapter's warden.

    ## What still needs the master key — and what can hold it back

    A handful of jobs can only be done as root. AWS keeps the list on one page, and it changes:
    read [Tasks that require root user credentials](https://docs.aws.amazon.com/IAM/latest/UserGuide/root-user-tasks.html)
    rather than a list copied into a course. In 2026 it includes, for example, restoring
    permissions when the only IAM administrator has locked themselves out, and unlocking an S3
    bucket policy that denies everyone. For those rare moments you take the key out of the
    vault, sign in with MFA, do the one task, and put it back.

    Can anything restrict root? **No policy is attached to root** the way one is attached to an
    IAM user, so in its own account root may do everything *its identity* is allowed. But a
    **resource's own policy binds root too**: a bucket policy that denies everyone denies root
    as well. AWS keeps one door open so that an owner cannot lock itself out for good: the
    bucket owner's root may still read, replace or delete that bucket policy — which is the
    "unlock" task above ([DeleteBucketPolicy](https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteBucketPolicy.html)).
    You will watch both in [chapter 05b](05b-build-jobs-without-keys.ipynb). In an AWS
    Organization, service
    control policies (SCPs) apply to the root user of *member* accounts — and since November
    2024 the organization can even remove member accounts' root passwords and keys altogether
    (centralized root access, [chapter 06](06-a-realm-of-castles.ipynb)).

    ## Check your understanding
    """),
    code("""
    labkit.widgets.quiz("root-mfa-where", "root-mfa-mandatory", "root-read-no-such-entity", "root-predict-old-password", "root-inherited")
    """),
    reflection(
        "root-daily-use",
        "Do you currently use the root user for daily tasks? If yes, what's your plan to stop?",
    ),
    *footer(
        summary=[
            "Audit with the credential report (`generate-` then `get-credential-report`), `get-account-summary`, and a scorecard of CIS v7.0.0 checks — name the version you follow (v4.0.1's 1.4-1.10 are v7.0.0's 2.4-2.10).",
            "Root MFA is mandatory and assigned in the console only; prefer two hardware keys for root.",
            "Taking over an account means changing everything the predecessor knew: root password, e-mail, MFA devices and keys.",
            "No policy is attached to root, but a resource's policy (a bucket policy that denies everyone) binds it — root keeps only the right to remove that bucket policy; SCPs bind a member account's root.",
        ],
        own_account=[
            "Sign in as root once, register two security keys (or passkeys) for it, and store them apart.",
            "Make sure root's e-mail address is a mailbox your team controls, and its phone number is current.",
            "Set a password policy of at least 14 characters with reuse prevention of 24.",
            "Download your credential report and read root's row.",
        ],
        next="""
        Root's access key is still on the hook. In
        [04b — The warden and the watch](04b-the-warden-and-the-watch.ipynb) daily work moves to an
        administrator, root's access key goes, and the activity log proves that root stays in the
        vault.
        """,
    ),
]
