"""Chapter 03b: phishing, passkeys and MFA on the command line (get-session-token)."""
# ruff: noqa: E501  (notebook text: commands stay on one line, as learners type them)

from build_chapters import code, footer, header, md, predict, reflection, your_turn

FILE = "03b-phishing-and-mfa-sessions.ipynb"

CELLS = [
    header(
        "03b — Phishing, passkeys and MFA on the command line",
        scenario="""
        Alice has two locks now: her password and her phone's codes. Mordred learns: he builds a
        fake sign-in page ([phishing](glossary.ipynb#phishing)) that relays her code at once — and he knows that her access key needs
        no code at all. You close both gaps.
        """,
        objectives=[
            "explain why a phishing proxy defeats 6-digit codes but not passkeys or security keys;",
            "read the errors of a plain access key under a deny-unless-MFA policy;",
            "get MFA-backed temporary credentials from STS, and choose how long they last.",
        ],
        prerequisites=[
            "Chapter 03: the house rule (deny unless MFA) and Alice's virtual MFA device.",
        ],
        build="Alice's security key for the console, and an MFA session for her command line.",
    ),
    code("""
    import json
    import labkit
    from botocore.exceptions import ClientError

    lab = labkit.start("new-account")
    iam = lab.client("iam")       # signs as root
    """),
    md("""
    ## Where we left off

    The next cell replays chapter 03 without showing the widgets: Alice with her password, her
    access key, the house rule, and a virtual MFA device she enrolled herself. `phone` plays her
    authenticator app: `phone.code()` is the code it shows right now.
    """),
    code("""
    ALICE_PASSWORD = "Quill-Lantern-Moat-2024!"
    iam.create_user(UserName="alice-developer")
    iam.create_login_profile(UserName="alice-developer", Password=ALICE_PASSWORD)
    iam.attach_user_policy(UserName="alice-developer", PolicyArn="arn:aws:iam::aws:policy/IAMUserChangePassword")
    alice_keys = labkit.Credentials.from_response(iam.create_access_key(UserName="alice-developer")["AccessKey"])
    house_rule = {"Version": "2012-10-17", "Statement": [      # 02b's roster, then chapter 03's house rule
        {"Effect": "Allow", "Action": "iam:ListUsers", "Resource": "*"},
        {"Effect": "Allow", "Action": "iam:CreateVirtualMFADevice", "Resource": "arn:aws:iam::*:mfa/*"},
        {"Effect": "Allow", "Action": ["iam:EnableMFADevice", "iam:ListMFADevices", "iam:ResyncMFADevice", "iam:GetUser"],
         "Resource": "arn:aws:iam::*:user/${aws:username}"},
        {"Effect": "Deny", "NotAction": ["iam:CreateVirtualMFADevice", "iam:EnableMFADevice", "iam:ListMFADevices",
                                         "iam:ResyncMFADevice", "iam:GetUser", "sts:GetSessionToken"],
         "Resource": "*", "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}}]}
    iam.put_user_policy(UserName="alice-developer", PolicyName="mfa-or-nothing", PolicyDocument=json.dumps(house_rule))
    alice_iam = lab.client("iam", credentials=alice_keys)          # Alice enrols her own device
    device = alice_iam.create_virtual_mfa_device(VirtualMFADeviceName="alice")["VirtualMFADevice"]
    phone = labkit.Authenticator(device["Base32StringSeed"])
    code1, code2 = phone.pair()
    alice_iam.enable_mfa_device(UserName="alice-developer", SerialNumber=device["SerialNumber"],
                                AuthenticationCode1=code1, AuthenticationCode2=code2)
    console = labkit.Console(lab)
    """),
    md("""
    ## A phishing proxy: why codes are not enough

    Mordred sends Alice a link to `https://signin-aws.example`, a perfect copy of the sign-in
    page. Behind it runs a **proxy** that relays everything she types to the real console at
    once — the password, then the code from her phone, well within its 30 seconds — and keeps
    the session it gets back. `labkit.PhishingProxy` plays his page:
    """),
    code("""
    proxy = labkit.PhishingProxy(lab)
    stolen = proxy.victim_signs_in(lab.account_id, "alice-developer", ALICE_PASSWORD, mfa_code=phone.code())
    print("Mordred holds:", stolen)
    """),
    md("""
    A 6-digit code proves that *someone* holds the phone *now*, not *where* the code is typed.
    That is why AWS recommends **[passkeys and FIDO2 security keys](glossary.ipynb#passkey)**: the key holds a key pair
    for one site only and signs a fresh challenge together with the address the browser is
    really at. On Mordred's page it has no key for `signin-aws.example`, and a signature made
    there would name the wrong site anyway — there is nothing to relay. They are registered in
    the console only, not with the CLI or API
    ([MFA in IAM](https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_mfa.html)).

    Alice registers a security key as her second MFA device, in the real console, and signs in
    with it:
    """),
    code("""
    alice_key = labkit.SecurityKey("Alice's security key")
    real = console.sign_in(lab.account_id, "alice-developer", ALICE_PASSWORD, mfa_code=phone.code())
    real.register_passkey(alice_key, name="alice-key")
    console.sign_in(lab.account_id, "alice-developer", ALICE_PASSWORD, passkey=alice_key)
    """),
    md("""
    ### What went wrong: the phishing page meets a security key

    Alice falls for the same link again, and this time touches her key:
    """),
    code("""
    try:
        proxy.victim_signs_in(lab.account_id, "alice-developer", ALICE_PASSWORD, passkey=alice_key)
    except labkit.SignInFailed as err:
        labkit.explain(err)
    """),
    md("""
    The key refused to sign for the wrong site: Mordred is left with a password and no second
    factor. Alice still changes her password, so the stolen one opens nothing from now on (an
    administrator would also revoke the sessions already opened with it):
    """),
    code("""
    alice_session = console.sign_in(lab.account_id, "alice-developer", ALICE_PASSWORD, passkey=alice_key)
    stolen_password, ALICE_PASSWORD = ALICE_PASSWORD, "Moat-Lantern-Quill-2025!"
    alice_session.change_password(stolen_password, ALICE_PASSWORD)
    alice_session
    """),
    md("""
    ## MFA for the command line

    MFA guards the *console*. Alice's **access key** signs requests without any code, so a thief
    who copies it from her laptop would skip the second lock — unless a policy says otherwise.
    The house rule does: with her plain key the request carries no MFA, and the deny applies.

    ### What went wrong: a plain access key under the house rule
    """),
    code("""
    lab.use(alice_keys)                      # the notebook signs as Alice from here
    !aws iam list-users
    """),
    md("""
    Read the end of the message: *with an explicit deny in an identity-based policy* — not
    "no policy allows it". Her `Allow` for `iam:ListUsers` is there; the house rule's `Deny`
    beat it. (Since January 2026 AWS also ends such a message with the denying policy's ARN
    when it is a managed policy; the house rule is an inline policy, which has none.)

    To work, Alice exchanges her key **and a current code** for temporary credentials: STS's
    action `GetSessionToken` ([STS](glossary.ipynb#sts), the *Security Token Service*, hands out temporary
    credentials). It takes the device's serial number and a code.

    ### What went wrong: a made-up code for a session
    """),
    code("""
    sts = lab.client("sts")                  # signs as Alice
    try:
        sts.get_session_token(SerialNumber=device["SerialNumber"], TokenCode="123456")
    except ClientError as err:
        labkit.explain(err)
    """),
    md("""
    And a session asked for *without* a device and code at all? Predict first:
    """),
    predict(
        "mfa-session-without-mfa",
        "Alice asks STS for a session without giving a code, and calls iam list-users with it. "
        "What does AWS answer?",
        run="""
        plain = labkit.Credentials.from_response(lab.client("sts").get_session_token()["Credentials"])
        try:
            lab.client("iam", credentials=plain).list_users()
            print("It worked.")
        except ClientError as err:
            print("AWS answered:", err.response["Error"]["Code"])
        """,
    ),
    md("""
    ## A session with a real code

    With the code her phone shows, it works. The answer holds three values — a temporary access
    key id, its secret and a **session token** — and an expiry time. On a laptop she would copy
    the three values into the environment variables `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`
    and `AWS_SESSION_TOKEN`; the notebook keeps them, and makes the session its caller:
    """),
    code("""
    answer = sts.get_session_token(SerialNumber=device["SerialNumber"], TokenCode=phone.code())
    print("expires:", answer["Credentials"]["Expiration"])
    mfa_session = labkit.Credentials.from_response(answer["Credentials"])
    lab.use(mfa_session)
    !aws iam list-users --query "Users[].UserName"
    lab.use(alice_keys)                      # back to her plain key for the next task
    """),
    md("""
    The same user, the same policy — but the request carried MFA, and the door opened. A thief
    holding only the long-term key still meets the deny. The session lasts 12 hours unless you
    ask otherwise: `--duration-seconds` takes anything from 900 (15 minutes) to 129600 (36
    hours); root's sessions last at most one hour
    ([GetSessionToken](https://docs.aws.amazon.com/STS/latest/APIReference/API_GetSessionToken.html)).

    ## Your turn, on your own: a one-hour session

    Alice works on a shared screen today and wants her session to end after **one hour** — and
    she works from the command line. Translate the Python call above into an `!aws` line, as
    chapter 02 did for `create_user`: the service and the action in lower case with hyphens
    (`GetSessionToken` becomes `get-session-token`), and each parameter an option
    (`SerialNumber` becomes `--serial-number`). The length is the parameter `DurationSeconds`;
    `{phone.code()}` puts the current code into a `!` line. No command is printed for you.
    """),
    your_turn("mfa-session-hour", "replace this line with the command that gets Alice a one-hour MFA session"),
    code("""
    lab.use(None)                            # back to root
    labkit.widgets.quiz("mfa-phishing-proxy", "mfa-read-explicit-deny", "mfa-predict-passkey-proxy", "mfa-session-length")
    """),
    reflection(
        "mfa-phishing",
        "Which sign-ins you use every day would a relaying phishing page defeat? Where could you "
        "use a passkey or a security key instead of a 6-digit code?",
    ),
    *footer(
        summary=[
            "A phishing proxy relays a 6-digit code in time; a passkey or security key signs only for the real site, so there is nothing to relay.",
            "Access keys skip MFA unless a policy denies requests without `aws:MultiFactorAuthPresent`; that deny beats every allow.",
            "`aws sts get-session-token --serial-number ... --token-code ...` gives MFA-backed temporary credentials (12 hours by default, `--duration-seconds` to choose).",
            "A session asked for without MFA cannot call IAM at all.",
        ],
        own_account=[
            "Register a passkey or security key for every console user who can change your account — administrators first.",
            "If people still use access keys, require MFA for them with a deny-unless-MFA policy, and teach `get-session-token` (or move them to `aws login`).",
            "Keep sessions as short as the work allows.",
        ],
        next="""
        Alice's keys are now well guarded. But the most powerful key of all — root — still hangs
        on a hook by the door. In
        [04 — The master key in the vault](04-the-master-key-in-the-vault.ipynb) you inherit a
        careless account and lock root away.
        """,
    ),
]
