"""Chapter 02b: what a resident may do (an access key, "Alice can do nothing", a first policy)."""
# ruff: noqa: E501  (notebook text: commands stay on one line, as learners type them)

from build_chapters import code, footer, header, md, predict, reflection, your_turn

FILE = "02b-access-keys-and-policies.ipynb"

CELLS = [
    header(
        "02b — What a resident may do: access keys and policies",
        scenario="""
        Alice can sign in to the console, and now she wants the command line too. She gets an
        access key — and finds that her key opens no door at all. You write her first policy,
        one statement at a time, and watch `AccessDenied` turn into access.
        """,
        objectives=[
            "create an access key and keep its secret safe (AWS shows it once);",
            "read an `AccessDenied` message: who asked, for which action, on which resource;",
            "write a policy statement from its three parts: `Effect`, `Action`, `Resource`;",
            "put a policy on a user, and predict what it allows and what it does not.",
        ],
        prerequisites=[
            "Chapter 02: Alice, her password, and why she needed `IAMUserChangePassword`.",
            "Python dictionaries (`{\"key\": \"value\"}`) and lists.",
        ],
        build="Alice's first policy: she may read the list of users and her own user, nothing more.",
    ),
    md("""
    ## Where we left off

    Each chapter starts a fresh sandbox, so the cell after the set-up brings back what chapter 02 built:
    Alice with her own password (and the right to change it), and Bob, a tester who joined the
    same week.
    """),
    code("""
    import json

    import labkit
    from botocore.exceptions import ClientError

    lab = labkit.start("new-account")
    iam = lab.client("iam")       # signs as root, whatever the notebook's caller later is
    """),
    code("""
    for name in ("alice-developer", "bob-tester"):
        iam.create_user(UserName=name)
        iam.attach_user_policy(UserName=name, PolicyArn="arn:aws:iam::aws:policy/IAMUserChangePassword")
    iam.create_login_profile(UserName="alice-developer", Password="Quill-Lantern-Moat-2024!")
    iam.create_login_profile(UserName="bob-tester", Password="Bob-Temporary-2026!", PasswordResetRequired=True)
    lab
    """),
    md("""
    ## Access keys: long-term keys for the command line

    The command line cannot type a password into a web page; it signs every request with an
    **[access key](glossary.ipynb#access-key)**: an *access key id* (public, like a user name) and a *secret access key*
    (private, like a password). AWS shows the secret **once**, in the answer to
    `aws iam create-access-key --user-name alice-developer`. A lost secret cannot be recovered:
    you create a new key and delete the old one.

    > **2026:** with AWS CLI v2.32 or later (since November 2025), Alice would rather run
    > [`aws login`](https://docs.aws.amazon.com/cli/latest/userguide/cli-configure-sign-in.html):
    > it signs her in through the browser and gives the CLI short-lived credentials, so no
    > long-term key sits on her laptop (as an IAM user she would also need the
    > `SignInLocalDevelopmentAccess` policy). This sandbox runs AWS CLI version 1 (in
    > maintenance mode since July 2026), which has no `aws login`, so she gets a key here — the
    > way many accounts still work.

    We call it from Python, so the notebook can keep the key (and print only the secret's start):
    """),
    code("""
    new_key = iam.create_access_key(UserName="alice-developer")["AccessKey"]
    alice_keys = labkit.Credentials.from_response(new_key)
    print("key id:", new_key["AccessKeyId"], "  secret:", new_key["SecretAccessKey"][:4] + "…(shown once)")
    !aws iam list-access-keys --user-name alice-developer --query "AccessKeyMetadata[].[AccessKeyId, Status]" --output text
    """),
    md("""
    Listing her keys shows the id and status, never the secret.

    ## Alice can do nothing — yet

    `lab.use(alice_keys)` makes every `!aws` line sign with Alice's key from now on. The habit
    from chapter 01 first: who am I? Then a harmless read, the list of users.

    ### What went wrong: a user with no permissions
    """),
    code("""
    lab.use(alice_keys)
    !aws sts get-caller-identity --query Arn
    !aws iam list-users
    """),
    md("""
    `get-caller-identity` works for everyone (it needs no permission); everything else is shut.
    This is IAM's first rule: **what no policy allows is denied.** Read the [AccessDenied](glossary.ipynb#accessdenied) error like an
    auditor: it names *who* asked (`user/alice-developer`), *what* (`iam:ListUsers`), and why
    (*no identity-based policy allows* it) — exactly what a policy will have to allow.

    ## A policy, one statement at a time

    A **[policy](glossary.ipynb#policy)** is a JSON document (written here as a Python dictionary). Its heart is a list
    of **statements**, and a statement has three parts:

    - `Effect`: `"Allow"` (or `"Deny"`, chapter 03);
    - `Action`: which API actions, written `service:ActionName` — the action the error named;
    - `Resource`: on which things, by their ARN; `"*"` means every resource.

    Our first statement lets Alice read the list of users. `Version` is the date of the policy
    *language*, always `"2012-10-17"`, not the date of your policy:
    """),
    code("""
    roster = {"Effect": "Allow", "Action": "iam:ListUsers", "Resource": "*"}
    policy = {"Version": "2012-10-17", "Statement": [roster]}
    print(json.dumps(policy, indent=2))
    """),
    md("""
    Root puts it on Alice as an **[inline policy](glossary.ipynb#inline-policy)** (a policy that belongs to one user, under a
    name you choose). The command line would be
    `aws iam put-user-policy --user-name alice-developer --policy-name read-roster --policy-document '<the JSON>'`;
    in Python, `json.dumps` turns the dictionary into that JSON text. Then Alice tries again:
    """),
    code("""
    iam.put_user_policy(UserName="alice-developer", PolicyName="read-roster", PolicyDocument=json.dumps(policy))
    !aws iam list-users --query "Users[].UserName"
    """),
    md("""
    The door opened. Now, before running anything: what does *this* statement say about
    other doors?
    """),
    predict(
        "policies-list-groups",
        "Alice's only statement allows iam:ListUsers on every resource. She calls iam:ListGroups. "
        "What does AWS answer?",
        run="""
        alice_iam = lab.client("iam")          # signs as Alice: the notebook's caller
        try:
            alice_iam.list_groups()
            print("It worked.")
        except ClientError as err:
            print("AWS answered:", err.response["Error"]["Code"])
        """,
    ),
    md("""
    ## The Resource: which things

    `"*"` suits a list of all users. Reading one user is different: Alice should read *her own*
    user and nobody else's. An IAM user's ARN is
    `arn:aws:iam::<account id>:user/<name>` — *arn*, the partition (`aws`), the service
    (`iam`), an empty region (IAM is global), the account, and the thing. A second statement:
    """),
    code("""
    own_user = {"Effect": "Allow", "Action": "iam:GetUser", "Resource": f"arn:aws:iam::{lab.account_id}:user/alice-developer"}
    policy["Statement"].append(own_user)
    iam.put_user_policy(UserName="alice-developer", PolicyName="read-roster", PolicyDocument=json.dumps(policy))
    alice_iam.get_user(UserName="alice-developer")["User"]["Arn"]
    """),
    md("""
    Putting a policy under the same name replaces it: `read-roster` now has two statements.

    ### What went wrong: a resource the statement does not name
    """),
    code("""
    try:
        alice_iam.get_user(UserName="bob-tester")
    except ClientError as err:
        labkit.explain(err)
    """),
    md("""
    Same action, other resource: denied. The message names the resource it was asked for,
    `user/bob-tester`, which the statement does not. A fourth part, `Condition` (*when* a
    statement applies), comes in chapter 03, where Alice may work only with MFA.

    ## Your turn, on your own: one more action

    Alice's team asks that she may also call `iam:ListGroups` — and nothing more. Write a
    new policy with one statement and put it on her with root's client `iam`, under a new name
    (so `read-roster` stays as it is). No code is printed for you this time.
    """),
    your_turn("policies-list-groups", "replace this line with the policy and the call that puts it on Alice"),
    md("""
    Back to root for the rest of the course's habits: `lab.use(None)`.
    """),
    code("""
    lab.use(None)
    labkit.widgets.quiz("users-lost-secret", "policies-read-error", "policies-predict-resource", "policies-version")
    """),
    reflection(
        "policies-first-statement",
        "Think of one person or program you know that uses an AWS account. Write the one statement "
        "(Effect, Action, Resource) that their most common task needs.",
    ),
    *footer(
        summary=[
            "An access key (id and secret) signs command-line requests; the secret is shown once and never again.",
            "What no policy allows is denied; `AccessDenied` names who asked, the action and the resource.",
            "A statement says `Effect`, `Action` (`service:ActionName`) and `Resource` (an ARN or `*`); a policy holds a list of them.",
            "`put-user-policy` puts an inline policy on one user; the same name replaces it.",
        ],
        own_account=[
            "Find access keys nobody uses any more (`aws iam list-access-keys`, and the *last used* date in the console) and delete them.",
            "Prefer `aws login` or Identity Center to an access key on a laptop.",
            "When you read an `AccessDenied`, write down the action and resource it names before you change any policy.",
        ],
        next="""
        Alice's account is protected by one key: her password. In
        [03 — The two-key system: MFA](03-the-two-key-system-mfa.ipynb) she gets a second one,
        a policy with a `Condition` makes it compulsory, and a password thief finds the gate
        still locked.

        Practise first? The [users exercise](../exercises/users.ipynb) covers chapters 02 and 02b,
        and has a *Check my work* button.
        """,
    ),
]
