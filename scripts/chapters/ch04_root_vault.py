"""Chapter 04: the master key in the vault (audit an inherited account, lock root away)."""
# ruff: noqa: E501  (notebook text: commands stay on one line, as learners type them)

from build_chapters import code, md, reflection

FILE = "04-the-master-key-in-the-vault.ipynb"

CELLS = [
    md("""
    # 04 — The master key in the vault: root

    Every AWS account starts with a **root user**, the account owner with unlimited access: the
    castle's master key. Whoever holds it can delete everything, run up enormous bills or lock
    the owners out. It belongs in a vault: used for the first setup, protected with MFA, then
    left alone while everyone — you included — works as an IAM user.

    Today you **inherit** an account from someone who did not do that.

    ### Learning objectives
    - Audit an account with the credential report, the account summary and a CIS-style scorecard.
    - Enable MFA on root the only way AWS allows: in the console.
    - Create an administrator IAM user for daily work, with a strong password policy and MFA.
    - Switch to that user, then delete root's access keys — in that order, and know why.
    - Re-run the audit and see every check pass.
    """),
    code("""
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
    Six of its identity checks fit this course. The scorecard reads the account through the AWS
    API, exactly as an auditor would:
    """),
    code("""
    scorecard(lab)
    """),
    md("""
    Zero out of six. Let's lock the master key away, one step at a time.

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
    `--user-name`, and there is no user called `root` either. As AWS's
    documentation says, root's MFA device is assigned **only in the AWS Management Console**,
    signed in as root with the account's e-mail address. So we sign in there:
    """),
    code("""
    console = labkit.Console(lab)
    root_console = console.sign_in_root(lab.root_email, lab.root_password)
    root_console
    """),
    md("""
    In the console: *account menu → Security credentials → Assign MFA device → Authenticator app*.
    The console shows a QR code. Scan it with the authenticator that will live in the vault — the
    widget below, or your own phone:
    """),
    code("""
    root_mfa = root_console.create_root_mfa_device()
    vault_phone = labkit.widgets.authenticator(root_mfa)
    vault_phone
    """),
    md("""
    Type two consecutive codes to finish (with your own phone: put them in `MY_PHONE_CODES`):
    """),
    code("""
    MY_PHONE_CODES = None
    root_console.activate_root_mfa_device(*(MY_PHONE_CODES or vault_phone.authenticator.pair()))
    vault_phone.close()
    print("Root MFA device:", root_mfa.serial)
    """),
    md("""
    From now on, the master key needs two keys of its own:
    """),
    code("""
    try:
        console.sign_in_root(lab.root_email, lab.root_password)
    except labkit.MFACodeRequired as err:
        labkit.explain(err)
    """),
    md("""
    In real life the authenticator for root is often a hardware key kept in a safe, with a
    backup device registered too, so that losing one does not lock the owners out.

    ## 2️⃣ A strong password policy

    Before creating new passwords, raise the bar. CIS asks for at least 14 characters and no
    reuse of the last 24 passwords:
    """),
    code("""
    !aws iam update-account-password-policy --minimum-password-length 14 --password-reuse-prevention 24 --require-uppercase-characters --require-lowercase-characters --require-numbers --require-symbols --allow-users-to-change-password
    """),
    code("""
    iam.get_account_password_policy()["PasswordPolicy"]
    """),
    md("""
    ## 3️⃣ An administrator for daily work

    Day-to-day administration moves to an IAM user: the **warden**, who runs the castle while the
    master key stays in the vault. (In your own account, name it after yourself.) AWS's managed
    policy `AdministratorAccess` lets the warden do what daily work needs.
    """),
    code("""
    !aws iam create-user --user-name warden
    """),
    code("""
    !aws iam attach-user-policy --user-name warden --policy-arn arn:aws:iam::aws:policy/AdministratorAccess
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
    `carol-finance`, the console user the audit flagged. In reality each of them scans the QR
    code on their own phone; here we play their phones:
    """),
    code("""
    phones = {}
    for user in ("warden", "carol-finance"):
        device = iam.create_virtual_mfa_device(VirtualMFADeviceName=user)["VirtualMFADevice"]
        phones[user] = labkit.Authenticator(device["Base32StringSeed"])
        code1, code2 = phones[user].pair()
        iam.enable_mfa_device(UserName=user, SerialNumber=device["SerialNumber"],
                              AuthenticationCode1=code1, AuthenticationCode2=code2)
    console.sign_in(lab.account_id, "warden", WARDEN_PASSWORD, mfa_code=phones["warden"].code())
    """),
    md("""
    ## 4️⃣ Switch to the warden — *then* retire root's key

    The warden gets an access key for the command line, and the notebook switches to it.
    **The order matters:** the notebook is still signing every `!aws` call with root's key. Delete
    that key first, and the very next cell has no valid caller (try to picture the error:
    `InvalidClientTokenId`). So: switch first, delete second.
    """),
    code("""
    warden_keys = labkit.Credentials.from_response(iam.create_access_key(UserName="warden")["AccessKey"])
    lab.use(warden_keys)
    !aws sts get-caller-identity
    """),
    md("""
    The warden cannot delete root's access keys (nobody but root can manage root's own
    credentials), so this one last time we call AWS **as root, explicitly**. Root manages its
    keys with its own credentials and **no** `--user-name`. For a single command, environment
    variables set in front of it override the notebook's caller:
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
    notebook without a working caller. The warden is our caller from here on.)

    The warden, meanwhile, carries on:
    """),
    code("""
    !aws iam list-users --query "Users[].UserName"
    """),
    md("""
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
    Every row is green. Root has MFA and no access keys; its only recent sign-in was to set up
    MFA; passwords must be long and fresh; everyone with a console password has a second key;
    and daily work happens as the warden.

    Root still has a few jobs that only it can do — for example changing the account's name,
    e-mail address or root password, changing the support plan, or closing the account. For those rare moments you take the key out of
    the vault, sign in with MFA, do the one task, and put it back.
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
    - Audit with `aws iam generate-credential-report` / `get-credential-report` and
      `aws iam get-account-summary`; the scorecard turns them into six CIS checks.
    - Root's MFA is assigned in the console only; the API cannot target root.
    - Set a password policy (14+ characters, no reuse of the last 24), create an admin IAM user
      with MFA, switch to it, then delete root's access keys with root's own credentials.
    - Root stays in the vault: rare, MFA-protected sign-ins for the few root-only tasks.

    ## ➡️ What's next
    The warden holds the `AdministratorAccess` key ring — every door. Most residents need far
    fewer keys. In [05 — Only the keys they need](05-only-the-keys-they-need.ipynb) you give the
    scribe the library and the knight the armory, and nothing more.

    Practise first? The [root exercise](../exercises/root.ipynb) starts from the same inherited
    account.
    """),
]
