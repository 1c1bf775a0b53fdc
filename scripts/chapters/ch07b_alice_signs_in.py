"""Chapter 07b: Alice signs in at the gatehouse (the access portal with MFA, the CLI's SSO sign-in,
removing a leaver, retiring the IAM user)."""
# ruff: noqa: E501  (notebook text: commands stay on one line, as learners type them)

from build_chapters import code, footer, glossary_link, header, md, predict, reflection, your_turn

FILE = "07b-alice-signs-in.ipynb"

PORTAL = glossary_link("access portal")
PERMISSION_SET = glossary_link("permission set")
BREAK_GLASS = glossary_link("break-glass user")
SAML = glossary_link("SAML federation", "federates her into the role")

CELLS = [
    header(
        "07b — Alice signs in at the gatehouse",
        scenario="""
        In chapter 07 Alice became a person of the identity store, in the group
        `castle-developers`, whose permission set `Developer` reaches `castle-workloads`. She has
        never signed in. Today she does — in the portal with a password and MFA, then from the
        command line — without a single long-term key. Then the old IAM user `alice` goes.
        """,
        objectives=[
            f"do a person's first sign-in at the {PORTAL}: a password of her own, then MFA registration;",
            "write a CLI profile that signs in through IAM Identity Center, and read who it makes you;",
            "remove a leaver in one place, and see her next request for credentials refused;",
            "retire an IAM user completely: access keys, password, MFA devices, then the user.",
        ],
        prerequisites=[
            "[07 — People, not keys](07-people-not-keys.ipynb): the identity store, groups, permission sets and assignments;",
            "[03 — The two-key system](03-the-two-key-system-mfa.ipynb): an authenticator app and its codes.",
        ],
        build="Alice working in castle-workloads with short-lived credentials only, and no IAM user left for her.",
    ),
    code("""
    import json
    import labkit
    from botocore.exceptions import ClientError

    lab = labkit.start("identity-center")
    ic = lab.identity_center
    members = {a["Name"]: a["Id"] for a in lab.client("organizations").list_accounts()["Accounts"]}
    workloads = members["castle-workloads"]
    ic
    """),
    md("""
    ## What chapter 07 built, in one cell

    Each chapter starts a fresh sandbox, so this cell does again, with boto3, what chapter 07
    did step by step: Alice in the identity store (with her email address), the group
    `castle-developers` (with its description) and her membership, the permission set
    `Developer` (4-hour sessions, `ReadOnlyAccess` and the inline policy that lets her put
    files in `castle-artifacts`), and its assignment to `castle-workloads`. The scenario adds
    what the castle had before: Alice as an IAM user of the management account, with a
    password, an MFA device and an access key.
    """),
    code("""
    sso, store = lab.client("sso-admin"), lab.client("identitystore")
    alice_id = store.create_user(IdentityStoreId=ic.identity_store_id, UserName="alice", DisplayName="Alice Developer",
                                 Name={"GivenName": "Alice", "FamilyName": "Developer"},
                                 Emails=[{"Value": "alice@castle.example", "Type": "work", "Primary": True}])["UserId"]
    developers_id = store.create_group(IdentityStoreId=ic.identity_store_id, DisplayName="castle-developers",
                                       Description="Developers of castle-workloads")["GroupId"]
    store.create_group_membership(IdentityStoreId=ic.identity_store_id, GroupId=developers_id, MemberId={"UserId": alice_id})
    developer_arn = sso.create_permission_set(InstanceArn=ic.instance_arn, Name="Developer", Description="Read everything, publish artifacts",
                                              SessionDuration="PT4H")["PermissionSet"]["PermissionSetArn"]
    sso.attach_managed_policy_to_permission_set(InstanceArn=ic.instance_arn, PermissionSetArn=developer_arn,
                                                ManagedPolicyArn="arn:aws:iam::aws:policy/ReadOnlyAccess")
    publish_artifacts = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::castle-artifacts/*"}]}
    sso.put_inline_policy_to_permission_set(InstanceArn=ic.instance_arn, PermissionSetArn=developer_arn,
                                            InlinePolicy=json.dumps(publish_artifacts))
    sso.create_account_assignment(InstanceArn=ic.instance_arn, TargetId=workloads, TargetType="AWS_ACCOUNT",
                                  PermissionSetArn=developer_arn, PrincipalType="GROUP", PrincipalId=developers_id)
    !aws iam list-users --query "Users[].UserName"
    """),
    md(f"""
    ## Alice's first sign-in

    The administrator gives Alice a **one-time password** (in the console: *Reset password*,
    *Generate a one-time password*; an invitation email does the same). At the {PORTAL} she signs
    in with it and must choose her own. Then Identity Center asks her to **register an MFA
    device** before she gets any further: by default it requires MFA at every sign-in and
    makes people without a device register one
    ([Configure MFA in IAM Identity Center](https://docs.aws.amazon.com/singlesignon/latest/userguide/mfa-configure.html)).
    She scans the QR code with her phone's authenticator, as in chapter 03, and types its
    current code. (A passkey or security key would do too.) `ic.portal()` is the portal in the
    sandbox; each step answers with the next one:
    """),
    code("""
    portal = ic.portal()
    print(portal.sign_in("alice", ic.one_time_password("alice")))
    alice_password = "Lantern-Gate-2026!"
    print(portal.set_password(alice_password))
    alice_phone = portal.register_authenticator("alice-phone")
    print(portal.confirm_authenticator(alice_phone.code()))
    """),
    md("""
    ## Signing in from the command line

    Identity Center's `aws` commands belong to four services: chapter 07 used the first two,
    and signing in uses the other two:

    | service | what it does |
    |---|---|
    | `sso-admin` | the instance, permission sets and account assignments (chapter 07) |
    | `identitystore` | people and groups (chapter 07) |
    | `sso-oidc` | the CLI's sign-in: it hands the CLI its tokens |
    | `sso` | the portal's side: the accounts and roles a person may use, and role credentials for them |

    Three words first. An **access token** is a long random string that proves "this person
    signed in"; it expires after some hours. A **device code** is a short code, such as
    `ABCD-EFGH`, that the CLI shows and the person approves in the portal, so the portal knows
    which sign-in the CLI is waiting for. A **cache file** is where the CLI keeps the token
    between commands, under `~/.aws/sso/cache/`, so she does not sign in for every command.
    """),
    md("""
    With AWS CLI version 2 a person types `aws sso login`: the CLI registers itself with
    `sso-oidc`, opens the portal in a browser where she signs in (password and MFA) and
    approves the code, and keeps the access token in its cache file. Later `aws` commands trade
    that token for role credentials (`sso get-role-credentials`), by themselves
    ([Configuring IAM Identity Center authentication with the AWS CLI](https://docs.aws.amazon.com/cli/latest/userguide/cli-configure-sso.html)).

    > Aside: since late 2024, version 2 uses a browser redirect (PKCE) instead of the device
    > code by default; `--use-device-code` keeps the code.

    The course's `aws` is version 1 (the one that runs in a browser tab too), which has no
    `sso login` command, so `labkit.sso_login` does the same steps against your sandbox and
    writes the same cache file; at home, install version 2 and type `aws sso login`.
    """),
    md("""
    ### A profile that signs in

    A **profile** tells `aws` how to sign in. In the AWS config file it reads:

    ```ini
    [profile alice-dev]
    sso_session = alice-dev
    sso_account_id = <the id of the account she works in>
    sso_role_name = <the permission set's name>
    ```

    `sso_session` names the sign-in (its start URL and Region live in a section
    `[sso-session alice-dev]`, which `labkit.sso_login` writes if it is missing);
    `sso_account_id` is the account's 12-digit id; `sso_role_name` is the permission set's
    name.

    ### Your turn: write Alice's profile

    The `configure` command of `aws` has a `set` action that writes one setting of a profile:
    after `set` come the setting's name and its value, then `--profile` and the profile's name.
    Write the three settings, one command each. Look up the two values yourself: the id of
    `castle-workloads` (the first cell's `members`, or `!aws organizations list-accounts`),
    and the permission set's name (in the cell that rebuilt chapter 07).
    """),
    your_turn("ic-alice-profile", "replace this line with your three commands"),
    md("""
    Now Alice signs in (the code the CLI prints is approved in the portal, where she types her
    password and a fresh code from her phone), and asks who she is:
    """),
    code("""
    token = labkit.sso_login("alice-dev", user="alice", password=alice_password, mfa=alice_phone)
    !aws --profile alice-dev sts get-caller-identity
    """),
    md("""
    The address printed above, `https://device.sso.us-east-1.amazonaws.com/`, is what AWS
    prints. In the sandbox nobody opens it: the approval happens in the portal step that
    `labkit.sso_login` performs for Alice, and nothing leaves your machine.
    """),
    md(f"""
    She is not an IAM user: she is a session of the role that her {PERMISSION_SET} became in
    `castle-workloads`, `AWSReservedSSO_Developer_` and 16 hexadecimal characters, with her user
    name as the session's name. The role was made by provisioning, under its own path
    ([Identity Center and IAM roles](https://docs.aws.amazon.com/singlesignon/latest/userguide/referencingpermissionsets.html));
    `ReadOnlyAccess` lets her see it:
    """),
    code("""
    !aws --profile alice-dev iam list-roles --path-prefix /aws-reserved/sso.amazonaws.com/ --query "Roles[].[RoleName, MaxSessionDuration]" --output text
    """),
    md("""
    The role's longest session is the permission set's 4 hours (14,400 seconds). What may this
    role do in `castle-workloads`?
    """),
    predict(
        "ic-alice-creates-user",
        "Signed in as Alice (permission set Developer: ReadOnlyAccess), you create an IAM user in castle-workloads. What does AWS answer?",
        """
        # What went wrong (perhaps): Alice creates a user
        !aws --profile alice-dev iam create-user --user-name temp
        """,
    ),
    md(f"""
    ## Why this is better, shown

    **No long-term key anywhere.** What Alice holds is a token that expires (`labkit.sso_login`
    returned what it cached) and role credentials that expire with the session. Nothing to
    rotate, nothing that works forever if it leaks.

    **Her sessions are recorded where she works**, in `castle-workloads`'s own event history:
    each begins with `AssumeRoleWithSAML` by her (Identity Center {SAML}),
    then her calls as the reserved role with her name — the refused `CreateUser` too:
    """),
    code("""
    print("the cache holds:", sorted(token), "· the token expires:", token["expiresAt"])
    for event in reversed(lab.member_event_history(workloads)[:6]):
        identity = json.loads(event["CloudTrailEvent"])["userIdentity"]
        print(event["EventName"], "by", identity["type"], identity.get("arn", identity.get("userName", "")).split("/", 1)[-1])
    """),
    md("""
    **One place to remove a leaver.** When Alice leaves, the administrator disables her in
    Identity Center (*Disable user access*, a console action; the identity store API has no call
    for it). She can no longer sign in, and her cached token no longer gets role credentials, in
    any account. Credentials already handed out last until they expire (at most the session
    length), which is one more reason for short sessions; AWS shows how to cut even those at once
    with a deny policy ([Revoke access](https://docs.aws.amazon.com/singlesignon/latest/userguide/authconcept-revoke-access.html)).

    ### What went wrong: the leaver's next request
    """),
    code("""
    ic.disable_user("alice")
    try:
        lab.client("sso").get_role_credentials(roleName="Developer", accountId=workloads, accessToken=token["accessToken"])
    except ClientError as err:
        labkit.explain(err)
    !aws --profile alice-dev sts get-caller-identity
    ic.enable_user("alice")
    """),
    md("""
    The `aws` line says what CLI version 2 would say: run `aws sso login` again (ours:
    `labkit.sso_login`). She cannot: she is disabled. Alice has not left, though, so the cell
    enabled her again at its end.
    """),
    md("""
    ## Retire the IAM user

    The old IAM user `alice` still has an access key, a console password and an MFA device. IAM
    deletes a user only once nothing is attached to it; in the order the IAM guide gives:
    access keys, login profile, MFA devices (deactivate, then delete the virtual device), then
    the user ([Delete an IAM user](https://docs.aws.amazon.com/IAM/latest/UserGuide/id_users_remove.html)).

    ### What went wrong: the user first
    """),
    code("""
    !aws iam delete-user --user-name alice
    """),
    md("""
    ### Your turn: retire alice

    In one cell: delete each of her access keys (`!aws iam list-access-keys --user-name alice`
    shows the id), her login profile, then her MFA device — `deactivate-mfa-device` with the
    user name and the device's serial number (`!aws iam list-mfa-devices --user-name alice`),
    then `delete-virtual-mfa-device` with the serial number — and finally the user. Python
    lines with `iam = lab.client("iam")` are fine too.
    """),
    your_turn("ic-retire-alice", "replace this line with your commands (several lines are fine)"),
    md(f"""
    Should *any* IAM user with a password remain? Some organizations keep one {BREAK_GLASS}:
    a person's emergency access for the day the identity provider or Identity Center itself is
    unreachable, with a long password in a safe, a hardware MFA key, no access key, an alarm on
    every use — and nothing else to do.
    """),
    reflection(
        "ic-break-glass",
        "Would you keep one break-glass IAM user in your organization? Justify it: what failure "
        "would it cover that the management account's root user and Identity Center do not, and "
        "how would you know if someone used it?",
    ),
    code("""
    labkit.widgets.quiz("ic-read-the-reserved-role-denial", "ic-read-the-leaver-error", "ic-predict-leaver-session",
                        "ic-why-no-sso-login", "ic-delete-user-order")
    """),
    *footer(
        summary=[
            "A person's first sign-in at the access portal: her own password, then an MFA device she must register.",
            "A profile with sso_session, sso_account_id and sso_role_name signs in through Identity Center: a token, then role credentials.",
            "She acts as the reserved role `AWSReservedSSO_<set>_<hash>/<her name>`, recorded in the account where she works.",
            "A leaver is disabled once, for every account; an IAM user is retired by deleting keys, password and MFA devices first.",
        ],
        own_account=[
            "Install AWS CLI version 2 and sign in with `aws configure sso` and `aws sso login`, not with an access key.",
            "Require MFA at every sign-in in Identity Center's settings (the default), and keep permission sets' sessions short.",
            "For each person who is still an IAM user: an Identity Center user and group first, then retire the IAM user.",
            "Write down how a leaver is removed (disable in Identity Center) and test it once.",
        ],
        next="""
        The realm's people now sign in at one gatehouse, with no key of their own. Practise it
        alone in the [identity-center exercise](../exercises/identity-center.ipynb), then prove
        everything in the [capstone exercise](../exercises/capstone.ipynb): an inherited account
        with about ten problems to find and fix. Run `labkit journal` to collect your reflections.
        """,
    ),
]
