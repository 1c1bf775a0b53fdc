"""Chapter 02: permanent residents (IAM users, passwords, access keys, no permissions yet)."""
# ruff: noqa: E501  (notebook text: commands stay on one line, as learners type them)

from build_chapters import code, md, reflection, your_turn

FILE = "02-permanent-residents.ipynb"

CELLS = [
    md("""
    # 02 — Permanent residents: IAM users

    Picture the people who live and work in the castle every day. Each has a key of their own to
    the main gate. In AWS, such a resident is an **IAM user**: an identity in your account with
    **long-term** credentials of its own — a **password** for the web console, or an **access
    key** for the command line and programs.

    ### Learning objectives
    - Say when an IAM user is the right identity in 2026, and what AWS recommends otherwise.
    - Create an IAM user with `aws iam create-user` — typing the book's commands yourself.
    - Give a person a console password that must be changed at first sign-in, and make sure
      she is *allowed* to change it.
    - Give a program an access key, keep its secret safe — and see why a build job should get a
      **role** instead.
    - See for yourself that a new user can do **nothing** until a policy allows it.
    """),
    md("""
    ## 🧭 Who should be a permanent resident in 2026?

    Long-term keys are the classic way into an AWS account, and the riskiest: a password or an
    access key works until someone revokes it, from anywhere, for whoever holds it. So AWS now
    recommends ([Use cases for IAM users](https://docs.aws.amazon.com/IAM/latest/UserGuide/gs-identities-iam-users.html)):

    | who | recommended identity |
    |---|---|
    | **people** (you, your team) | sign in through **IAM Identity Center** (or another identity provider) and get temporary credentials; on a laptop, `aws login` (AWS CLI v2.32+, since November 2025) turns a console sign-in into short-lived CLI credentials |
    | **workloads** (servers, functions, CI jobs) | **IAM roles**: an instance profile, a Lambda or ECS task role, or — for a CI service — a role trusted through **OIDC federation** |
    | **IAM users** | what those cannot cover: emergency (break-glass) access, workloads that cannot use roles, third-party tools that need an access key, and accounts without Identity Center |

    Our castle is a small standalone account with no Identity Center yet — exactly where a team
    still starts with IAM users. So Alice, our first resident, gets one. Later in this chapter
    the nightly build job does **not**: it gets a role.
    """),
    code("""
    import json

    import labkit
    from botocore.exceptions import ClientError

    lab = labkit.start("new-account")
    iam = lab.client("iam")
    """),
    md("""
    ## 🧑‍💻 Creating your first resident

    You are still the root user (check with `aws sts get-caller-identity` if in doubt). Alice is a
    developer who joins the team today. The book creates her with one command:

    ```bash
    aws iam create-user --user-name alice-developer
    ```

    **⌨️ Your turn.** In the cell below, replace the line that starts with `# ⌨️` with that
    command — in a notebook, put `!` in front: `!aws iam create-user --user-name alice-developer`
    — and run the cell. Its last line checks your account at once.
    """),
    your_turn("users-create-alice", "replace this line with the book's create-user command"),
    md("""
    In Python the same call is `iam.create_user(UserName="alice-developer")`. Running it *now*
    would be a mistake — which makes it a good first "what went wrong".

    ### 🔧 What went wrong: the user already exists
    """),
    code("""
    try:
        iam.create_user(UserName="alice-developer")      # she exists already
    except ClientError as err:
        labkit.explain(err)
    """),
    md("""
    User names are unique within an account, and IAM ignores case in that check:
    `Alice-Developer` would clash too. Reading her back is always safe:
    """),
    code("""
    iam.get_user(UserName="alice-developer")["User"]
    """),
    md("""
    ## 🔑 A temporary password

    Alice exists, but she cannot sign in: she has no password yet. In IAM a console password is
    called a **login profile**. You choose a temporary one and tell AWS that she must replace it
    the first time she signs in, so that only she knows her real password. The book's second
    command:

    ```bash
    aws iam create-login-profile \\
      --user-name alice-developer \\
      --password TempPassword123! \\
      --password-reset-required
    ```

    **⌨️ Your turn.** Type it below (on one line, with `!` in front), and run the cell.
    """),
    your_turn("users-temp-password", "replace this line with the book's create-login-profile command"),
    md("""
    The boto3 equivalent is
    `iam.create_login_profile(UserName="alice-developer", Password="TempPassword123!", PasswordResetRequired=True)`.
    Reading the profile back never shows the password — AWS does not store it in a form anyone
    can read:
    """),
    code("""
    iam.get_login_profile(UserName="alice-developer")["LoginProfile"]
    """),
    md("""
    ### 🔧 What went wrong: a password the rules refuse

    Suppose you reset her password to something easy to remember. Even with no custom password
    policy, AWS's default rules apply: at least 8 characters and at least three of uppercase
    letters, lowercase letters, numbers and symbols.
    """),
    code("""
    try:
        iam.update_login_profile(UserName="alice-developer", Password="alice123")
    except ClientError as err:
        labkit.explain(err)
    """),
    md("""
    ## 🚪 Alice's first sign-in

    Alice opens the console's sign-in page and types the account id, her user name and the
    temporary password. `labkit.Console` plays that page for us.
    """),
    code("""
    console = labkit.Console(lab)
    first = console.sign_in(lab.account_id, "alice-developer", "TempPassword123!")
    first
    """),
    code("""
    first.must_change_password
    """),
    md("""
    The password was right, but the door opens only onto one page: **"You must change your
    password to continue."** Until she does, the console lets her do nothing else. She types a
    long new passphrase...

    ### 🔧 What went wrong: Alice is locked out
    """),
    code("""
    ALICE_PASSWORD = "Quill-Lantern-Moat-2024!"
    try:
        first.change_password("TempPassword123!", ALICE_PASSWORD)
    except labkit.ConsoleError as err:
        labkit.explain(err)
    """),
    md("""
    ### ✅ The fix: let Alice change her own password

    Her passphrase is fine. The problem is ours: **changing a password is an API action,
    `iam:ChangePassword`, and Alice has no permissions at all.** When you create a user in the
    console, its wizard quietly attaches the AWS managed policy `IAMUserChangePassword`; the
    command line does exactly what you typed and nothing more. So `--password-reset-required`
    alone locks her out — one of the most common support questions about new IAM users
    ([AWS re:Post](https://repost.aws/knowledge-center/iam-user-password-error)).

    Two fixes: let *every* user change their own password (the password policy's
    `--allow-users-to-change-password`, chapter 04), or give Alice the managed policy. We do the
    second:
    """),
    code("""
    !aws iam attach-user-policy --user-name alice-developer --policy-arn arn:aws:iam::aws:policy/IAMUserChangePassword
    """),
    md("""
    The policy allows `iam:ChangePassword` on her own user only (and reading the password
    rules): nothing else.

    ### 🔧 What went wrong: the same password again

    Alice is in a hurry and types her temporary password as the new one:
    """),
    code("""
    try:
        first.change_password("TempPassword123!", "TempPassword123!")
    except labkit.ConsoleError as err:
        labkit.explain(err)
    """),
    md("""
    She goes back to her long passphrase — length beats cleverness — and now it works:
    """),
    code("""
    first.change_password("TempPassword123!", ALICE_PASSWORD)
    first
    """),
    md("""
    The temporary password is gone for good. If someone finds the sticky note it was written on,
    it no longer opens anything — and note how the sign-in page does not say *which* part was
    wrong:
    """),
    code("""
    try:
        console.sign_in(lab.account_id, "alice-developer", "TempPassword123!")
    except labkit.SignInFailed as err:
        labkit.explain(err)
    """),
    code("""
    console.sign_in(lab.account_id, "alice-developer", ALICE_PASSWORD)
    """),
    md("""
    ## 🤖 Access keys: long-term keys for the command line

    Alice also uses the `aws` command line on her laptop. The command line cannot type a password
    into a web page; it signs every request with an **access key**: an *access key id* (public,
    like a user name) and a *secret access key* (private, like a password). AWS shows the secret
    **once**, in the answer to `create-access-key`.

    > **2026:** with AWS CLI v2.32 or later (since November 2025), Alice would rather run
    > [`aws login`](https://docs.aws.amazon.com/cli/latest/userguide/cli-configure-sign-in.html):
    > it signs her in through the browser (with her MFA) and gives the CLI short-lived
    > credentials it refreshes for up to 12 hours, so no long-term key sits on her laptop. This
    > sandbox runs AWS CLI version 1, which has no `aws login`, so she gets a key here — the way
    > many accounts still work, and the reason the next chapters protect it.

    The command line would be `aws iam create-access-key --user-name alice-developer`; we use
    boto3 so the notebook can keep the key:
    """),
    code("""
    new_key = iam.create_access_key(UserName="alice-developer")["AccessKey"]
    alice_keys = labkit.Credentials.from_response(new_key)
    {"AccessKeyId": new_key["AccessKeyId"], "SecretAccessKey": new_key["SecretAccessKey"][:4] + "…(shown once)"}
    """),
    md("""
    Listing her keys later shows the id and status, never the secret. A lost secret cannot be
    recovered: you create a new key and delete the old one.
    """),
    code("""
    !aws iam list-access-keys --user-name alice-developer
    """),
    md("""
    ## 🏗️ The build job gets a role, not a key

    The castle's code lives in the repository `castle-co/app`, and every night a CI job (on
    GitHub Actions, say) builds it and needs AWS. The old way: an IAM user `castle-build-bot`
    whose access key is pasted into the CI service as a secret — a long-term key that never
    expires and can leak from every build log and every fork. The 2026 way is a **role** the job
    *assumes*, through **OIDC federation**:

    1. the CI service signs, for every job, a short-lived token (a JWT) that says which
       repository and branch the job runs for — its `sub` claim, e.g.
       `repo:castle-co/app:ref:refs/heads/main` — and for whom the token is meant (`aud`);
    2. your account trusts that CI service as an **OIDC identity provider**;
    3. a role's **trust policy** says which tokens may assume it — conditions on `aud` and `sub`;
    4. the job calls `sts assume-role-with-web-identity` with its token and gets temporary
       credentials for the role. Nothing long-lived is stored anywhere
       ([GitHub: OIDC in AWS](https://docs.github.com/en/actions/how-tos/secure-your-work/security-harden-deployments/oidc-in-aws)).

    The sandbox plays the CI service: `lab.ci_token(repository=..., ref=...)` returns the token a
    job of that repository and branch would get. First, trust the provider:
    """),
    code("""
    !aws iam create-open-id-connect-provider --url https://token.actions.githubusercontent.com --client-id-list sts.amazonaws.com --thumbprint-list 6938fd4d98bab03faadb97b34396831e3780aea1
    """),
    md("""
    Then the role. Its trust policy names the provider as a *federated* principal and accepts
    only tokens meant for STS (`aud`) from `castle-co/app` on `main` (`sub`). Without the `sub`
    condition, **every** repository on that CI service — anyone's — could assume it:
    """),
    code("""
    build_trust = {
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": {"Federated": "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {"StringEquals": {
                "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
                "token.actions.githubusercontent.com:sub": "repo:castle-co/app:ref:refs/heads/main",
            }},
        }],
    }
    build_role = iam.create_role(RoleName="castle-build", AssumeRolePolicyDocument=json.dumps(build_trust))["Role"]
    build_role["Arn"]
    """),
    md("""
    (A real build role would also get a permissions policy — only what the build needs, as
    chapter 05 shows.) Tonight's job on `main` trades its token for the role's credentials:
    """),
    code("""
    token = lab.ci_token(repository="castle-co/app", ref="refs/heads/main")
    job = lab.client("sts").assume_role_with_web_identity(
        RoleArn=build_role["Arn"], RoleSessionName="nightly-build", WebIdentityToken=token)
    job_credentials = labkit.Credentials.from_response(job["Credentials"])
    print("token subject:", job["SubjectFromWebIdentityToken"])
    print("job runs as:  ", lab.client("sts", credentials=job_credentials).get_caller_identity()["Arn"])
    print("expires:      ", job["Credentials"]["Expiration"])
    """),
    md("""
    ### 🔧 What went wrong: a fork's pipeline tries the role

    Mordred forks the repository and runs the same workflow in his fork. His job gets a perfectly
    valid token from the same CI service — for `repo:mordred/castle-fork:...`:
    """),
    code("""
    fork_token = lab.ci_token(repository="mordred/castle-fork", ref="refs/heads/main")
    try:
        lab.client("sts").assume_role_with_web_identity(
            RoleArn=build_role["Arn"], RoleSessionName="mordred", WebIdentityToken=fork_token)
    except ClientError as err:
        labkit.explain(err)
    """),
    md("""
    The token was genuine; the trust policy's `sub` condition said no. That condition is the
    whole lock.

    ## 🚫 Alice can do nothing — yet

    Let's hand the notebook's command line to Alice: `lab.use(alice_keys)` makes every `!aws`
    and plain `boto3` call sign with her key. First, the habit from chapter 01: who am I?
    """),
    code("""
    lab.use(alice_keys)
    !aws sts get-caller-identity
    """),
    md("""
    Now a harmless read: the list of users.

    ### 🔧 What went wrong: a user with no permissions
    """),
    code("""
    !aws iam list-users
    """),
    code("""
    !aws s3 ls
    """),
    code("""
    try:
        lab.client("iam", credentials=alice_keys).get_account_summary()
    except ClientError as err:
        labkit.explain(err)
    """),
    md("""
    Every door is shut. This is IAM's first rule: **everything is denied unless a policy
    explicitly allows it.** Alice has a key to the main gate — AWS knows exactly who she is — but
    her key opens no room inside (her one policy lets her change her own password, nothing
    more). Read an `AccessDenied` message carefully: it names *who*
    (`user/alice-developer`), *what* (`iam:ListUsers`) and *on which resource*, which is exactly
    what a policy will have to allow. You will write such policies in chapter 05.

    Back to root for now:
    """),
    code("""
    lab.use(None)
    lab
    """),
    md("""
    The castle map shows Alice with a password (already changed) and an active access key — and a
    red cross in the MFA column. One stolen password would be enough to walk in as her. Chapter
    03 fixes that.
    """),
    code("""
    labkit.widgets.quiz("users-reset-required", "users-ci-identity", "users-trust-conditions", "users-lost-secret", "users-laptop-2026")
    """),
    reflection(
        "users-inventory",
        "List the people and programs that use an AWS account you know. Who shares a login or a "
        "key today, and who should have an IAM user of their own?",
    ),
    md("""
    ## 🔁 Recap
    - `aws iam create-user` creates a resident; names are unique in the account.
    - IAM users are for people and programs only where federation and roles cannot serve:
      people sign in through IAM Identity Center or `aws login`, workloads use roles.
    - `aws iam create-login-profile --password-reset-required` gives a temporary password; the
      first sign-in only allows choosing a new one — and only if the user may call
      `iam:ChangePassword` (`IAMUserChangePassword`, or the password policy's
      `AllowUsersToChangePassword`). Password rules are enforced.
    - Access keys are long-term; the secret is shown once. A CI job gets a role instead:
      an OIDC provider, a trust policy with conditions on `aud` and `sub`, and
      `sts assume-role-with-web-identity`.
    - A new user can do nothing: `AccessDenied` until a policy allows it.

    ## ➡️ What's next
    Alice's account is protected by a single key: her password. In
    [03 — The two-key system: MFA](03-the-two-key-system-mfa.ipynb) she gets a second one, and a
    password thief finds the gate still locked.

    Practise first? The [users exercise](../exercises/users.ipynb) has a *Check my work* button.
    """),
]
