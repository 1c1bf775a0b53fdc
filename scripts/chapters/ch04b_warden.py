"""Chapter 04b: the warden and the watch (daily admin, root's key retired, the activity log)."""
# ruff: noqa: E501  (notebook text: commands stay on one line, as learners type them)

from build_chapters import code, md, reflection, your_turn

FILE = "04b-the-warden-and-the-watch.ipynb"

CELLS = [
    md("""
    # 04b — The warden and the watch

    In [chapter 04](04-the-master-key-in-the-vault.ipynb) you took over an inherited account:
    root got two security keys, a new password and a new e-mail address, and the account a strong
    password policy. But root still holds an **access key**, and root is still the only one who
    works. This chapter hands daily work to an administrator — the **warden** — retires root's
    key, and shows how an auditor *proves* that the master key stays in the vault.

    ### Learning objectives
    - Give daily administration to an IAM user whose permissions come from a **group** and whose
      key is useless **without MFA**.
    - Switch to it, then delete root's access keys — in that order, and know why.
    - Read the **activity log** (CloudTrail's event history) to show that root is no longer
      used — never a key's last-used date.
    - Re-run the audit and see every check pass.
    """),
    code("""
    import json
    import labkit
    from botocore.exceptions import ClientError
    from labkit.checks.scorecard import scorecard

    lab = labkit.start("inherited-account")
    iam = lab.client("iam")
    """),
    md("""
    ## ⏪ Where we left off

    A fresh kernel starts from the inherited account again, so we replay chapter 04 in one cell:
    root's security keys, password and e-mail in the console, and the password policy.
    """),
    code("""
    console = labkit.Console(lab)
    root_console = console.sign_in_root(lab.root_email, lab.root_password)
    vault_key, backup_key = labkit.SecurityKey("castle vault key"), labkit.SecurityKey("castle vault backup key")
    root_console.register_passkey(vault_key, name="castle-vault-key")
    root_console.register_passkey(backup_key, name="castle-vault-key-2")
    root_console.change_root_password(lab.root_password, "Vault-Door-Oak-Iron-Lantern-2026!")
    root_console.change_root_email("cloud-vault@castle.example", lab.root_password)
    iam.update_account_password_policy(MinimumPasswordLength=14, PasswordReusePrevention=24, RequireUppercaseCharacters=True,
                                       RequireLowercaseCharacters=True, RequireNumbers=True, RequireSymbols=True,
                                       AllowUsersToChangePassword=True)
    print(scorecard(lab))
    """),
    md("""
    ## 1️⃣ An administrator for daily work

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
    md("""
    **⌨️ Your turn.** Attach AWS's managed policy to the group:

    ```bash
    aws iam attach-group-policy --group-name castle-admins --policy-arn arn:aws:iam::aws:policy/AdministratorAccess
    ```
    """),
    your_turn("warden-admin-group", "replace this line with the attach-group-policy command"),
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

    ## 2️⃣ Switch to the warden — *then* retire root's key
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
    Every row is green. Root has hardware MFA (two keys in two safes) and no access keys; since
    the warden took over, the activity log shows root only looking after its own credentials;
    passwords must be long and fresh; everyone with a console password has a second key; and
    daily work happens as the warden, whose key needs MFA.
    """),
    code("""
    labkit.widgets.quiz("root-key-order", "root-not-used-proof", "root-admin-group")
    """),
    reflection(
        "root-admin-keys",
        "Who in a team you know still administers AWS with a long-term access key that works "
        "without MFA? What would it take to move them to MFA sessions or to roles?",
    ),
    md("""
    ## 🔁 Recap
    - Daily admin: permissions through a group, MFA, and a key that is useless without an MFA
      session (a deny-unless-MFA policy on the group).
    - Switch your daily caller first, then delete root's access keys with root's own
      credentials (no `--user-name`).
    - "Root is not used" is proved by the activity log (`aws cloudtrail lookup-events`), never by
      a key's last-used date: deleting a key erases that date, not the trail. Alarm on
      `userIdentity.type = Root` to hear of any later use.

    ## ➡️ What's next
    The warden holds the `AdministratorAccess` key ring — every door. Most residents need far
    fewer keys. In [05 — Only the keys they need](05-only-the-keys-they-need.ipynb) you give the
    scribe the library and the knight the armory, and nothing more.

    Practise first? The [root exercise](../exercises/root.ipynb) starts from the same inherited
    account and covers chapters 04 and 04b.
    """),
]
