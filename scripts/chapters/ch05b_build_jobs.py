"""Chapter 05b: build jobs without keys (an OIDC identity provider, a role and its trust policy)."""
# ruff: noqa: E501  (notebook text: commands stay on one line, as learners type them)

from build_chapters import code, footer, header, md, predict, reflection, your_turn

FILE = "05b-build-jobs-without-keys.ipynb"

CELLS = [
    header(
        "05b — Build jobs without keys: roles and OIDC",
        scenario="""
        The castle's code lives in the repository `castle-co/app`, and every night a build job
        on GitHub Actions builds it and needs AWS. The old way was an IAM user whose access key
        is pasted into the CI service as a secret — a key that never expires and can leak from
        every build log. The 2026 way is a **role** the job *assumes*, with no stored key at all.
        """,
        objectives=[
            "explain how a build job gets short-lived credentials through OIDC federation, with no stored key;",
            "write a role's trust policy step by step: who may assume it (`Principal`), and on which conditions;",
            "say which claim keeps other people's pipelines out (`sub`), and which does not (`aud`);",
            "give the role a permissions policy of its own, composed from what chapters 02b and 05 taught.",
        ],
        prerequisites=[
            "Chapter 05: policies and least privilege.",
            "Chapter 03: a statement's `Condition`.",
        ],
        build="The role castle-build, which only the main branch of castle-co/app can assume, and which may only read the build's artifacts.",
    ),
    code("""
    import json

    import labkit
    from botocore.exceptions import ClientError

    lab = labkit.start("new-account")
    iam = lab.client("iam")
    """),
    md("""
    ## How a job proves who it is

    A **[role](glossary.ipynb#role)** is an identity with permissions but no password and no long-term key: someone it
    trusts *assumes* it and receives temporary credentials. For a build job, the trust runs
    through **[OIDC](glossary.ipynb#oidc)** (OpenID Connect) federation
    ([GitHub: OIDC in AWS](https://docs.github.com/en/actions/how-tos/secure-your-work/security-harden-deployments/oidc-in-aws)):

    1. for every job, GitHub signs a short-lived token, a **JWT** (JSON Web Token), that holds
       *claims*: `sub` (the subject: which repository and branch, e.g.
       `repo:castle-co/app:ref:refs/heads/main`) and `aud` (the audience: whom the token is for —
       `sts.amazonaws.com` for every workflow that uses AWS's official action);
    2. your account trusts GitHub's token service as an **OIDC identity provider**;
    3. a role's **[trust policy](glossary.ipynb#trust-policy)** says which tokens may assume it;
    4. the job calls `sts assume-role-with-web-identity` with its token and gets temporary
       credentials for the role. Nothing long-lived is stored anywhere.

    The sandbox plays GitHub: `lab.ci_token(repository=..., ref=...)` returns the token a job of
    that repository and branch would get. First, step 2 — trust the provider:
    """),
    code("""
    !aws iam create-open-id-connect-provider --url https://token.actions.githubusercontent.com --client-id-list sts.amazonaws.com --thumbprint-list 6938fd4d98bab03faadb97b34396831e3780aea1
    """),
    md("""
    ## The trust policy, step 1: who may assume the role

    A trust policy is a policy like those of chapter 05, with one new part: `Principal` ([principal](glossary.ipynb#principal)), *who*
    the statement is about. Here the principal is the provider (a *federated* principal), and
    the action is the one step 4 calls:
    """),
    code("""
    provider = f"arn:aws:iam::{lab.account_id}:oidc-provider/token.actions.githubusercontent.com"
    who = {"Effect": "Allow", "Principal": {"Federated": provider}, "Action": "sts:AssumeRoleWithWebIdentity"}
    """),
    md("""
    As it stands, this statement trusts **every** token GitHub signs — every repository of every
    GitHub user. GitHub asks for at least one condition for exactly that reason.

    ## Step 2: which tokens — the conditions

    A `Condition` (chapter 03) compares the token's claims, which AWS exposes as
    `token.actions.githubusercontent.com:aud` and `...:sub`:

    - `aud` must be `sts.amazonaws.com`. That keeps out tokens meant for *other services* —
      but not other people: **every** workflow that uses the official action asks for that
      audience, Mordred's included.
    - `sub` must be `repo:castle-co/app:ref:refs/heads/main`. **This** is the lock: it names our
      repository and our branch, and no one else's token carries it.

    `StringEquals` asks for exact equality
    ([IAM: create a role for OIDC](https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_create_for-idp_oidc.html)).
    """),
    code("""
    who["Condition"] = {"StringEquals": {
        "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
        "token.actions.githubusercontent.com:sub": "repo:castle-co/app:ref:refs/heads/main",
    }}
    build_trust = {"Version": "2012-10-17", "Statement": [who]}
    build_role = iam.create_role(RoleName="castle-build", AssumeRolePolicyDocument=json.dumps(build_trust))["Role"]
    build_role["Arn"]
    """),
    md("""
    ## Tonight's job

    The job on `main` trades its token for the role's credentials. The answer names the token's
    subject, the identity the job now has, and when its credentials expire:
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
    ### What went wrong: a fork's pipeline tries the role

    Mordred forks the repository and runs the same workflow in his fork. His job gets a perfectly
    valid token from GitHub — with `aud` `sts.amazonaws.com`, like ours, and `sub`
    `repo:mordred/castle-fork:...`:
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
    The token was genuine, and its `aud` matched. The trust policy's `sub` condition said no:
    the fix for a refused job is not a permissions policy for the caller, but the trust
    policy's conditions. And a job of *our* repository, on another branch?
    """),
    predict(
        "oidc-feature-branch",
        "A job of castle-co/app runs on the branch feature/new-gate and asks for the role "
        "castle-build. What does STS answer?",
        run="""
        branch_token = lab.ci_token(repository="castle-co/app", ref="refs/heads/feature/new-gate")
        try:
            lab.client("sts").assume_role_with_web_identity(
                RoleArn=build_role["Arn"], RoleSessionName="feature", WebIdentityToken=branch_token)
            print("The job got credentials.")
        except ClientError as err:
            print("STS answered:", err.response["Error"]["Code"])
        """,
    ),
    md("""
    ## Your turn, on your own: what the job may do

    The role can be assumed, but it may do nothing yet: a role's **permissions policy** is
    separate from its trust policy. The build only needs to read the files of the bucket
    `castle-artifacts` (the action `s3:GetObject`; the files' ARN is
    `arn:aws:s3:::castle-artifacts/*`). Give the role an inline policy that allows exactly that,
    as you gave Alice hers in 02b — for a role, the call is `iam.put_role_policy` with
    `RoleName=` instead of `UserName=`. No code is printed for you.
    """),
    your_turn("oidc-build-permissions", "replace this line with the policy and the call that puts it on the role"),
    md("""
    ## A resource's own policy binds even root

    A trust policy belongs to the role, not to the caller: it is a **resource-based policy**,
    with a `Principal`. A bucket policy is another — and, as chapter 04 said, it binds the
    master key too. Lock a bucket against everyone, as root, and watch root be refused; then
    use the one right AWS keeps for the bucket owner's root: deleting that bucket policy
    ([DeleteBucketPolicy](https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteBucketPolicy.html)).
    """),
    code("""
    s3 = lab.client("s3")
    s3.create_bucket(Bucket="castle-treasury")
    locked = {"Version": "2012-10-17", "Statement": [{"Effect": "Deny", "Principal": "*", "Action": "s3:*",
              "Resource": ["arn:aws:s3:::castle-treasury", "arn:aws:s3:::castle-treasury/*"]}]}
    s3.put_bucket_policy(Bucket="castle-treasury", Policy=json.dumps(locked))
    try:  # What went wrong, on purpose: even the master key is refused
        s3.list_objects_v2(Bucket="castle-treasury")
    except ClientError as err:
        labkit.explain(err)
    s3.delete_bucket_policy(Bucket="castle-treasury")  # root's one way out
    print("unlocked:", s3.list_objects_v2(Bucket="castle-treasury")["KeyCount"], "objects")
    """),
    md("""
    ## Check your understanding
    """),
    code("""
    labkit.widgets.quiz("users-ci-identity", "users-trust-conditions", "oidc-read-fork-error", "oidc-predict-no-sub")
    """),
    reflection(
        "oidc-pipelines",
        "Which pipelines or scripts you know still hold a long-term AWS access key? What would "
        "their trust policy's `sub` condition have to name?",
    ),
    *footer(
        summary=[
            "A build job needs no stored key: it trades a signed OIDC token for a role's temporary credentials.",
            "A role has two policies: the trust policy (who may assume it: `Principal`, `Condition`) and a permissions policy (what it may do).",
            "`aud` only says the token is meant for STS, as every workflow's that uses AWS's official action is; `sub` names the repository and branch, and keeps other pipelines out.",
            "A refused job is fixed in the trust policy's conditions, not with more permissions.",
        ],
        own_account=[
            "Replace CI users' access keys with roles trusted through your CI service's OIDC provider, then delete the keys.",
            "Give every such trust policy a `sub` condition that names your repository and branch (or environment).",
            "Give the role only the permissions the job needs.",
        ],
        next="""
        One account, well kept. But companies run many. In
        [06 — A realm of castles](06-a-realm-of-castles.ipynb) you see how an organization
        governs many accounts at once.
        """,
    ),
]
