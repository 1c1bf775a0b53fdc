"""Chapter 01: the castle and its keys (who am I, the account, root vs IAM users)."""
# ruff: noqa: E501  (notebook text: commands stay on one line, as learners type them)

from build_chapters import code, footer, header, md, reflection, your_turn

FILE = "01-the-castle-and-its-keys.ipynb"

CELLS = [
    header(
        "01 — The castle and its keys",
        scenario="""
        Before changing anything in an AWS account, a careful engineer asks two questions:
        *which castle am I in?* and *whose key am I holding?* This chapter answers both, then
        gives the castle a name.
        """,
        objectives=[
            "ask AWS who you are with `aws sts get-caller-identity`, and read the answer;",
            "read an ARN: find the account id and the identity inside it;",
            "tell the root user (the master key) from the residents' keys;",
            "compose a command yourself from its name and option.",
        ],
        prerequisites=["[00 — Start here](00-start-here.ipynb): running cells, `!aws` and `boto3`."],
        build="a named castle: your account with an alias.",
    ),
    code("""
    import labkit
    lab = labkit.start("new-account")
    """),
    md("""
    ## The castle in one table

    | in the castle | in AWS |
    |---|---|
    | the castle | an [AWS account](glossary.ipynb#account), identified by a 12-digit account id |
    | the master key, kept in a vault | the [root user](glossary.ipynb#root-user): the account's owner, allowed to do everything |
    | residents with their own keys | IAM users: people or programs with long-term credentials (chapter 02) |
    | which doors a key opens | policies (chapters 02 and 05) |
    | a gate that needs two keys | multi-factor authentication, MFA (chapter 03) |

    "Key" means two things in AWS. People type a **password** into the web console. Programs
    and the command line sign each request with an [access key](glossary.ipynb#access-key): an
    id such as `AKIA...` plus a secret.
    """),
    md("""
    ## Who am I?

    [STS](glossary.ipynb#sts), the AWS **Security Token Service**, is the service that says who
    a caller is and hands out short-lived credentials. Its `get-caller-identity` is the "who am
    I?" of AWS. It needs no permission at all, so it always works: make it a habit before any
    command that changes something.
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
    The answer has three parts: **Account**, which castle (the sandbox always uses AWS's example
    id, `123456789012`); **UserId**, a unique id for the caller; and **Arn**, the
    [Amazon Resource Name](glossary.ipynb#arn), the identity's full address. An ARN reads from
    the most general part to the most specific:

    ```
    arn:aws:iam::123456789012:root
        │   │   ││            └─ the resource: here, the root user
        │   │   │└─ the account id
        │   │   └─ the region: empty, because IAM is global
        │   └─ the service
        └─ the partition (aws; also aws-cn, aws-us-gov)
    ```

    A resident's ARN ends in `user/<name>` instead, for example
    `arn:aws:iam::123456789012:user/alice-developer`. **Ours ends in `:root`: we are holding the
    master key.** Every new AWS account starts this way, which is why the next chapters exist.
    """),
    code("""
    labkit.widgets.quiz("castle-root-arn")
    """),
    md("""
    ## What is in the castle?

    The account summary counts what exists. Four numbers matter for security; the `--query`
    option picks them out of the long answer.
    """),
    code("""
    !aws iam get-account-summary --query "SummaryMap.{Users: Users, MFADevicesInUse: MFADevicesInUse, RootMFA: AccountMFAEnabled, RootAccessKeys: AccountAccessKeysPresent}"
    """),
    md("""
    No users, no MFA, and **root has an access key** (`RootAccessKeys: 1`): a copy of the
    master key, made for the command line. A real new account has no root access key (you
    would have to create one, and AWS advises against it); the sandbox made one so that `!aws`
    works from the first cell. Chapter 04 shows why auditors flag exactly this.

    The list of users is empty: the root user is not one of the account's users, so it never
    appears there. The castle map shows the same facts at a glance, root included.
    """),
    code("""
    !aws iam list-users
    """),
    code("""
    lab
    """),
    md("""
    ## The master key and the residents' keys

    | | root user | a resident (IAM user) |
    |---|---|---|
    | how many | exactly one per account | as many as you need |
    | signs in with | the account's e-mail address + password (+ MFA, required since 2024) | account id or alias + user name + password (+ MFA) |
    | can do | **everything**; IAM's own rules cannot limit it | nothing, until a policy allows it |
    | used for | the few [tasks that require root](https://docs.aws.amazon.com/IAM/latest/UserGuide/root-user-tasks.html), then locked away | daily work |

    If someone steals the master key, they own the castle: they can delete everything, run up
    huge bills, or lock you out. So: **use root only for the tasks that need it, protect it with
    MFA, and do daily work as another identity — even yourself.**
    """),
    md("""
    ### What went wrong: a key nobody issued

    Anyone can *invent* an access key id. Here an intruder tries one that looks real. AWS does
    not recognise it and refuses before checking any permission.
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
    ## Your turn: name the castle

    A 12-digit number is hard to remember. An **account alias** gives the account a name, which
    also appears in the sign-in address residents use
    (`https://<alias>.signin.aws.amazon.com/console`). Aliases are lower-case letters, digits
    and hyphens, unique across AWS, and public: never put a secret in one
    ([AWS: your account alias](https://docs.aws.amazon.com/IAM/latest/UserGuide/FindingYourAWSId.html)).

    This time the command is not printed: compose it. The alias belongs to IAM, the action is
    called `create-account-alias`, and its one option is `--account-alias` followed by the name.
    Replace the `# ⌨️` line with the whole `!aws ...` line and run the cell.
    """),
    your_turn("castle-alias", "replace this line with your command"),
    md("""
    ## Who should hold keys, in 2026

    You just changed the account as root, the master key. In a real account you would do that
    only during first setup. For everything after, AWS recommends
    ([Use cases for IAM users](https://docs.aws.amazon.com/IAM/latest/UserGuide/gs-identities-iam-users.html)):
    people sign in through a central sign-in portal (IAM Identity Center, chapter 07) or
    another identity provider, and get temporary credentials; programs get temporary
    credentials too (chapter 05b). Residents with their own long-term keys — IAM users, the
    next chapter — remain right for small standalone accounts like ours, emergency access, and
    tools that cannot use anything else.

    The sandbox imitates real IAM in what this course uses; [docs/differences.md](../docs/differences.md)
    lists where it differs (for example, the command line is AWS CLI version 1, and MFA codes
    really change every 30 seconds).
    """),
    code("""
    labkit.widgets.quiz("castle-whoami-permission", "castle-who-is-an-iam-user", "castle-root-limits")
    """),
    reflection(
        "castle-keys",
        "Think of an AWS account you know. Who holds its master key (the root user's e-mail and "
        "password) today, and who else has keys to it?",
    ),
    *footer(
        summary=[
            "`aws sts get-caller-identity` tells you which account you are in and whose key you hold.",
            "An ARN ending in `:root` is the master key; `user/<name>` is a resident's key.",
            "A new account has only root, and here root even has an access key: both are about to change.",
            "You composed a command from its service, action and option: `create-account-alias`.",
        ],
        own_account=[
            "Run `aws sts get-caller-identity` before any command that changes something.",
            "If it prints an ARN ending in `:root`, stop: do daily work as another identity.",
            "Give the account an alias, so people sign in at an address they recognise.",
        ],
        next="""
        In [02 — Permanent residents](02-permanent-residents.ipynb) you create the first
        resident, `alice-developer`, give her a temporary password, and watch her first sign-in.
        """,
    ),
]
