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
    - Give daily administration to an IAM user whose permissions come from a group and whose
      key is useless without MFA; switch to it, then delete root's access keys — in that order.
    - Know which tasks still need root, and what can restrict root at all.
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
    Zero out of seven. Let's lock the master key away, one step at a time.

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
    ## 4️⃣ An administrator for daily work

    Day-to-day administration moves to another identity: the **warden**, who runs the castle
    while the master key stays in the vault. With IAM Identity Center you would give yourself an
    administrator permission set; in this standalone account the warden is an IAM user (in your
    own account, name it after yourself). Two rules of current practice:

    - **permissions come from a group**, not from the user: the group `castle-admins` holds AWS's
      managed policy `AdministratorAccess`, and people join or leave the group;
    - **no long-term admin key works without MFA**: the group also carries chapter 03's house
      rule, so a copied access key opens nothing until it is exchanged, with a code, for a
      temporary MFA session.
    """),
    code("""
    !aws iam create-group --group-name castle-admins
    """),
    code("""
    !aws iam attach-group-policy --group-name castle-admins --policy-arn arn:aws:iam::aws:policy/AdministratorAccess
    """),
    code("""
    mfa_or_nothing = json.dumps({
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "DenyAllExceptListedIfNoMFA", "Effect": "Deny",
            "NotAction": ["iam:CreateVirtualMFADevice", "iam:EnableMFADevice", "iam:GetUser",
                          "iam:ListMFADevices", "iam:ListVirtualMFADevices", "iam:ResyncMFADevice",
                          "sts:GetSessionToken"],
            "Resource": "*",
            "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}},
        }],
    })
    !aws iam put-group-policy --group-name castle-admins --policy-name mfa-or-nothing --policy-document '{mfa_or_nothing}'
    """),
    code("""
    !aws iam create-user --user-name warden
    !aws iam add-user-to-group --group-name castle-admins --user-name warden
    """),
    md("""
    ### 🔧 What went wrong: a password that breaks the new policy
    """),
    code("""
    try:
        iam.create_login_profile(UserName="warden", Password="Admin123!")
    except ClientError as err:
        labkit.explain(err)
    """),
    code("""
    WARDEN_PASSWORD = "Vault-Keeper-Lantern-42!"
    iam.create_login_profile(UserName="warden", Password=WARDEN_PASSWORD)["LoginProfile"]
    """),
    md("""
    An administrator without MFA would undo all our work. The warden gets an authenticator
    (we keep this one out of sight: it works exactly like the widget), and so does
    `carol-finance`, the console user the audit flagged. In reality each of them enrols the
    device on their own phone, as Alice did in chapter 03; here we play their phones:
    """),
    code("""
    phones = {}
    for user in ("warden", "carol-finance"):
        device = iam.create_virtual_mfa_device(VirtualMFADeviceName=user)["VirtualMFADevice"]
        phones[user] = labkit.Authenticator(device["Base32StringSeed"])
        code1, code2 = phones[user].pair()
        iam.enable_mfa_device(UserName=user, SerialNumber=device["SerialNumber"],
                              AuthenticationCode1=code1, AuthenticationCode2=code2)
    warden_mfa = "arn:aws:iam::123456789012:mfa/warden"
    warden_keys = labkit.Credentials.from_response(iam.create_access_key(UserName="warden")["AccessKey"])
    """),
    md("""
    That was root's last piece of administration: the warden has a password, MFA and an access
    key for the command line. From the warden's first sign-in on, the activity log will show
    whether root stays in the vault.

    ## 5️⃣ Switch to the warden — *then* retire root's key
    """),
    code("""
    console.sign_in(lab.account_id, "warden", WARDEN_PASSWORD, mfa_code=phones["warden"].code())
    """),
    md("""
    The warden's access key, on its own, opens nothing:

    ### 🔧 What went wrong: an admin key without MFA
    """),
    code("""
    try:
        lab.client("iam", credentials=warden_keys).list_users()
    except ClientError as err:
        labkit.explain(err)
    """),
    md("""
    Exchanged with a code for a temporary MFA session, it works — and that session becomes the
    notebook's caller. **The order matters:** the notebook is still signing every `!aws` call
    with root's key. Delete that key first, and the very next cell has no valid caller (try to
    picture the error: `InvalidClientTokenId`). So: switch first, delete second.
    """),
    code("""
    answer = lab.client("sts", credentials=warden_keys).get_session_token(SerialNumber=warden_mfa, TokenCode=phones["warden"].code())
    lab.use(labkit.Credentials.from_response(answer["Credentials"]))
    !aws sts get-caller-identity
    """),
    md("""
    The warden cannot delete root's access keys (only root manages root's own credentials in a
    standalone account), so this one last time we call AWS **as root, explicitly**. Root manages
    its keys with its own credentials and **no** `--user-name`. For a single command,
    environment variables set in front of it override the notebook's caller:
    """),
    code("""
    root_key_id = lab.root.access_key_id
    !AWS_ACCESS_KEY_ID={root_key_id} AWS_SECRET_ACCESS_KEY={lab.root.secret_access_key} aws iam list-access-keys
    """),
    code("""
    !AWS_ACCESS_KEY_ID={root_key_id} AWS_SECRET_ACCESS_KEY={lab.root.secret_access_key} aws iam delete-access-key --access-key-id {root_key_id}
    """),
    md("""
    In boto3 the pair is `lab.client("iam", credentials=lab.root).list_access_keys()` and
    `.delete_access_key(AccessKeyId=...)`. The master key's copy is gone. Anyone who copied it
    from the predecessor's laptop now holds a useless string:

    ### 🔧 What went wrong: using a deleted key
    """),
    code("""
    try:
        lab.client("sts", credentials=lab.root).get_caller_identity()
    except ClientError as err:
        labkit.explain(err)
    """),
    md("""
    (This is also why `lab.use(None)`, which means "back to root's key", would now leave the
    notebook without a working caller. The warden's MFA session is our caller from here on.)

    The warden, meanwhile, carries on:
    """),
    code("""
    !aws iam list-users --query "Users[].UserName"
    """),
    md("""
    ## 📜 The activity log remembers

    How would an auditor know that root is no longer used? Not from root's access key: its
    "last used" date went away with the key, minutes after root made a dozen calls. What stays
    is the **activity log**: CloudTrail's event history records every management call — who
    (`userIdentity`, whose `type` is `Root` for the master key), what, when, from where, and
    whether AWS refused it ([Viewing CloudTrail events](https://docs.aws.amazon.com/awscloudtrail/latest/userguide/view-cloudtrail-events.html)).
    The warden asks it for root's most recent calls:
    """),
    code("""
    !aws cloudtrail lookup-events --lookup-attributes AttributeKey=Username,AttributeValue=root --max-results 8 --query "Events[].[EventTime, EventName]" --output text
    """),
    md("""
    (AWS CLI version 1 prints the times as AWS sends them, in seconds since 1970.) In Python
    the whole story reads better — the last calls of everyone, oldest first:
    """),
    code("""
    trail = lab.client("cloudtrail")
    for event in reversed(trail.lookup_events(MaxResults=14)["Events"]):
        print(f"{event['EventTime']:%H:%M:%S}  {event.get('Username', '?'):<8} {event['EventName']}")
    """),
    md("""
    Root's administration, then the warden's first sign-in, then root only listing and
    deleting its own key, then the warden at work. That is what the scorecard's check 1.7 reads: *once an
    administrator took over, did root only look after its own credentials?* On a real account
    you would also set an alarm (an EventBridge rule or a CloudWatch metric filter on
    `userIdentity.type = Root`) so that any later use of the master key reaches you at once.

    ## 🏁 The audit, again
    """),
    code("""
    card = scorecard(lab)
    card
    """),
    code("""
    print("Every check passes:", card.all_passed)
    lab
    """),
    md("""
    Every row is green. Root has hardware MFA (two keys in two safes) and no access keys; since the warden took over, the
    activity log shows root only looking after its own credentials; passwords must be long and
    fresh; everyone with a console password has a second key; and daily work happens as the
    warden, whose key needs MFA.

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
    (centralized root access), running the few root tasks from the management account.
    """),
    code("""
    labkit.widgets.quiz("root-mfa-where", "root-key-order", "root-mfa-mandatory", "root-not-used-proof", "root-inherited")
    """),
    reflection(
        "root-daily-use",
        "Do you currently use the root user for daily tasks? If yes, what's your plan to stop?",
    ),
    md("""
    ## 🔁 Recap
    - Audit with `aws iam generate-credential-report` / `get-credential-report`,
      `aws iam get-account-summary` and the activity log (`aws cloudtrail lookup-events`); the
      scorecard turns them into seven checks of the CIS AWS Foundations Benchmark v4.0.1.
      "Root is not used" is proved by the log, never by a key's last-used date.
    - Root MFA is mandatory (since 2024 for standalone accounts) and assigned in the console
      only; prefer hardware (a security key) for root, and register a backup.
    - Taking over an account means changing everything the predecessor knew: root password,
      e-mail, MFA devices and keys.
    - Daily admin: permissions through a group, MFA, and a key that is useless without an MFA
      session. Switch to it, then delete root's access keys with root's own credentials.
    - Root-only tasks: see AWS's current list. Only SCPs, in member accounts of an
      organization, restrict root.

    ## ➡️ What's next
    The warden holds the `AdministratorAccess` key ring — every door. Most residents need far
    fewer keys. In [05 — Only the keys they need](05-only-the-keys-they-need.ipynb) you give the
    scribe the library and the knight the armory, and nothing more.

    Practise first? The [root exercise](../exercises/root.ipynb) starts from the same inherited
    account.
    """),
]
