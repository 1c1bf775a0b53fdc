"""Chapter 05: only the keys they need (a first look at policies and least privilege)."""
# ruff: noqa: E501  (notebook text: commands stay on one line, as learners type them)

from build_chapters import code, md, reflection, your_turn

FILE = "05-only-the-keys-they-need.ipynb"

CELLS = [
    md("""
    # 05 — Only the keys they need

    In a medieval castle one master key opens everything. AWS lets you do better: give each
    resident **only the keys they need**. The scribe needs the library, not the armory. The
    knight needs the armory, not the library's ledgers. This idea has a name: **least
    privilege**.

    In chapter 02 Alice could do nothing at all. Here you write the policies that open exactly
    the right doors — and watch `AccessDenied` turn into access, one door at a time.

    ### Learning objectives
    - Read an IAM policy: `Effect`, `Action`, `Resource`.
    - Give a user an inline policy with `aws iam put-user-policy`.
    - Check, side by side, that each user can open their own doors and no others.
    - Recognise a policy that gives too many keys.
    """),
    code("""
    import json
    import labkit
    from botocore.exceptions import ClientError

    lab = labkit.start("new-account")
    iam, s3 = lab.client("iam"), lab.client("s3")
    """),
    md("""
    ## 🏛️ Two rooms

    As root, we build two rooms — S3 buckets — and put something in each.
    """),
    code("""
    !aws s3 mb s3://castle-library
    !aws s3 mb s3://castle-armory
    """),
    code("""
    s3.put_object(Bucket="castle-library", Key="scrolls/history.txt", Body=b"The castle was founded in the year 1042.")
    s3.put_object(Bucket="castle-armory", Key="swords/excalibur.txt", Body=b"Sharp. Handle with care.")
    !aws s3 ls s3://castle-library --recursive
    """),
    md("""
    ## 🧑‍🎓 Two residents

    A scribe and a knight, each with an access key (the CLI equivalent is `aws iam create-user`
    and `aws iam create-access-key`, as in chapter 02):
    """),
    code("""
    keys = {}
    for name in ("scribe", "knight"):
        iam.create_user(UserName=name)
        keys[name] = labkit.Credentials.from_response(iam.create_access_key(UserName=name)["AccessKey"])
    sorted(keys)
    """),
    md("""
    Like Alice, they start with no permissions:

    ### 🔧 What went wrong: the scribe before any policy
    """),
    code("""
    try:
        lab.client("s3", credentials=keys["scribe"]).get_object(Bucket="castle-library", Key="scrolls/history.txt")
    except ClientError as err:
        labkit.explain(err)
    """),
    md("""
    ## 📜 A policy: which doors a key opens

    A policy is a JSON document with one or more **statements**. Each statement says:

    - **Effect** — `Allow` (or `Deny`, which always wins);
    - **Action** — which operations, as `service:Operation`, e.g. `s3:GetObject`;
    - **Resource** — on what, by ARN. For S3, `arn:aws:s3:::castle-library` is the bucket itself
      (listing it) and `arn:aws:s3:::castle-library/*` is every object in it (reading, writing).

    The scribe may list the library, read its scrolls and write new ones:
    """),
    code("""
    library_keys = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::castle-library"},
            {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"],
             "Resource": "arn:aws:s3:::castle-library/*"},
        ],
    }
    library_json = json.dumps(library_keys)
    !aws iam put-user-policy --user-name scribe --policy-name library-keys --policy-document '{library_json}'
    """),
    md("""
    The knight gets the matching key ring for the armory: the same document with the other
    bucket's name.
    """),
    code("""
    armory_json = library_json.replace("castle-library", "castle-armory")
    armory_json
    """),
    md("""
    **⌨️ Your turn.** Give it to him: type the same `put-user-policy` command as for the
    scribe, with `knight`, the policy name `armory-keys` and `'{armory_json}'`.
    """),
    your_turn("lp-knight-policy", "replace this line with aws iam put-user-policy for the knight"),
    md("""
    ## 🚪 Every door, every resident, side by side

    Let each resident try to read from and write to both rooms, and collect what AWS answers:
    """),
    code("""
    from IPython.display import HTML

    def try_door(who, action, bucket):
        client = lab.client("s3", credentials=keys[who])
        try:
            if action == "read":
                client.list_objects_v2(Bucket=bucket)
            else:
                client.put_object(Bucket=bucket, Key=f"notes/{who}.txt", Body=b"I was here.")
            return "✅ allowed"
        except ClientError as err:
            return "❌ " + err.response["Error"]["Code"]

    doors = [(action, bucket) for bucket in ("castle-library", "castle-armory") for action in ("read", "write")]
    header = "".join(f"<th>{action} {bucket}</th>" for action, bucket in doors)
    rows = "".join(
        f"<tr><th>{who}</th>" + "".join(f"<td>{try_door(who, a, b)}</td>" for a, b in doors) + "</tr>"
        for who in ("scribe", "knight")
    )
    HTML(f"<table><tr><th></th>{header}</tr>{rows}</table>")
    """),
    md("""
    Each resident opens exactly their own room. The same story on the command line, as the
    scribe:
    """),
    code("""
    lab.use(keys["scribe"])
    !aws s3 cp s3://castle-library/scrolls/history.txt -
    """),
    code("""
    # What went wrong, on purpose: the armory is not the scribe's room
    !aws s3 ls s3://castle-armory
    """),
    md("""
    ### 🔧 What went wrong: a `403 Forbidden` without a name

    Downloading from the armory fails differently. `aws s3 cp` first asks whether the object
    exists with a `HEAD` request, and answers to `HEAD` have no body — so there is no room for
    the word `AccessDenied`, only the HTTP status:
    """),
    code("""
    !aws s3 cp s3://castle-armory/swords/excalibur.txt -
    """),
    code("""
    try:
        lab.client("s3", credentials=keys["scribe"]).head_object(Bucket="castle-armory", Key="swords/excalibur.txt")
    except ClientError as err:
        labkit.explain(err)

    lab.use(None)          # the notebook's caller is root again
    """),
    md("""
    ## 🗝️ Too many keys: the tempting shortcut

    Writing policies takes thought, and AWS offers ready-made *managed policies*. The scribe
    only reads and writes S3 objects... so why not attach `AmazonS3ReadOnlyAccess` as well?
    """),
    code("""
    !aws iam attach-user-policy --user-name scribe --policy-arn arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess
    """),
    code("""
    scribe_s3 = lab.client("s3", credentials=keys["scribe"])
    scribe_s3.get_object(Bucket="castle-armory", Key="swords/excalibur.txt")["Body"].read()
    """),
    md("""
    Nothing failed — and that is the problem. `AmazonS3ReadOnlyAccess` means *read every bucket
    in the account*, so the scribe can now read the armory's inventory. Permissions add up: a
    user may do whatever **any** of their policies allows. Take the extra key back:
    """),
    code("""
    !aws iam detach-user-policy --user-name scribe --policy-arn arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess
    """),
    code("""
    try:
        scribe_s3.get_object(Bucket="castle-armory", Key="swords/excalibur.txt")
    except ClientError as err:
        labkit.explain(err)
    """),
    md("""
    Back to least privilege. When you write a policy, start from nothing and add the doors a
    task really needs; the `AccessDenied` messages tell you the exact action and resource to
    add. (Remember Alice? Her key opened nothing in chapter 02 — a policy like these is what she
    was waiting for.)
    """),
    code("""
    labkit.widgets.quiz("lp-knight-puts", "lp-deny-wins", "lp-list-resource")
    """),
    reflection(
        "least-privilege-audit",
        "Pick one user, role or program in an account you know. Which of its permissions has it "
        "never used, and what would you remove first?",
    ),
    md("""
    ## 🔁 Recap
    - A policy statement is **Effect + Action + Resource**; users can do only what some policy
      allows, and an explicit `Deny` always wins.
    - `aws iam put-user-policy` gives a user an inline policy; `attach-user-policy` attaches a
      managed one.
    - Check doors side by side: each resident should open their own rooms and no others.
    - Managed policies are convenient but often broad: permissions add up, so check what else
      a shortcut opens.

    ## ➡️ What's next
    One castle is in order. Most companies have many: in
    [06 — A realm of castles](06-a-realm-of-castles.ipynb) you take member accounts' master keys
    away from one management account.
    - Test yourself first with the [least-privilege exercise](../exercises/least-privilege.ipynb)
      (and the others listed on the [start page](00-start-here.ipynb)).
    - Collect your reflections: run `labkit journal` in a terminal.
    - Go further in real AWS: IAM **groups** (give keys to a team, not one person at a time),
      **roles** (temporary credentials for programs and services — chapter 02's build job) and
      IAM Identity Center for people signing in.
    """),
]
