"""Chapter 02: permanent residents (IAM users, a temporary password, the first sign-in)."""
# ruff: noqa: E501  (notebook text: commands stay on one line, as learners type them)

from build_chapters import code, footer, header, md, predict, reflection, your_turn

FILE = "02-permanent-residents.ipynb"

CELLS = [
    header(
        "02 — Permanent residents: IAM users",
        scenario="""
        Picture the people who live and work in the castle every day, each with a key of their
        own to the main gate. In AWS such a resident is an **[IAM user](glossary.ipynb#iam-user)**: an identity in your
        account with **long-term** credentials of its own — a **password** for the web console,
        or an **access key** for the command line. Today Alice, a developer, joins the team.
        """,
        objectives=[
            "say when an IAM user is the right identity in 2026, and what AWS recommends otherwise;",
            "create an IAM user and give her a temporary console password, typing the commands yourself;",
            "read why a first sign-in can lock a new user out, and fix it with a managed policy;",
            "reset a forgotten password without being shown the command.",
        ],
        prerequisites=[
            "Chapter 01: the castle map, `aws sts get-caller-identity`, and what the root user is.",
            "Running a notebook cell; no AWS knowledge beyond chapter 01.",
        ],
        build="Alice, an IAM user who signs in with a password only she knows.",
    ),
    md("""
    ## Who should be a permanent resident in 2026?

    A password or an access key works until someone revokes it, from anywhere, for whoever holds
    it. So AWS now recommends
    ([Use cases for IAM users](https://docs.aws.amazon.com/IAM/latest/UserGuide/gs-identities-iam-users.html)):

    | who | recommended identity |
    |---|---|
    | **people** (you, your team) | sign in through **[IAM Identity Center](glossary.ipynb#identity-center)** (or another identity provider) and get temporary credentials |
    | **workloads** (servers, functions, build jobs) | **[roles](glossary.ipynb#role)**, which hand out short-lived credentials — chapter 05b builds one for a build job |
    | **IAM users** | what those cannot cover: emergency (break-glass) access, tools that need an access key, and people only where Identity Center is not available and there is no other identity provider (a standalone account can create an organization and turn Identity Center on) |

    Automation does not take people out of the picture. Someone still signs in to find out why a
    deployment failed, to change a setting, to approve a change — and those accounts can do the
    most damage, so they deserve the castle's strongest locks (chapters 03 and 04). Our castle
    is a small account with no Identity Center yet: exactly where a team still starts with IAM
    users.
    """),
    code("""
    import labkit
    from botocore.exceptions import ClientError

    lab = labkit.start("new-account")
    iam = lab.client("iam")
    """),
    md("""
    ## Creating your first resident

    You are the root user, and you have created a user before: the visitor, in chapter 00.
    Alice's user name is `alice-developer`.

    **⌨️ Your turn.** In the cell below, replace the line that starts with `# ⌨️` with the
    command that creates her, with `!` in front (a notebook's way of running a terminal command),
    and run the cell. No command is shown this time: build it from what you did for the visitor.
    The cell's last line checks your account at once, and a failed check offers a hint.
    """),
    your_turn("users-create-alice", "replace this line with the command that creates alice-developer"),
    md("""
    ### What went wrong: the user already exists

    In Python the same call is `iam.create_user(UserName="alice-developer")`. Running it now fails:
    """),
    code("""
    try:
        iam.create_user(UserName="alice-developer")      # she exists already
    except ClientError as err:
        labkit.explain(err)
    """),
    md("""
    User names are unique in an account, and IAM ignores case: `Alice-Developer` would clash too.

    ## A temporary password

    Alice cannot sign in yet: she has no password. In IAM a console password is called a
    **[login profile](glossary.ipynb#login-profile)**. You choose a temporary one, and tell AWS that she must replace it at her
    first sign-in, so that only she knows her real password.

    The command is `aws iam create-login-profile`. It takes three things:

    - whose profile it is: `--user-name`, as in `create-user`;
    - the temporary password: `--password`; use the book's `TempPassword123!`, so that the cells
      below can sign in with it;
    - the promise that she must change it: the flag `--password-reset-required` (a flag takes no
      value).

    **⌨️ Your turn.** Put those parts together below, with `!` in front, and run the cell.
    """),
    your_turn("users-temp-password", "replace this line with the create-login-profile command you built"),
    md("""
    A login profile is created once. Later changes go through `update-login-profile`, which
    takes the same options (a second `create-login-profile` fails with `EntityAlreadyExists`).

    ### What went wrong: a password the rules refuse

    Suppose you reset her password to something easy to remember. Even without a password
    policy of your own, AWS's default rules apply: at least 8 characters, and at least three of
    uppercase letters, lowercase letters, numbers and symbols
    ([Set an account password policy](https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_passwords_account-policy.html)).
    """),
    code("""
    try:
        iam.update_login_profile(UserName="alice-developer", Password="alice123")
    except ClientError as err:
        labkit.explain(err)
    """),
    md("""
    ## Alice's first sign-in

    Alice opens the console's sign-in page and types the account id, her user name and the
    temporary password. `labkit.Console` plays that page for us:
    """),
    code("""
    console = labkit.Console(lab)
    first = console.sign_in(lab.account_id, "alice-developer", "TempPassword123!")
    print(first)
    print("must change her password first:", first.must_change_password)
    """),
    md("""
    The password was right, but the door opens onto one page only: **"You must change your
    password to continue."** She types a long new passphrase...

    ### What went wrong: Alice is locked out
    """),
    code("""
    ALICE_PASSWORD = "Quill-Lantern-Moat-2024!"
    try:
        first.change_password("TempPassword123!", ALICE_PASSWORD)
    except labkit.ConsoleError as err:
        labkit.explain(err)
    """),
    md("""
    Read the message: *either* she may not call `iam:ChangePassword`, *or* the new password breaks
    the rules. Her passphrase is long and mixed, so it is the first. **Changing a password is an
    API action, `iam:ChangePassword`, and a new user may do nothing at all** until a policy
    allows it. The console's wizard quietly attaches AWS's managed policy
    `IAMUserChangePassword` to the users it creates; the command line does exactly what you
    typed and nothing more — a common support question
    ([AWS re:Post](https://repost.aws/knowledge-center/iam-user-password-error)).

    ## The fix: let Alice change her own password

    A **[policy](glossary.ipynb#policy)** is a document that allows (or denies) actions; chapter 02b teaches how to read
    and write one. AWS ships ready-made ones, *[managed policies](glossary.ipynb#managed-policy)*, and you attach one to a user by
    its name, an [ARN](glossary.ipynb#arn) (Amazon Resource Name, AWS's full name for a thing):
    """),
    code("""
    !aws iam attach-user-policy --user-name alice-developer --policy-arn arn:aws:iam::aws:policy/IAMUserChangePassword
    """),
    md("""
    It allows `iam:ChangePassword` on her own user only (and reading the password rules).

    ### What went wrong: the same password again

    Alice is in a hurry and types her temporary password as the new one:
    """),
    code("""
    try:
        first.change_password("TempPassword123!", "TempPassword123!")
    except labkit.ConsoleError as err:
        labkit.explain(err)
    """),
    md("""
    She goes back to her long passphrase — length beats cleverness — and now it works. The
    castle map (`lab` on a cell's last line) shows every resident; look at Alice's row:
    """),
    code("""
    first.change_password("TempPassword123!", ALICE_PASSWORD)
    lab
    """),
    md("""
    Alice has a password, no longer marked *must reset*; no access key; and a ❌ under MFA. One
    stolen password would be enough to walk in as her — chapter 03 fixes that.

    ## Predict, then run

    Write your prediction between the two quotes on the line `prediction =` (one of the options
    in the comment), then run the cell. The last line reads what the sign-in page recorded and tells
    you whether you were right, and why.
    """),
    predict(
        "users-old-password",
        "Alice has chosen her own password. Someone finds the sticky note with TempPassword123! "
        "and types it on the sign-in page. What happens?",
        run="""
        try:
            console.sign_in(lab.account_id, "alice-developer", "TempPassword123!")
            print("The door opened.")
        except labkit.SignInFailed as err:
            print("The sign-in page says:", err)
        """,
    ),
    md("""
    ## Your turn, on your own: Alice forgot her passphrase

    A month later Alice has forgotten her passphrase and asks you for help. Give her a new
    temporary password, one that AWS's rules accept, which she must replace at her next sign-in.
    This time no command is printed for you: remember which command *changes* an existing login
    profile, and that it takes the same options as the one that created it. A failed check
    first gives a hint about the idea, then the command's shape, and only on the third try the
    answer.
    """),
    your_turn("users-reset-alice", "replace this line with the command that gives Alice a new temporary password"),
    md("""
    ## Check your understanding
    """),
    code("""
    labkit.widgets.quiz("users-reset-required", "users-read-lockout", "users-predict-second-profile", "users-laptop-2026")
    """),
    reflection(
        "users-inventory",
        "List the people and programs that use an AWS account you know. Who shares a login or a "
        "key today, and who should have an IAM user of their own?",
    ),
    *footer(
        summary=[
            "IAM users are for what Identity Center and roles cannot serve; people who sign in still need the strongest protection.",
            "`aws iam create-user` creates a resident; names are unique in the account, whatever their case.",
            "`create-login-profile --password-reset-required` gives a temporary password; `update-login-profile` changes it later. AWS's password rules apply.",
            "A new user may do nothing — not even change her password — until a policy allows it (`IAMUserChangePassword`).",
        ],
        own_account=[
            "List your account's IAM users (`aws iam list-users`) and ask, for each, whether a person in Identity Center or a role would serve instead.",
            "Give every new console user a temporary password with `--password-reset-required`, and make sure they may change it.",
            "Never share one IAM user between two people: each gets their own.",
        ],
        next="""
        Alice can sign in, but she can do nothing else. In
        [02b — What a resident may do: access keys and policies](02b-access-keys-and-policies.ipynb)
        she gets an access key for the command line, and you write her first policy, one
        statement at a time.
        """,
    ),
]
