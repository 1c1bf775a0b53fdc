"""Chapter 03: the two-key system (virtual MFA, sign-in, a stolen password, MFA sessions)."""
# ruff: noqa: E501  (notebook text: commands stay on one line, as learners type them)

from build_chapters import code, md, reflection, your_turn

FILE = "03-the-two-key-system-mfa.ipynb"

CELLS = [
    md("""
    # 03 — The two-key system: MFA

    Think of **multi-factor authentication (MFA)** as a gate with two locks. One key is
    something you *know*: your password. The other is something you *have*: a phone app or a
    hardware token that shows a new 6-digit code every 30 seconds. A thief who steals the
    password still stands outside.

    ### Learning objectives
    - Put a deny-unless-MFA policy on a user, so that she enrols her own device and the
      administrator never sees its secret.
    - Create a named virtual MFA device and set up an authenticator from its QR code (your own
      phone works too).
    - Enable the device with `aws iam enable-mfa-device` and two consecutive codes — and see why
      made-up codes fail.
    - Sign in with MFA, watch MFA stop someone who stole a password — and see why only passkeys
      and security keys stop a phishing proxy.
    - Protect command-line work with MFA using `aws sts get-session-token`.
    """),
    code("""
    import json
    import labkit
    from botocore.exceptions import ClientError

    lab = labkit.start("new-account")
    iam = lab.client("iam")
    """),
    md("""
    ## ⏪ Where we left off

    This chapter starts from a fresh account, so we first bring back Alice as chapter 02 left
    her: a user with her own password (already changed, thanks to `IAMUserChangePassword`) and
    an access key for her laptop.
    """),
    code("""
    ALICE_PASSWORD = "Quill-Lantern-Moat-2024!"
    iam.create_user(UserName="alice-developer")
    iam.create_login_profile(UserName="alice-developer", Password=ALICE_PASSWORD)
    iam.attach_user_policy(UserName="alice-developer", PolicyArn="arn:aws:iam::aws:policy/IAMUserChangePassword")
    alice_keys = labkit.Credentials.from_response(iam.create_access_key(UserName="alice-developer")["AccessKey"])
    console = labkit.Console(lab)
    console.sign_in(lab.account_id, "alice-developer", ALICE_PASSWORD)
    """),
    md("""
    ## 📜 The house rule: MFA or nothing

    Who should create Alice's MFA device? If you, the administrator, create it, *you* see its
    secret seed — and whoever has seen the seed can make Alice's codes forever. So the usual
    practice is the other way round: the administrator puts a **deny-unless-MFA** policy on
    every user, and each user enrols their own device. Until Alice has signed in with MFA, the
    policy lets her do nothing except set up her own device; once she has, it lets her work.

    Here is such a policy, trimmed from AWS's own example
    ([IAM: allows MFA-authenticated users to manage their own MFA device](https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_examples_aws_my-sec-creds-self-manage-mfa-only.html)),
    with one extra right for the work she does with MFA: reading the list of residents.
    """),
    code("""
    mfa_or_nothing = {
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "AllowListDevices", "Effect": "Allow", "Action": "iam:ListVirtualMFADevices", "Resource": "*"},
            {"Sid": "AllowCreateOwnDevice", "Effect": "Allow", "Action": "iam:CreateVirtualMFADevice",
             "Resource": "arn:aws:iam::*:mfa/*"},
            {"Sid": "AllowManageOwnMFA", "Effect": "Allow",
             "Action": ["iam:EnableMFADevice", "iam:GetUser", "iam:ListMFADevices", "iam:ResyncMFADevice"],
             "Resource": "arn:aws:iam::*:user/${aws:username}"},
            {"Sid": "DenyAllExceptListedIfNoMFA", "Effect": "Deny",
             "NotAction": ["iam:CreateVirtualMFADevice", "iam:EnableMFADevice", "iam:GetUser",
                           "iam:ListMFADevices", "iam:ListVirtualMFADevices", "iam:ResyncMFADevice",
                           "sts:GetSessionToken"],
             "Resource": "*",
             "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}},
            {"Sid": "AllowRosterWithMFA", "Effect": "Allow", "Action": ["iam:ListUsers"], "Resource": "*"},
        ],
    }
    iam.put_user_policy(UserName="alice-developer", PolicyName="mfa-or-nothing",
                        PolicyDocument=json.dumps(mfa_or_nothing))
    """),
    md("""
    Read the `Deny` statement slowly: it denies every action **not** listed (`NotAction`) when
    the request carries no MFA. `BoolIfExists` matters: a request signed with a plain access key
    has no `aws:MultiFactorAuthPresent` key at all, and `IfExists` makes the deny apply to it
    too. An explicit `Deny` beats every `Allow`, so without MFA Alice's roster right is dead.

    ## 📱 Alice enrols her own virtual MFA device

    From here on the notebook signs as **Alice**: `lab.use(alice_keys)`. A *virtual* MFA device
    is an authenticator app. AWS makes up a random **secret seed** and hands it, once, to whoever
    creates the device — Alice — as a QR code; the app scans it, stores the seed, and from then
    on computes a 6-digit code from *the seed and the current time*. AWS does the same
    computation, so both agree on the code without ever talking to each other.

    Since 2022 a device has a **name** chosen when it is created; a virtual device's serial number
    is `arn:aws:iam::<account>:mfa/<name>`. On the command line Alice would save the QR code to a
    file:
    `aws iam create-virtual-mfa-device --virtual-mfa-device-name alice --outfile alice-qr.png --bootstrap-method QRCodePNG`.
    We keep it in the notebook instead:
    """),
    code("""
    lab.use(alice_keys)
    alice_iam = lab.client("iam")            # signs as Alice now
    device = alice_iam.create_virtual_mfa_device(VirtualMFADeviceName="alice")["VirtualMFADevice"]
    device["SerialNumber"]
    """),
    md("""
    The device exists, but it is not enabled for anybody yet:
    """),
    code("""
    !aws iam list-virtual-mfa-devices --assignment-status Unassigned --query "VirtualMFADevices[].SerialNumber"
    """),
    md("""
    Here is Alice's phone. It shows the device's **real QR code**, the current code, and a bar
    counting down to the next one. The seed went from AWS to Alice's answer to her phone; the
    administrator never saw it.

    > **📲 Want to use your own phone?** Scan the QR code with any authenticator app. Your phone
    > will show the same codes as the widget. Wherever a cell below asks for codes, you may type
    > your phone's codes instead. The secret only works in this sandbox, so it is safe — delete
    > the entry from your app when you finish the course.
    """),
    code("""
    phone = labkit.widgets.authenticator(device)
    phone
    """),
    md("""
    ## 🔧 What went wrong: the book's made-up codes

    Guides often print the command with placeholder codes. Here it is exactly as the book
    writes it — and the device's serial number really is `arn:aws:iam::123456789012:mfa/alice`:
    """),
    code("""
    !aws iam enable-mfa-device --user-name alice-developer --serial-number arn:aws:iam::123456789012:mfa/alice --authentication-code1 123456 --authentication-code2 789012
    """),
    code("""
    try:
        alice_iam.enable_mfa_device(UserName="alice-developer", SerialNumber=device["SerialNumber"],
                                    AuthenticationCode1="123456", AuthenticationCode2="789012")
    except ClientError as err:
        labkit.explain(err)
    """),
    md("""
    AWS checks the codes. It asks for **two consecutive** codes to prove the app really holds the
    seed *and* that its clock is right. With a phone, you type the code on the screen, wait for
    the countdown, and type the next one.

    ## ✅ Enabling the device with real codes

    If you scanned the QR code with your phone, put its two codes in `MY_PHONE_CODES` (for
    example `("123456", "654321")`, the second one after the countdown) and run the cell within
    a minute. Otherwise leave it as `None`: the widget's authenticator gives the previous and
    the current code, which are consecutive and still accepted.
    """),
    code("""
    MY_PHONE_CODES = None
    code1, code2 = MY_PHONE_CODES or phone.authenticator.pair()
    print("code 1:", code1, "  code 2:", code2)
    """),
    md("""
    **⌨️ Your turn.** Type the book's command again, with real codes: where the book has
    `123456` and `789012`, write `{code1}` and `{code2}` (in a notebook, `{name}` inserts the
    value of a Python variable into a `!` command). You are still signed in as Alice, and the
    house rule lets her do exactly this without MFA.
    """),
    your_turn("mfa-enable", "replace this line with the book's enable-mfa-device command, with {code1} and {code2}"),
    md("""
    The command itself prints nothing on success. The boto3 equivalent is
    `iam.enable_mfa_device(UserName="alice-developer", SerialNumber=..., AuthenticationCode1=code1, AuthenticationCode2=code2)`.
    Alice's MFA devices:
    """),
    code("""
    alice_iam.list_mfa_devices(UserName="alice-developer")["MFADevices"]
    """),
    md("""
    A user (and the root user) may register **up to eight** MFA devices, of any type, and any
    one of them works at sign-in
    ([AWS: MFA in IAM](https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_mfa.html)).
    A second device kept somewhere safe means a lost phone does not lock Alice out.
    """),
    md("""
    ## 🚪 Signing in with two keys

    The password alone is no longer enough. The console asks for the second key:
    """),
    code("""
    try:
        console.sign_in(lab.account_id, "alice-developer", ALICE_PASSWORD)
    except labkit.MFACodeRequired as err:
        labkit.explain(err)
    """),
    code("""
    console.sign_in(lab.account_id, "alice-developer", ALICE_PASSWORD, mfa_code=phone.code)
    """),
    md("""
    ## 🕵️ The stolen password

    A week later, Alice falls for a fake "password expired" e-mail. Mordred, the thief, now knows
    her password — the whole password, correctly typed. He goes straight to the sign-in page.
    """),
    code("""
    stolen_password = ALICE_PASSWORD

    try:
        console.sign_in(lab.account_id, "alice-developer", stolen_password)
    except labkit.MFACodeRequired as err:
        print("Mordred is asked for a code:", err)
    """),
    md("""
    He has no phone with Alice's seed, so he guesses:
    """),
    code("""
    for guess in ("123456", "000000", "111111"):
        try:
            console.sign_in(lab.account_id, "alice-developer", stolen_password, mfa_code=guess)
            print(guess, "-> he is in!")
        except labkit.SignInFailed as err:
            print(guess, "->", err)
    """),
    md("""
    Each guess has a one-in-a-million chance, and the right answer changes every 30 seconds.
    Meanwhile Alice signs in as usual with her phone — and should change her password, since it
    is known to someone else now. **The stolen password alone opened nothing.**

    ## 🎣 A phishing proxy: why codes are not enough

    Mordred learns. Next time he sends Alice a link to `https://signin-aws.example`, a perfect
    copy of the sign-in page. Behind it runs a **proxy** that relays everything she types to the
    real console at once — password first, then the code from her phone, well within its 30
    seconds — and keeps the session it gets back. `labkit.PhishingProxy` plays his page:
    """),
    code("""
    proxy = labkit.PhishingProxy(lab)
    stolen = proxy.victim_signs_in(lab.account_id, "alice-developer", ALICE_PASSWORD, mfa_code=phone.code)
    print("Mordred holds:", stolen)
    """),
    md("""
    A 6-digit code (TOTP) proves that *someone* holds the phone *now*, not *where* the code is
    being typed. That is why AWS recommends **passkeys and FIDO2 security keys**: the key holds
    a key pair for one site only, and signs a fresh challenge together with the address the
    browser is really at. On Mordred's page it has no key for `signin-aws.example`, and a
    signature made there would name the wrong site anyway — there is nothing to relay. They are
    registered in the console only, not with the CLI or API
    ([MFA in IAM](https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_mfa.html)).

    Alice registers a security key as her second MFA device (a user may have up to eight), in
    the real console:
    """),
    code("""
    alice_key = labkit.SecurityKey("Alice's security key")
    real = console.sign_in(lab.account_id, "alice-developer", ALICE_PASSWORD, mfa_code=phone.code)
    real.register_passkey(alice_key, name="alice-key")
    console.sign_in(lab.account_id, "alice-developer", ALICE_PASSWORD, passkey=alice_key)
    """),
    md("""
    ### 🔧 What went wrong: the phishing page meets a passkey

    Alice falls for the same link again, and this time touches her key:
    """),
    code("""
    try:
        proxy.victim_signs_in(lab.account_id, "alice-developer", ALICE_PASSWORD, passkey=alice_key)
    except labkit.SignInFailed as err:
        labkit.explain(err)
    """),
    md("""
    The key refused to sign for the wrong site, and Mordred is left with a password and no
    second factor. Alice still changes her password, so that the stolen one opens nothing from
    now on (an administrator would also revoke the sessions already opened with it):
    """),
    code("""
    alice_session = console.sign_in(lab.account_id, "alice-developer", ALICE_PASSWORD, passkey=alice_key)
    ALICE_PASSWORD = "Moat-Lantern-Quill-2025!"
    alice_session.change_password(stolen_password, ALICE_PASSWORD)
    alice_session
    """),
    md("""
    ## ⌨️ MFA for the command line

    There is a catch. MFA guards the *console*. Alice's **access key** signs requests without any
    code — so a thief who copies the key from her laptop would skip the second lock entirely.
    That is what the house rule is for: with her plain key the request carries no MFA, and the
    deny applies (the notebook still signs as Alice):

    ### 🔧 What went wrong: a plain access key under the house rule
    """),
    code("""
    !aws iam list-users
    """),
    md("""
    To work, Alice exchanges her key **and a current code** for temporary credentials with
    `sts get-session-token`. A made-up code is refused — note that AWS's message differs when
    the serial number is right but the code is wrong:

    ### 🔧 What went wrong: a made-up code for a session
    """),
    code("""
    !aws sts get-session-token --serial-number arn:aws:iam::123456789012:mfa/alice --token-code 123456
    """),
    md("""
    And asking for a session **without** MFA does not help either: such credentials cannot call
    IAM at all — AWS answers as if the token were invalid.

    ### 🔧 What went wrong: a session without MFA
    """),
    code("""
    plain = labkit.Credentials.from_response(lab.client("sts").get_session_token()["Credentials"])
    try:
        lab.client("iam", credentials=plain).list_users()
    except ClientError as err:
        labkit.explain(err)
    """),
    md("""
    ### ✅ A session with a real code

    With the code from her phone it works. On the command line (`{phone.code}` puts the code the
    authenticator shows right now into the command; on your own laptop you would type it), the
    answer holds three values — a temporary access key id, its secret and a session token:
    """),
    code("""
    !aws sts get-session-token --serial-number arn:aws:iam::123456789012:mfa/alice --token-code {phone.code} --query "Credentials.[AccessKeyId, Expiration]"
    """),
    md("""
    On a laptop she would copy the three values into `AWS_ACCESS_KEY_ID`,
    `AWS_SECRET_ACCESS_KEY` and `AWS_SESSION_TOKEN`. In Python the notebook keeps them for us:
    """),
    code("""
    answer = lab.client("sts").get_session_token(SerialNumber=device["SerialNumber"], TokenCode=phone.code)
    mfa_session = labkit.Credentials.from_response(answer["Credentials"])
    print("temporary key:", mfa_session.access_key_id, " expires:", answer["Credentials"]["Expiration"])
    """),
    code("""
    lab.use(mfa_session)
    !aws iam list-users --query "Users[].UserName"
    """),
    md("""
    The same user, the same policy — but now the request carries MFA and the door opens. The
    credentials are temporary: 12 hours by default, anything from 15 minutes to 36 hours with
    `--duration-seconds` (root's own sessions last at most one hour)
    ([GetSessionToken](https://docs.aws.amazon.com/STS/latest/APIReference/API_GetSessionToken.html)).
    A thief holding only the long-term key still meets the explicit deny. Back to root (the
    authenticator above keeps ticking; `phone.close()` would put it away):
    """),
    code("""
    lab.use(None)
    lab
    """),
    code("""
    labkit.widgets.quiz("mfa-two-codes", "mfa-self-enrol", "mfa-phishing-proxy", "mfa-how-many-devices", "mfa-session-length")
    """),
    reflection(
        "mfa-where",
        "Which of your accounts (AWS or others: e-mail, code hosting, banking) still rely on a "
        "password alone? Which one will you add MFA to first, and when?",
    ),
    md("""
    ## 🔁 Recap
    - A virtual MFA device is a secret seed shared by AWS and an authenticator app, shown once as
      a QR code; codes come from the seed and the clock.
    - A deny-unless-MFA policy lets users enrol their own device (the administrator never sees
      the seed) and do nothing else until they use MFA.
    - `aws iam enable-mfa-device` needs two consecutive, current codes: made-up codes fail with
      `InvalidAuthenticationCode`. Devices have names; up to eight per user, any one signs in.
    - With MFA, a stolen password alone no longer opens the console — but a relayed code does:
      passkeys and security keys resist phishing, TOTP codes do not.
    - Access keys skip MFA unless a policy requires `aws:MultiFactorAuthPresent`; then
      `aws sts get-session-token --serial-number ... --token-code ...` gives MFA-backed temporary
      credentials (12 hours by default). A session without MFA cannot call IAM at all.

    ## ➡️ What's next
    Alice's key is now a two-key lock. But the most powerful key of all — root — still hangs on
    a hook by the door. In [04 — The master key in the vault](04-the-master-key-in-the-vault.ipynb)
    you inherit a careless account and lock root away.

    Practise first? The [mfa exercise](../exercises/mfa.ipynb) has a *Check my work* button.
    """),
]
