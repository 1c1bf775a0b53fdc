"""Chapter 04: the master key in the vault (audit an inherited account, lock root away)."""
# ruff: noqa: E501  (notebook text: commands stay on one line, as learners type them)

from build_chapters import code, md, reflection, your_turn

FILE = "04-the-master-key-in-the-vault.ipynb"

CELLS = [
    md("""
    # 04 — The master key in the vault: root

    Every AWS account starts with a **root user**, the account owner with unlimited access: the
    castle's master key. Whoever holds it can delete everything, run up enormous bills or lock
    the owners out. It belongs in a vault: used only for the few tasks that need it, protected
    with MFA, then left alone while everyone — you included — works as another identity.

    Today you **inherit** an account from someone who did not do that, and who has just left
    the company.

    ### Learning objectives
    - Audit an account with the credential report, the account summary and a scorecard that
      follows the CIS AWS Foundations Benchmark v4.0.1.
    - Register root's MFA the only way AWS allows — in the console — now that AWS requires it,
      with a backup device.
    - Take over everything the predecessor knew: root's password, e-mail address, MFA and keys.
    - Know which tasks still need root, and what can restrict root at all.

    Chapter [04b](04b-the-warden-and-the-watch.ipynb) finishes the job: an administrator for
    daily work, root's access key deleted, and the activity log as proof.
    """),
    code("""
    import json
    import labkit
    from botocore.exceptions import ClientError
    from labkit.checks.scorecard import credential_report, scorecard

    lab = labkit.start("inherited-account")
    iam = lab.client("iam")
    """),
    md("""
    ## 🔍 The audit

    Your predecessor left you their credentials. First habit — who am I?
    """),
    code("""
    !aws sts get-caller-identity
    """),
    md("""
    `:root`. The predecessor did their daily work **with the master key**, from the command line.

    ### The credential report
    The **credential report** lists every identity in the account — root first — with its
    password, MFA and access-key facts. You ask AWS to generate it, then download it (it comes
    base64-encoded, as CSV):
    """),
    code("""
    !aws iam generate-credential-report
    """),
    code("""
    !aws iam get-credential-report --query Content --output text | base64 --decode | cut -d, -f1,4,5,8,9,11
    """),
    md("""
    (`cut` keeps the columns that matter here: user, password_enabled, password_last_used,
    mfa_active, access_key_1_active, access_key_1_last_used_date.) The same in Python:
    """),
    code("""
    for row in credential_report(iam):
        print(f"{row['user']:<15} password={row['password_enabled']:<13} mfa={row['mfa_active']:<5} "
              f"key_active={row['access_key_1_active']:<5} password_last_used={row['password_last_used']}")
    """),
    md("""
    Read it like an auditor:
    - `<root_account>`: **no MFA**, an **active access key** used today, and a console sign-in
      yesterday. Root is the daily driver.
    - `bob-ops` has MFA. `carol-finance` signs in with a password alone.

    ### The account summary
    """),
    code("""
    !aws iam get-account-summary --query "SummaryMap.{RootMFA: AccountMFAEnabled, RootAccessKeys: AccountAccessKeysPresent, Users: Users, MFADevicesInUse: MFADevicesInUse}"
    """),
    md("""
    ### The scorecard
    The **CIS AWS Foundations Benchmark** is a widely used checklist for securing an AWS account.
    The scorecard runs seven of its identity checks, with the numbers of version **4.0.1** (from
    v1.5.0 to v4.0.1 these checks kept their numbers; v5.0.0 renumbered them and v6 moved IAM to
    section 2, so always say which version you follow). It reads the account through the AWS
    API, as an auditor would:
    """),
    code("""
    scorecard(lab)
    """),
    md("""
    Zero out of seven. Let's lock the master key away, one step at a time (this chapter and the
    next).

    ## 1️⃣ MFA on root — in the console

    The obvious idea is the command from chapter 03. But `enable-mfa-device` works on IAM users,
    and root is not one.

    ### 🔧 What went wrong: MFA for root through the API
    """),
    code("""
    !aws iam enable-mfa-device --serial-number arn:aws:iam::123456789012:mfa/root-account-mfa-device --authentication-code1 123456 --authentication-code2 789012
    """),
    code("""
    try:
        iam.enable_mfa_device(UserName="root", SerialNumber="arn:aws:iam::123456789012:mfa/root-account-mfa-device",
                              AuthenticationCode1="123456", AuthenticationCode2="789012")
    except ClientError as err:
        labkit.explain(err)
    """),
    md("""
    The command line refuses before sending anything: after its usage banner (awscli version 1
    first advertises version 2), the last line says what is missing. It insists on
    `--user-name`, and there is no user called `root` either. As AWS's documentation says, you
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
    accounts in May 2024, of standalone accounts from June 2024, and of member accounts in June
    2025. A root user without MFA is asked to register a device when it signs in and may
    postpone that for up to 35 days; the predecessor postponed it until the grace period ran out,
    so now the console allows nothing else
    ([AWS Security Blog](https://aws.amazon.com/blogs/security/secure-by-design-aws-enhances-centralized-security-controls-as-mfa-requirements-expand)).

    In the console: *account menu → Security credentials → Assign MFA device*. You give the
    device a **name** and pick its type: a passkey or security key, an authenticator app (as in
    chapter 03), or a hardware TOTP token. For the master key, choose **hardware**: CIS asks for
    it (check 1.6), and a security key also resists phishing, as chapter 03 showed. The key goes
    into the vault:
    """),
    code("""
    vault_key = labkit.SecurityKey("castle vault key")
    root_console.register_passkey(vault_key, name="castle-vault-key")
    root_console
    """),
    md("""
    One key is one key that can be lost. Root, like every IAM user, may have **up to eight** MFA
    devices, and any one of them signs in; a second key, kept in another safe place, means a
    lost key is not a lost account:
    """),
    code("""
    backup_key = labkit.SecurityKey("castle vault backup key")
    root_console.register_passkey(backup_key, name="castle-vault-key-2")
    !aws iam get-account-summary --query "SummaryMap.AccountMFAEnabled"
    """),
    md("""
    From now on, the master key needs a key of its own:

    ### 🔧 What went wrong: root's password alone
    """),
    code("""
    try:
        console.sign_in_root(lab.root_email, lab.root_password)
    except labkit.MFACodeRequired as err:
        labkit.explain(err)
    """),
    code("""
    root_console = console.sign_in_root(lab.root_email, lab.root_password, passkey=backup_key)
    root_console
    """),
    md("""
    ## 2️⃣ Take over what the predecessor knew

    MFA is not the whole takeover. Your predecessor still knows **root's password**, and reads
    **root's e-mail address** — whoever reads that mailbox can reset the password and start
    the recovery of a lost MFA device. Both change in the console, signed in as root
    (*account menu → Account*): a new, long password, kept in the vault, and a team mailbox
    you control (AWS confirms the new address with a one-time code sent to it). Check the
    account's phone number too: MFA recovery uses it.
    """),
    code("""
    predecessor_knew = (lab.root_email, lab.root_password)
    NEW_ROOT_PASSWORD = "Vault-Door-Oak-Iron-Lantern-2026!"
    root_console.change_root_password(lab.root_password, NEW_ROOT_PASSWORD)
    root_console.change_root_email("cloud-vault@castle.example", NEW_ROOT_PASSWORD)
    print("root signs in as", lab.root_email)
    """),
    md("""
    The old password is now as useless as a copied key:

    ### 🔧 What went wrong: the predecessor tries the old password
    """),
    code("""
    try:
        console.sign_in_root(*predecessor_knew)
    except labkit.SignInFailed as err:
        labkit.explain(err)
    """),
    md("""
    ## 3️⃣ A strong password policy

    Before creating new passwords, raise the bar. CIS asks for at least 14 characters (check
    1.8) and no reuse of the last 24 passwords (check 1.9). The command is:

    ```bash
    aws iam update-account-password-policy --minimum-password-length 14 --password-reuse-prevention 24 \\\\
      --require-uppercase-characters --require-lowercase-characters --require-numbers --require-symbols \\\\
      --allow-users-to-change-password
    ```

    `--allow-users-to-change-password` is the other fix for chapter 02's locked-out Alice:
    it lets every IAM user change their own password.

    **⌨️ Your turn.** Type it below, on one line with `!` in front, and run the cell.
    """),
    your_turn("root-password-policy", "replace this line with the update-account-password-policy command"),
    code("""
    iam.get_account_password_policy()["PasswordPolicy"]
    """),
    md("""
    ## 🏁 Half-way audit
    """),
    code("""
    card = scorecard(lab)
    print(card)
    """),
    md("""
    Root has hardware MFA, the password policy is strong — but root still holds an access key,
    `carol-finance` still signs in with a password alone, and nobody but root does the daily
    work, so the activity log can only show root at work. That needs a second identity: the
    next chapter's warden.

    ## 🗝️ What still needs the master key — and what can hold it back

    A handful of jobs can only be done as root. AWS keeps the list on one page, and it changes:
    read [Tasks that require root user credentials](https://docs.aws.amazon.com/IAM/latest/UserGuide/root-user-tasks.html)
    rather than a list copied into a course. In 2026 it includes, for example, restoring
    permissions when the only IAM administrator has locked themselves out, activating IAM access
    to the Billing console, and unlocking an S3 bucket policy that denies everyone; some tasks
    that once needed root (such as the account's name) can now be allowed to IAM identities. For
    those rare moments you take the key out of the vault, sign in with MFA, do the one task, and
    put it back.

    Can anything restrict root? **No IAM policy can.** In an AWS Organization, though, service
    control policies (SCPs) apply to the root user of *member* accounts — and since November
    2024 the organization can even remove member accounts' root passwords and keys altogether
    (centralized root access, [chapter 06](06-a-realm-of-castles.ipynb)).
    """),
    code("""
    labkit.widgets.quiz("root-mfa-where", "root-mfa-mandatory", "root-inherited")
    """),
    reflection(
        "root-daily-use",
        "Do you currently use the root user for daily tasks? If yes, what's your plan to stop?",
    ),
    md("""
    ## 🔁 Recap
    - Audit with `aws iam generate-credential-report` / `get-credential-report` and
      `aws iam get-account-summary`; the scorecard turns them into seven checks of the CIS AWS
      Foundations Benchmark v4.0.1 (name the version you follow: the numbers change).
    - Root MFA is mandatory (since 2024 for standalone accounts) and assigned in the console
      only; prefer hardware (a security key) for root, and register a backup.
    - Taking over an account means changing everything the predecessor knew: root password,
      e-mail, MFA devices and keys.
    - Root-only tasks: see AWS's current list. Only SCPs, in member accounts of an
      organization, restrict root.

    ## ➡️ What's next
    Root's key is still on the hook. In
    [04b — The warden and the watch](04b-the-warden-and-the-watch.ipynb) daily work moves to an
    administrator, root's access key goes, and the activity log proves that root stays in the
    vault.
    """),
]
