"""Chapter 04b: the warden and the watch (daily admin, root's key retired, the activity log)."""
# ruff: noqa: E501  (notebook text: commands stay on one line, as learners type them)

from build_chapters import code, footer, header, md, predict, reflection, your_turn

FILE = "04b-the-warden-and-the-watch.ipynb"

CELLS = [
    header(
        "04b — The warden and the watch",
        scenario="""
        In [chapter 04](04-the-master-key-in-the-vault.ipynb) you took over an inherited account:
        root got two security keys, a new password and a new e-mail address, and the account a
        strong password policy. But root still holds an **access key**, and root is still the
        only one who works. This chapter hands daily work to an administrator — the **warden** —
        retires root's key, and shows how an auditor *proves* that the master key stays in the vault.
        """,
        objectives=[
            "give daily administration to an IAM user whose permissions come from a group, and whose key is useless without MFA;",
            "switch to it, then delete root's access key — in that order, and say why;",
            "read the activity log (CloudTrail's event history) to show that root is no longer used;",
            "re-run the audit and see every check pass.",
        ],
        prerequisites=[
            "Chapter 04: the audit, root's security keys, the password policy.",
            "Chapter 03: the deny-unless-MFA house rule and `get-session-token` (03b).",
        ],
        build="The warden: an MFA-bound administrator — and an account whose scorecard is all green.",
    ),
    code("""
    import json
    import labkit
    from botocore.exceptions import ClientError
    from labkit.checks.scorecard import scorecard

    lab = labkit.start("inherited-account")
    iam = lab.client("iam")
    """),
    md("""
    ## Where we left off

    A fresh kernel starts from the inherited account again, so we replay chapter 04 in two
    cells. First what happened in the console, signed in as root: the two security keys, then
    the new password and e-mail address (`change_root_email` confirms with the new password,
    which `lab.root_password` now holds).
    """),
    code("""
    console = labkit.Console(lab)
    root_console = console.sign_in_root(lab.root_email, lab.root_password)
    vault_key, backup_key = labkit.SecurityKey("castle vault key"), labkit.SecurityKey("castle vault backup key")
    root_console.register_passkey(vault_key, name="castle-vault-key")
    root_console.register_passkey(backup_key, name="castle-vault-key-2")
    root_console.change_root_password(lab.root_password, "Vault-Door-Oak-Iron-Lantern-2026!")
    root_console.change_root_email("cloud-vault@castle.example", lab.root_password)
    """),
    md("""
    Then your answer to chapter 04's your-turn, the password policy, written in Python (each
    option of the command is a parameter here), and the half-way audit:
    """),
    code("""
    iam.update_account_password_policy(MinimumPasswordLength=14, PasswordReusePrevention=24,
                                       RequireUppercaseCharacters=True, RequireLowercaseCharacters=True,
                                       RequireNumbers=True, RequireSymbols=True, AllowUsersToChangePassword=True)
    print(scorecard(lab))
    """),
    md("""
    ## Step 1: an administrator for daily work

    Day-to-day administration moves to another identity: the **warden**, who runs the castle
    while the master key stays in the vault. With IAM Identity Center you would give yourself an
    administrator permission set; in this standalone account the warden is an IAM user (in your
    own account, name it after yourself). Two rules of current practice:

    - **permissions come from a [group](glossary.ipynb#group)**, not from the user: the group `castle-admins` holds AWS's
      managed policy `AdministratorAccess`, and people join or leave the group;
    - **no long-term admin key works without MFA**: the group also carries chapter 03's house
      rule, so a copied access key opens nothing until it is exchanged, with a code, for an MFA
      session.
    """),
    code("""
    !aws iam create-group --group-name castle-admins
    """),
    md("""
    **⌨️ Your turn, on your own.** Attach AWS's managed policy `AdministratorAccess` (its ARN is
    `arn:aws:iam::aws:policy/AdministratorAccess`) to the group. In chapter 02 you attached a
    managed policy to a *user* with `attach-user-policy`; for a group, the command and its
    option say *group* instead of *user*.
    """),
    your_turn("warden-admin-group", "replace this line with the command that attaches AdministratorAccess to the group"),
    md("""
    Now the house rule, on the group. The warden needs only its `Deny` statement (AdministratorAccess
    already allows the MFA set-up actions). `put-group-policy` is `put-user-policy` for a group;
    `'{mfa_or_nothing}'` inserts the Python text into the `!` line, in quotes for the shell:
    """),
    code("""
    mfa_or_nothing = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Deny",
        "NotAction": ["iam:CreateVirtualMFADevice", "iam:EnableMFADevice", "iam:ListMFADevices",
                      "iam:ResyncMFADevice", "iam:GetUser", "sts:GetSessionToken"],
        "Resource": "*",
        "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}}]})
    !aws iam put-group-policy --group-name castle-admins --policy-name mfa-or-nothing --policy-document '{mfa_or_nothing}'
    !aws iam create-user --user-name warden
    !aws iam add-user-to-group --group-name castle-admins --user-name warden
    """),
    md("""
    ### What went wrong: a password that breaks the new policy
    """),
    code("""
    try:
        iam.create_login_profile(UserName="warden", Password="Admin123!")
    except ClientError as err:
        labkit.explain(err)
    """),
    md("""
    An administrator without MFA would undo all our work. The warden gets a long password and an
    authenticator, and so does `carol-finance`, the console user the audit flagged. In reality
    each enrols the device on their own phone, as Alice did in chapter 03; here we play their
    phones (`labkit.Authenticator`, the widget's app without the picture). Last, the warden gets
    an access key for the command line.
    """),
    code("""
    WARDEN_PASSWORD = "Vault-Keeper-Lantern-42!"
    iam.create_login_profile(UserName="warden", Password=WARDEN_PASSWORD)
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
    That was root's last piece of administration. From the warden's first sign-in on, the
    activity log will show whether root stays in the vault.

    ## Step 2: switch to the warden — *then* retire root's key
    """),
    code("""
    console.sign_in(lab.account_id, "warden", WARDEN_PASSWORD, mfa_code=phones["warden"].code())
    """),
    predict(
        "warden-key-alone",
        "The warden's group holds AdministratorAccess and the deny-unless-MFA rule. His plain "
        "access key (no MFA session) asks for the list of users. What does AWS answer?",
        run="""
        try:
            lab.client("iam", credentials=warden_keys).list_users()
            print("It worked.")
        except ClientError as err:
            print("AWS answered:", err.response["Error"]["Code"])
        """,
    ),
    md("""
    Exchanged with a code for an MFA session (chapter 03b), his key works — and that session
    becomes the notebook's caller. **The order matters:** the notebook still signs every `!aws`
    line with root's key. Delete that key first, and the very next line has no valid caller
    (`InvalidClientTokenId`). So: switch first, delete second.
    """),
    code("""
    answer = lab.client("sts", credentials=warden_keys).get_session_token(SerialNumber=warden_mfa, TokenCode=phones["warden"].code())
    lab.use(labkit.Credentials.from_response(answer["Credentials"]))
    !aws sts get-caller-identity --query Arn
    !aws iam list-users --query "Users[].UserName"
    """),
    md("""
    The warden cannot delete root's access keys: in a standalone account only root manages
    root's own credentials. So this one last time we call AWS **as root, explicitly**, for a
    single command. Two things make that work:

    - in a shell, `NAME=value command` sets the variable `NAME` for that one command only;
    - the AWS CLI reads its credentials from `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY`
      when they are set, before any configuration file
      ([environment variables for the AWS CLI](https://docs.aws.amazon.com/cli/latest/userguide/cli-configure-envvars.html)).

    `{root_key_id}` and `{lab.root.secret_access_key}` insert root's key, which the notebook
    keeps in `lab.root`. Root manages its own keys with **no** `--user-name`: the first line
    lists them, the second deletes the one the predecessor used.
    """),
    code("""
    root_key_id = lab.root.access_key_id
    !AWS_ACCESS_KEY_ID={root_key_id} AWS_SECRET_ACCESS_KEY={lab.root.secret_access_key} aws iam list-access-keys --query "AccessKeyMetadata[].[AccessKeyId, Status]" --output text
    !AWS_ACCESS_KEY_ID={root_key_id} AWS_SECRET_ACCESS_KEY={lab.root.secret_access_key} aws iam delete-access-key --access-key-id {root_key_id}
    """),
    md("""
    The master key's copy is gone. Anyone who copied it from the predecessor's laptop now holds
    a useless string:

    ### What went wrong: using a deleted key
    """),
    code("""
    try:
        lab.client("sts", credentials=lab.root).get_caller_identity()
    except ClientError as err:
        labkit.explain(err)
    """),
    md("""
    (This is also why `lab.use(None)`, which means "back to root's key", would now leave the
    notebook without a working caller: the warden's MFA session is our caller from here on.)

    ## The activity log remembers

    How would an auditor know that root is no longer used? Not from root's access key: its
    "last used" date went away with the key. What stays is the **activity log**: [CloudTrail](glossary.ipynb#cloudtrail)'s
    event history records the management calls of the last **90 days**, in each Region — who
    (`userIdentity`, whose `type` is `Root` for the master key), what, when, from where, and
    whether AWS refused it
    ([Viewing CloudTrail events](https://docs.aws.amazon.com/awscloudtrail/latest/userguide/view-cloudtrail-events.html)).
    Proving "root is not used" for longer than that takes a **trail** (multi-Region, or one
    trail for the whole organization) that keeps the events, and an alarm.
    The warden reads the last calls of everyone, oldest first:
    """),
    code("""
    trail = lab.client("cloudtrail")
    for event in reversed(trail.lookup_events(MaxResults=14)["Events"]):
        print(f"{event['EventTime']:%H:%M:%S}  {event.get('Username', '?'):<8} {event['EventName']}")
    """),
    md("""
    Root's administration, then the warden's first sign-in, then root only listing and deleting
    its own key, then the warden at work. That is what the scorecard's check 2.7 reads: *once an
    administrator took over, did root only look after its own credentials?* The command line
    asks the same with `aws cloudtrail lookup-events --lookup-attributes AttributeKey=Username,AttributeValue=root`.
    On a real account you would also set an alarm (an EventBridge rule or a CloudWatch metric
    filter on `userIdentity.type = Root`), so that any later use of the master key reaches you.

    ## The audit, again
    """),
    code("""
    card = scorecard(lab)
    print("Every check passes:", card.all_passed)
    card
    """),
    md("""
    Every row is green. Root has hardware MFA (two keys in two safes) and no access keys; since
    the warden took over, the activity log shows root only looking after its own credentials;
    passwords must be long and fresh; everyone with a console password has a second key; and
    daily work happens as the warden, whose key needs MFA.

    ## Check your understanding
    """),
    code("""
    labkit.widgets.quiz("root-key-order", "root-read-deleted-key", "root-predict-admin-no-mfa", "root-not-used-proof", "root-admin-group")
    """),
    reflection(
        "root-admin-keys",
        "Who in a team you know still administers AWS with a long-term access key that works "
        "without MFA? What would it take to move them to MFA sessions or to roles?",
    ),
    *footer(
        summary=[
            "Daily admin: permissions through a group, MFA, and a key that is useless without an MFA session.",
            "Switch your daily caller first, then delete root's access keys with root's own credentials (no `--user-name`).",
            "An explicit deny beats even `AdministratorAccess`.",
            "\"Root is not used\" is proved by the activity log, never by a key's last-used date; alarm on `userIdentity.type = Root`.",
        ],
        own_account=[
            "Create an administrator for yourself (an Identity Center permission set, or an IAM user in a group) with MFA, and stop signing in as root.",
            "Delete root's access keys, if any (*Security credentials* page, signed in as root).",
            "Set an alarm on any use of the root user (EventBridge or a CloudWatch metric filter on `userIdentity.type = Root`).",
        ],
        next="""
        The warden holds the `AdministratorAccess` key ring — every door. Most residents need far
        fewer keys. In [05 — Only the keys they need](05-only-the-keys-they-need.ipynb) you give the
        scribe the library and the knight the armory, and nothing more.

        Practise later? The [root exercise](../exercises/root.ipynb) starts from the same inherited
        account and covers chapters 04 and 04b.
        """,
    ),
]
