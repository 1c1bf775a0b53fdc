"""Chapter 05: only the keys they need (writing policies, least privilege, the policy Alice was promised)."""
# ruff: noqa: E501  (notebook text: commands stay on one line, as learners type them)

from build_chapters import code, footer, header, md, predict, reflection, your_turn

FILE = "05-only-the-keys-they-need.ipynb"

CELLS = [
    header(
        "05 — Only the keys they need",
        scenario="""
        In a medieval castle one master key opens everything. AWS lets you do better: give each
        resident **only the keys they need**. The scribe needs the library, not the armory. The
        knight needs the armory; he doesn't need the treasury. This idea has a name:
        [least privilege](glossary.ipynb#least-privilege).
        """,
        objectives=[
            "build a policy one statement at a time: `Effect`, `Action`, `Resource`;",
            "give a user an [inline policy](glossary.ipynb#inline-policy) with `put-user-policy`;",
            "check, door by door, that each resident opens their own rooms and no others;",
            "recognise a [managed policy](glossary.ipynb#managed-policy) that gives too many keys.",
        ],
        prerequisites=[
            "[02b — What a resident may do](02b-access-keys-and-policies.ipynb): access keys, a policy's `Effect`, `Action` and `Resource`, `AccessDenied`.",
        ],
        build="three rooms, three residents, and a policy for each that opens exactly their rooms — Alice's included.",
    ),
    code("""
    import json
    import labkit
    from botocore.exceptions import ClientError

    lab = labkit.start("new-account")
    iam, s3 = lab.client("iam"), lab.client("s3")
    """),
    md("""
    ## Three rooms and three residents

    As root, we build three rooms — S3 buckets, AWS's file stores — and put a file in each.
    Then three residents, each with an access key: the scribe, the knight, and Alice, the
    developer you met in chapter 02. This is setup you have seen before, so it is done in
    Python in one go.
    """),
    code("""
    rooms = {"castle-library": "scrolls/history.txt", "castle-armory": "swords/excalibur.txt",
             "castle-treasury": "gold/ledger.txt"}
    for bucket, key in rooms.items():
        s3.create_bucket(Bucket=bucket)
        s3.put_object(Bucket=bucket, Key=key, Body=b"Only for the right key.")

    keys = {}
    for name in ("scribe", "knight", "alice-developer"):
        iam.create_user(UserName=name)
        keys[name] = labkit.Credentials.from_response(iam.create_access_key(UserName=name)["AccessKey"])
    sorted(keys)
    """),
    md("""
    ### What went wrong: the scribe before any policy

    Like Alice in chapter 02b, the new residents start with no permissions at all:
    """),
    code("""
    try:
        lab.client("s3", credentials=keys["scribe"]).get_object(Bucket="castle-library", Key="scrolls/history.txt")
    except ClientError as err:
        labkit.explain(err)
    """),
    md("""
    ## A policy, one statement at a time

    A [policy](glossary.ipynb#policy) is a list of **statements**. Each statement answers three
    questions:

    - **Effect**: `Allow` (or `Deny`, which always wins over any `Allow`);
    - **Action**: which operations, written `service:Operation`, such as `s3:GetObject`;
    - **Resource**: on what, by [ARN](glossary.ipynb#arn). For S3, `arn:aws:s3:::castle-library`
      is the bucket itself and `arn:aws:s3:::castle-library/*` is every file in it.

    The scribe's first statement lets him list what is in the library. Listing is an action on
    the bucket, so the resource is the bucket's ARN:
    """),
    code("""
    list_the_library = {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::castle-library"}
    """),
    md("""
    The second lets him read and write the scrolls. Reading and writing are actions on files,
    so the resource ends in `/*`: every file in the bucket. Writing `arn:aws:s3:::castle-library`
    here instead would allow nothing, since no file is called that.
    """),
    code("""
    read_and_write_scrolls = {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"],
                              "Resource": "arn:aws:s3:::castle-library/*"}
    """),
    md("""
    A policy document wraps the statements with the policy language's version, always
    `"2012-10-17"` (the date of the language, not of your policy). In Python we hand it to IAM
    with `put_user_policy`: an *inline* policy, stored inside this one user, with a name.
    """),
    code("""
    library_keys = {"Version": "2012-10-17", "Statement": [list_the_library, read_and_write_scrolls]}
    library_json = json.dumps(library_keys)
    iam.put_user_policy(UserName="scribe", PolicyName="library-keys", PolicyDocument=library_json)
    lab.client("s3", credentials=keys["scribe"]).get_object(Bucket="castle-library", Key="scrolls/history.txt")["Body"].read()
    """),
    md("""
    The scribe reads his scroll. The knight's key ring is the same document with the armory's
    name:
    """),
    code("""
    armory_json = library_json.replace("castle-library", "castle-armory")
    armory_json
    """),
    md("""
    ## Your turn: the knight's keys

    Give the knight his policy, this time **with the command line**. You have not seen this
    command: compose it from the Python call above. Every boto3 call has a command-line twin,
    `aws <service> <action>`, where the action is the method's name with hyphens
    (`put_user_policy` → `put-user-policy`) and each argument becomes an option the same way
    (`UserName=` → `--user-name`). Use the policy name `armory-keys`, and pass the document as
    `'{armory_json}'`: in a `!` line, `{name}` inserts a Python variable, and the single quotes
    keep the JSON in one piece.
    """),
    your_turn("lp-knight-policy", "replace this line with the knight's put-user-policy command"),
    md("""
    ## Every door, every resident

    Now ask S3, as each resident, for the list of every room, and print AWS's answer in a word.
    The function below does one try; the loop tries every pair.
    """),
    code("""
    def try_door(who, bucket):
        \"\"\"List `bucket` with `who`'s key; return "opens" or AWS's error code.\"\"\"
        as_who = lab.client("s3", credentials=keys[who])
        try:
            as_who.list_objects_v2(Bucket=bucket)
            return "opens"
        except ClientError as err:
            return err.response["Error"]["Code"]

    for who in ("scribe", "knight"):
        for bucket in rooms:
            print(f"{who:8} {bucket:16} {try_door(who, bucket)}")
    """),
    md("""
    Each resident opens exactly their own room: the knight doesn't need the treasury, and his
    key does not open it. His policy names S3 actions on the armory and nothing else — so what
    about IAM itself?
    """),
    predict(
        "lp-knight-lists-users",
        "The knight asks IAM for the list of the castle's users. What does AWS answer?",
        """
        try:
            lab.client("iam", credentials=keys["knight"]).list_users()
            print("It works")
        except ClientError as err:
            print(err.response["Error"]["Message"])
        """,
    ),
    md("""
    ## The policy Alice was promised

    In chapter 02b Alice's key first opened no door, and her `AccessDenied` messages named what a
    policy would have to allow. She is a developer: she reads the library's scrolls, and writes
    nothing. Her policy has the scribe's first statement and half of his second — no
    `s3:PutObject`, and nothing in IAM:
    """),
    code("""
    alice_reads = {"Version": "2012-10-17", "Statement": [
        list_the_library,
        {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::castle-library/*"},
    ]}
    alice_json = json.dumps(alice_reads)
    !aws iam put-user-policy --user-name alice-developer --policy-name library-reader --policy-document '{alice_json}'
    """),
    code("""
    alice_s3 = lab.client("s3", credentials=keys["alice-developer"])
    print(alice_s3.get_object(Bucket="castle-library", Key="scrolls/history.txt")["Body"].read())
    try:  # What went wrong, on purpose: a reader cannot write
        alice_s3.put_object(Bucket="castle-library", Key="scrolls/alice.txt", Body=b"hello")
    except ClientError as err:
        print(err.response["Error"]["Code"], "- her policy allows no s3:PutObject")
    """),
    md("""
    ## Too many keys: the tempting shortcut

    Writing policies takes thought, and AWS offers ready-made managed policies, shared by many
    users. The scribe reads files... so why not attach AWS's `AmazonS3ReadOnlyAccess` too?
    """),
    code("""
    !aws iam attach-user-policy --user-name scribe --policy-arn arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess
    """),
    code("""
    for bucket in rooms:
        print(f"scribe   {bucket:16} {try_door('scribe', bucket)}")
    """),
    md("""
    Nothing failed, and that is the problem. `AmazonS3ReadOnlyAccess` means *read every bucket
    in the account*: the scribe now reads the armory and the treasury. Permissions add up: a
    user may do whatever **any** of their policies allows. Take the extra key back, and check:
    """),
    code("""
    !aws iam detach-user-policy --user-name scribe --policy-arn arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess
    print("treasury, as the scribe:", try_door("scribe", "castle-treasury"))
    """),
    md("""
    When you write a policy, start from nothing and add the doors a task really needs; each
    `AccessDenied` message names the exact action and resource to add — if, and only if, the
    task needs it. Read one:
    """),
    code("""
    labkit.widgets.quiz("lp-read-the-denial", "lp-knight-puts", "lp-deny-wins", "lp-list-resource")
    """),
    reflection(
        "least-privilege-audit",
        "Pick one user, role or program in an account you know. Which of its permissions has it "
        "never used, and what would you remove first?",
    ),
    *footer(
        summary=[
            "A policy statement is Effect + Action + Resource; everything not allowed is denied, and a `Deny` always wins.",
            "`put-user-policy` gives one user an inline policy; `attach-user-policy` attaches a shared managed one.",
            "Check doors side by side: each resident opens their own rooms and no others.",
            "Managed policies are convenient but often broad: permissions add up, so check what else a shortcut opens.",
        ],
        own_account=[
            "List each user's policies (`aws iam list-user-policies`, `list-attached-user-policies`) and ask what each one is for.",
            "Replace broad managed policies (`*FullAccess`, `AdministratorAccess`) on users with policies naming the actions and resources they use.",
            "Use IAM Access Analyzer's unused-access findings to spot permissions nobody uses.",
        ],
        next="""
        Test yourself with the [least-privilege exercise](../exercises/least-privilege.ipynb).
        Then the next chapter on the [start page](00-start-here.ipynb) gives a build job access
        without any long-lived key at all.
        """,
    ),
]
