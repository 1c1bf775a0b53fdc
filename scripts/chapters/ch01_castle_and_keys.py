"""Chapter 01: the castle and its keys (who am I, the account, root vs IAM users)."""
# ruff: noqa: E501  (notebook text: commands stay on one line, as learners type them)

from build_chapters import code, md, reflection, your_turn

FILE = "01-the-castle-and-its-keys.ipynb"

CELLS = [
    md("""
    # 01 — The castle and its keys

    Before changing anything in an AWS account, a careful engineer asks two questions:
    *which castle am I in?* and *whose key am I holding?* This chapter answers both.

    ### Learning objectives
    - Ask AWS who you are with `aws sts get-caller-identity`, and read the answer.
    - Read an ARN and find the account id and the identity inside it.
    - Tell the **root user** (the master key) from **IAM users** (residents' keys) and
      **roles** (passes that expire), and know which one AWS recommends for whom in 2026.
    - Give the castle a name with a command you type yourself.
    - Know what this course's sandbox imitates and where it differs from real AWS.
    """),
    code("""
    import labkit
    lab = labkit.start("new-account")
    """),
    md("""
    ## 🏰 The castle in one table

    | in the castle | in AWS |
    |---|---|
    | the castle | an **AWS account**, identified by a 12-digit account id |
    | the master key, kept in a vault | the **root user**: the account owner, allowed to do everything |
    | residents with their own keys | **IAM users**: people or programs with long-term credentials |
    | visitors with a pass that expires | **IAM roles**: identities anyone allowed may *assume*, for temporary credentials |
    | which doors a key opens | **policies** (chapter 05) |
    | a gate that needs two keys | **multi-factor authentication**, MFA (chapter 03) |

    A *key* comes in two shapes. People type a **password** into the web console. Programs and
    the command line sign each request with an **access key** (an id such as `AKIA...` plus a
    secret).
    """),
    md("""
    ## 🪪 Who am I?

    `sts get-caller-identity` is the "who am I" of AWS. It needs no permission at all, so it
    always works — make it a habit before any command that changes something.
    """),
    code("""
    !aws sts get-caller-identity
    """),
    code("""
    sts = lab.client("sts")
    me = sts.get_caller_identity()
    print("Account:", me["Account"])
    print("Arn:    ", me["Arn"])
    """),
    md("""
    The answer has three parts:

    - **Account** — which castle: `123456789012` (the sandbox always uses AWS's example id).
    - **UserId** — a unique id for the caller; for root it is the account id itself.
    - **Arn** — the *Amazon Resource Name*, the full address of the identity.

    An ARN reads left to right, from the most general to the most specific:

    ```
    arn:aws:iam::123456789012:root
        │   │   ││            └─ the resource: here, the root user
        │   │   │└─ the account id
        │   │   └─ the region: empty, because IAM is global
        │   └─ the service
        └─ the partition (aws; also aws-cn, aws-us-gov)
    ```

    An IAM user's ARN ends in `user/<name>` instead, for example
    `arn:aws:iam::123456789012:user/alice-developer`. **Ours ends in `:root`: we are holding the
    master key.** That is how every new AWS account starts — and why the next chapters exist.
    """),
    md("""
    ## 🗺️ What is in the castle?

    The account summary counts what exists. Four numbers matter for security; the `--query`
    option picks them out of the long answer.
    """),
    code("""
    !aws iam get-account-summary --query "SummaryMap.{Users: Users, MFADevicesInUse: MFADevicesInUse, RootMFA: AccountMFAEnabled, RootAccessKeys: AccountAccessKeysPresent}"
    """),
    code("""
    iam = lab.client("iam")
    summary = iam.get_account_summary()["SummaryMap"]
    {name: summary[name] for name in ("Users", "MFADevicesInUse", "AccountMFAEnabled", "AccountAccessKeysPresent")}
    """),
    md("""
    No users, no MFA, and **root has an access key** (`AccountAccessKeysPresent: 1`): a copy of
    the master key, made for the command line. A real new account has no root access key — you
    would have to create one, and AWS advises against it; the sandbox made one so that `!aws`
    works from the very first cell. In chapter 04 you will see why auditors flag exactly this.

    The list of IAM users is empty — the root user is *not* an IAM user, so it never appears
    there:
    """),
    code("""
    !aws iam list-users
    """),
    code("""
    iam.list_users()["Users"]
    """),
    md("""
    The castle map shows the same facts at a glance, root included:
    """),
    code("""
    lab
    """),
    md("""
    ## 👑 Root versus IAM users

    | | root user | IAM user |
    |---|---|---|
    | how many | exactly one per account | as many as you need |
    | signs in with | the account's e-mail address + password (+ MFA, mandatory since 2024) | account id + user name + password (+ MFA) |
    | can do | **everything**; IAM policies cannot limit it (in an AWS Organization, service control policies can restrict a *member* account's root) | nothing, until a policy allows it |
    | used for | the few [tasks that require root](https://docs.aws.amazon.com/IAM/latest/UserGuide/root-user-tasks.html), then locked away | daily work, where federation and roles do not fit |

    If someone steals the master key, they own the castle: they can delete everything, run up
    huge bills, or lock you out of your own account. So the rule is simple: **use root only for
    the tasks that need it, protect it with MFA, and do daily work as another identity — even
    yourself.**

    Which identity? In 2026 AWS recommends ([Use cases for IAM users](https://docs.aws.amazon.com/IAM/latest/UserGuide/gs-identities-iam-users.html)):
    people sign in through **IAM Identity Center** (or another identity provider) and get
    temporary credentials — `aws login` (AWS CLI v2.32+, since November 2025) does the same for
    a console sign-in — and workloads use **roles**. IAM users remain right for emergency
    access, workloads that cannot use roles, third-party tools that need access keys, and
    accounts without Identity Center: a small standalone account like ours, where the next
    chapter's residents live.
    """),
    md("""
    ### 🔧 What went wrong: a key nobody issued

    Anyone can *invent* an access key id. Here an intruder tries one that looks real. AWS does not
    recognise it and refuses before checking any permission.
    """),
    code("""
    from botocore.exceptions import ClientError

    forged = labkit.Credentials("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
    try:
        lab.client("sts", credentials=forged).get_caller_identity()
    except ClientError as err:
        labkit.explain(err)
    """),
    md("""
    You will meet `InvalidClientTokenId` again in chapter 04, when a key that *did* exist is
    deleted.

    ## 🧭 What the sandbox imitates — and what it does not

    The sandbox follows real IAM in what this course uses: error codes and messages, the root
    user, password policies, MFA codes checked against the clock, the credential report and
    permission checks. It is still a simulation; the course's list of differences,
    [docs/differences.md](../docs/differences.md), names every one we know. The main ones:

    - **The web console is simulated.** Real AWS has a web page; here `labkit.Console(lab)` plays
      its sign-in and MFA-assignment steps from Python.
    - **Only IAM, STS and a little S3** matter in this course; other services are not modelled
      faithfully.
    - **Every sandbox is account `123456789012`**, there are no e-mails, and root's password is
      made up for you (`lab.root_password`).
    - **The command line is AWS CLI version 1** (what PyPI ships): commands of version 2 only,
      such as `aws login`, are not there.
    - **Time is real**, so MFA codes really change every 30 seconds.
    """),
    md("""
    ## ⌨️ Your turn: name the castle

    A 12-digit number is hard to remember. An **account alias** gives the account a name, which
    also appears in the sign-in address IAM users use
    (`https://<alias>.signin.aws.amazon.com/console`). Aliases are lower-case letters, digits
    and hyphens, unique across AWS, and public — never put a secret in one
    ([AWS: your account alias](https://docs.aws.amazon.com/IAM/latest/UserGuide/FindingYourAWSId.html)).
    The command is

    ```bash
    aws iam create-account-alias --account-alias my-castle
    ```

    Replace the `# ⌨️` line below with it (with `!` in front, and a name of your choice), and
    run the cell.
    """),
    your_turn("castle-alias", "replace this line with aws iam create-account-alias ..."),
    code("""
    labkit.widgets.quiz("castle-root-arn", "castle-whoami-permission", "castle-who-is-an-iam-user", "castle-root-limits")
    """),
    reflection(
        "castle-keys",
        "Think of an AWS account you know. Who holds its master key (the root user's e-mail and "
        "password) today, and who else has keys to it?",
    ),
    md("""
    ## 🔁 Recap
    - `aws sts get-caller-identity` tells you which account you are in and whose key you hold.
    - An ARN ending in `:root` is the master key; `user/<name>` is an IAM user.
    - A new account has only root — and here root even has an access key. Both are about to
      change.

    ## ➡️ What's next
    In [02 — Permanent residents](02-permanent-residents.ipynb) you create the first resident,
    `alice-developer`, give her a temporary password, and watch her first sign-in.
    """),
]
