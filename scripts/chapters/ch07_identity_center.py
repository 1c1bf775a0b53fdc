"""Chapter 07: people, not keys (IAM Identity Center: the identity store, groups, permission sets
and account assignments)."""
# ruff: noqa: E501  (notebook text: commands stay on one line, as learners type them)

from build_chapters import code, footer, glossary_link, header, md, predict, reflection, your_turn

FILE = "07-people-not-keys.ipynb"

IC = glossary_link("Identity Center", "IAM Identity Center")
STORE = glossary_link("identity store")
PORTAL = glossary_link("access portal")
PERMISSION_SET = glossary_link("permission set")
ASSIGNMENT = glossary_link("account assignment")
PROVISIONS = glossary_link("provisioning", "provisions")
GROUP = glossary_link("group")
PRINCIPAL = glossary_link("principal")

CELLS = [
    header(
        "07 — People, not keys: the gatehouse",
        scenario=f"""
        The castle is growing: three developers join next month, and they will work in
        `castle-workloads`, not in the management account. Since chapter 02 Alice has been an
        IAM user: a password, an MFA device, an access key — in one account. Giving each new
        developer the same, in every account they need, means keys to hand out, rotate and
        collect again. AWS's advice for people is different: nobody gets an IAM user. People sign
        in once at the realm's gatehouse, {IC}, and receive short-lived credentials for the
        accounts they were given.
        """,
        objectives=[
            f"find the organization's {IC} instance, its {STORE} and its {PORTAL}'s address;",
            f"create a person and a {GROUP} in the identity store, and put the person in the group;",
            f"write a {PERMISSION_SET}: an AWS managed policy, an inline policy and a session length;",
            f"give a group a permission set in one member account (an {ASSIGNMENT}), and say what AWS creates there.",
        ],
        prerequisites=[
            "[06 — A realm of castles](06-a-realm-of-castles.ipynb): an organization, its management and member accounts;",
            "[05 — Only the keys they need](05-only-the-keys-they-need.ipynb): AWS managed and inline policies.",
        ],
        build="a developers' group that can work in castle-workloads, and a person in it who holds no key at all.",
    ),
    code("""
    import json
    import labkit
    from botocore.exceptions import ClientError

    lab = labkit.start("identity-center")
    members = {a["Name"]: a["Id"] for a in lab.client("organizations").list_accounts()["Accounts"]}
    workloads = members["castle-workloads"]
    """),
    md(f"""
    ## The gatehouse

    Who should be an IAM user today? AWS's own answer is narrow: a person gets an IAM user only
    when IAM Identity Center is not available to the account and there is no other identity
    provider ([When to create an IAM user](https://docs.aws.amazon.com/IAM/latest/UserGuide/id_users.html#when-to-use-iam-users)).
    Even a single account can create an organization (free) and turn Identity Center on.

    In this organization it is already on: an **organization instance**, run from the
    management account for every account of the organization. It has three parts:

    - the {STORE}, `d-` followed by ten characters: the directory of people and groups (a
      company often connects its own directory instead, such as Microsoft Entra ID or Okta);
    - **permission sets**: what people may do, written once, used in any account;
    - the {PORTAL}, `https://d-….awsapps.com/start`: the one page where people sign in
      ([What is IAM Identity Center?](https://docs.aws.amazon.com/singlesignon/latest/userguide/what-is.html)).

    This chapter's `aws` commands belong to two services: `sso-admin` (the instance, permission
    sets, assignments) and `identitystore` (people and groups); chapter 07b meets two more, for
    signing in. Ask for the instance:
    """),
    code("""
    !aws sso-admin list-instances --query "Instances[].[InstanceArn, IdentityStoreId]" --output text
    instance = lab.client("sso-admin").list_instances()["Instances"][0]
    instance_arn, store_id = instance["InstanceArn"], instance["IdentityStoreId"]
    print("access portal:", f"https://{store_id}.awsapps.com/start")
    """),
    md("""
    ## Alice in the identity store

    A person in the identity store is not an IAM user. She has no password in IAM, no access
    key, no policy, and she exists once for the whole organization, not once per account. The
    store needs a user name, a display name, her given and family names, and an email address
    for her invitation ([CreateUser](https://docs.aws.amazon.com/singlesignon/latest/IdentityStoreAPIReference/API_CreateUser.html)).
    The `--name` and `--emails` options take the CLI's shorthand, `Key=value,Key=value`:
    """),
    code("""
    answer = !aws identitystore create-user --identity-store-id {store_id} --user-name alice --display-name "Alice Developer" --name GivenName=Alice,FamilyName=Developer --emails Value=alice@castle.example,Type=work,Primary=true
    alice_id = json.loads(answer.n)["UserId"]
    !aws identitystore list-users --identity-store-id {store_id} --query "Users[].[UserName, UserId]" --output text
    """),
    md("""
    Her id is a UUID (a *universally unique identifier*: a long run of hexadecimal characters
    in groups joined by hyphens, made by the store so that no two people ever share one); the
    other commands name her by it, not by `alice`. The store is the one list of the
    organization's people. In a company, new people often arrive from the **HR system** (the
    human-resources software where staff are hired and leave), which creates them here. What if
    it sends her again?
    """),
    predict(
        "ic-second-alice",
        "You create the user alice a second time in the same identity store. What does AWS answer?",
        """
        try:
            lab.client("identitystore").create_user(
                IdentityStoreId=store_id, UserName="alice", DisplayName="Alice Developer",
                Name={"GivenName": "Alice", "FamilyName": "Developer"})
            print("It works")
        except ClientError as err:
            labkit.explain(err)
        """,
    ),
    md("""
    ## A group for the developers

    Access is given to **groups**, not to people one by one: the next developer then needs one
    membership, and a person who leaves loses everything in one place. These are the identity
    store's groups, not the IAM groups of chapter 04b: they hold people of the store, and get
    their access from account assignments, not from policies attached to them. Create the group
    `castle-developers`:
    """),
    code("""
    answer = !aws identitystore create-group --identity-store-id {store_id} --display-name castle-developers --description "Developers of castle-workloads"
    developers_id = json.loads(answer.n)["GroupId"]
    developers_id
    """),
    md("""
    ### Your turn: Alice joins the group

    The identity store calls it a **group membership**. Compose the command yourself: which of
    the two services keeps people and groups, and which of its actions creates a membership?
    (`!aws identitystore help` lists its actions.) It needs three values: the store
    (`{store_id}` holds it), the group and the member. Find the last two above: the group's id
    is what `create-group` answered, and Alice's `UserId` is in the `list-users` output. The
    member is written in shorthand: `UserId=` followed by her id.
    """),
    your_turn("ic-alice-joins", "replace this line with your command"),
    md(f"""
    ## A permission set

    A {PERMISSION_SET} says what its holders may do in an account: AWS managed policies,
    customer managed policy names, one inline policy, and how long a session lasts — from one
    hour (the default) to 12 hours, written in ISO 8601 as `PT4H`
    ([Permission sets](https://docs.aws.amazon.com/singlesignon/latest/userguide/permissionsetsconcept.html),
    [session duration](https://docs.aws.amazon.com/singlesignon/latest/userguide/howtosessionduration.html)).
    It is written once, in the management account, and used in any account.

    The developers get AWS's managed policy `ReadOnlyAccess` (they may look at everything) and
    one inline policy of chapter 05's kind: they may put files in the bucket `castle-artifacts`,
    nothing more:
    """),
    code("""
    answer = !aws sso-admin create-permission-set --instance-arn {instance_arn} --name Developer --description "Read everything, publish artifacts" --session-duration PT4H
    developer_arn = json.loads(answer.n)["PermissionSet"]["PermissionSetArn"]
    !aws sso-admin attach-managed-policy-to-permission-set --instance-arn {instance_arn} --permission-set-arn {developer_arn} --managed-policy-arn arn:aws:iam::aws:policy/ReadOnlyAccess

    publish_artifacts = json.dumps({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "s3:PutObject", "Resource": "arn:aws:s3:::castle-artifacts/*"}]})
    !aws sso-admin put-inline-policy-to-permission-set --instance-arn {instance_arn} --permission-set-arn {developer_arn} --inline-policy '{publish_artifacts}'
    !aws sso-admin list-managed-policies-in-permission-set --instance-arn {instance_arn} --permission-set-arn {developer_arn} --query "AttachedManagedPolicies[].Name"
    """),
    md(f"""
    ## Who, what, where: the account assignment

    An {ASSIGNMENT} joins three things: **who** (its {PRINCIPAL}: a group, or a user, of the
    identity store), **what** (a permission set) and **where** (one account). Here: `castle-developers`, `Developer`,
    `castle-workloads`. Each option of the command says one of them:
    `--principal-type GROUP --principal-id` (who), `--permission-set-arn` (what),
    `--target-type AWS_ACCOUNT --target-id` (where).

    Creating an assignment also {PROVISIONS} the permission set to the account: AWS creates
    in `castle-workloads` an IAM role named `AWSReservedSSO_Developer_` followed by 16
    hexadecimal characters, under the path `/aws-reserved/sso.amazonaws.com/` (for an instance
    outside `us-east-1` the path also names its Region, such as
    `/aws-reserved/sso.amazonaws.com/eu-west-1/`), with the set's policies. That role is what Alice becomes when she signs in (chapter 07b looks at it from
    inside). If you change the permission set
    later, provision it again (`provision-permission-set`), or the role keeps the old policies
    ([CreateAccountAssignment](https://docs.aws.amazon.com/singlesignon/latest/APIReference/API_CreateAccountAssignment.html),
    [Referencing permission sets](https://docs.aws.amazon.com/singlesignon/latest/userguide/referencingpermissionsets.html)).

    On AWS this takes a moment: the command answers `IN_PROGRESS` and the work goes on in the
    background; `describe-account-assignment-creation-status` with the request's id says when
    it has `SUCCEEDED` (or `FAILED`, and why)
    ([DescribeAccountAssignmentCreationStatus](https://docs.aws.amazon.com/singlesignon/latest/APIReference/API_DescribeAccountAssignmentCreationStatus.html)).
    The sandbox finishes at once, so here it answers `SUCCEEDED` straight away.
    """),
    code("""
    !aws sso-admin create-account-assignment --instance-arn {instance_arn} --principal-type GROUP --principal-id {developers_id} --permission-set-arn {developer_arn} --target-type AWS_ACCOUNT --target-id {workloads} --query AccountAssignmentCreationStatus.Status
    !aws sso-admin list-account-assignments --instance-arn {instance_arn} --account-id {workloads} --permission-set-arn {developer_arn} --query "AccountAssignments[].[PrincipalType, PrincipalId]" --output text
    """),
    md("""
    Notice what this gave Alice: no IAM user in any account, no password in IAM, no access
    key. The management account's IAM holds only what the castle had before — the old IAM user
    `alice`, with her password, MFA device and key, which chapter 07b retires:
    """),
    code("""
    !aws iam list-users --query "Users[].UserName"
    """),
    code("""
    labkit.widgets.quiz("ic-who-is-an-iam-user", "ic-read-the-duplicate-group", "ic-predict-new-developer",
                        "ic-what-an-assignment-joins")
    """),
    reflection(
        "ic-people-with-keys",
        "Which people in your team (or in a project you know) sign in to AWS with an IAM user or "
        "an access key of their own? What would each of them need from a permission set instead?",
    ),
    *footer(
        summary=[
            "People are not IAM users: they live once in Identity Center's identity store and sign in at the access portal.",
            "A permission set holds policies and a session length (1 to 12 hours); it is written once and used in any account.",
            "An account assignment joins who (better a group), what (a permission set) and where (one account).",
            "Assigning provisions the set: AWS creates the role `AWSReservedSSO_<set>_<hash>` in that account; change the set, provision again.",
        ],
        own_account=[
            "Enable IAM Identity Center (an organization instance), even for a single account: an organization costs nothing.",
            "Create groups per job (developers, operators, auditors) and assign groups, never people, to accounts.",
            "Start permission sets from AWS managed job policies and narrow inline policies; keep sessions short.",
            "List the IAM users that are people: each is one to move to Identity Center.",
        ],
        next="""
        Alice exists, belongs to a group and has access to `castle-workloads` — but she has
        never signed in. In [07b — Alice signs in at the gatehouse](07b-alice-signs-in.ipynb)
        she chooses her password, registers MFA, signs in from the command line without any key,
        and her old IAM user is retired.
        """,
    ),
]
