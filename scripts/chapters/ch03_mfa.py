"""Chapter 03: the two-key system (a deny-unless-MFA policy built in steps, self-enrolled MFA, a stolen password)."""
# ruff: noqa: E501  (notebook text: commands stay on one line, as learners type them)

from build_chapters import code, footer, header, md, predict, reflection, your_turn

FILE = "03-the-two-key-system-mfa.ipynb"

CELLS = [
    header(
        "03 — The two-key system: MFA",
        scenario="""
        **[Multi-factor authentication (MFA)](glossary.ipynb#mfa)** is a gate with two locks. One key is something you
        *know*, your password; the other is something you *have*, a phone app or a device that
        shows a new 6-digit code every 30 seconds. People who sign in hold the most power in an
        account, so they get both locks — and a thief who steals a password still stands outside.
        """,
        objectives=[
            "build a deny-unless-MFA policy in steps, and explain each line: `Deny`, `NotAction`, `Condition`;",
            "let a user enrol her own virtual MFA device, so that the administrator never sees its secret;",
            "enable the device with two consecutive codes, and see why made-up codes fail;",
            "sign in with MFA, and watch it stop someone who stole the password.",
        ],
        prerequisites=[
            "Chapters 02 and 02b: Alice, her access key, and a policy's `Effect`, `Action` and `Resource`.",
            "Optional: an authenticator app on your phone.",
        ],
        build="A house rule — no MFA, no work — and Alice's own MFA device, enabled by her.",
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

    A fresh sandbox: the next cell brings back Alice as chapter 02b left her — her own
    password, the right to change it, an access key, and her `read-roster` policy.
    """),
    code("""
    ALICE_PASSWORD = "Quill-Lantern-Moat-2024!"
    iam.create_user(UserName="alice-developer")
    iam.create_login_profile(UserName="alice-developer", Password=ALICE_PASSWORD)
    iam.attach_user_policy(UserName="alice-developer", PolicyArn="arn:aws:iam::aws:policy/IAMUserChangePassword")
    roster = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iam:ListUsers", "Resource": "*"}]}
    iam.put_user_policy(UserName="alice-developer", PolicyName="read-roster", PolicyDocument=json.dumps(roster))
    alice_keys = labkit.Credentials.from_response(iam.create_access_key(UserName="alice-developer")["AccessKey"])
    console = labkit.Console(lab)
    """),
    md("""
    ## The house rule, step 1: Alice may set up her own device

    Who should create Alice's MFA device? Whoever creates it sees its **secret seed**, and
    whoever has seen the seed can make her codes forever. So the usual practice is: each user
    enrols their own device, and a policy — the *house rule* — lets them do nothing else until
    they have signed in with it. We build it from AWS's example
    ([Allows MFA-authenticated IAM users to manage their own MFA device](https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_examples_aws_my-sec-creds-self-manage-mfa-only.html)),
    one piece at a time.

    First, two `Allow` statements of the kind you wrote in 02b:

    - creating a virtual device, whose ARN is `arn:aws:iam::<account>:mfa/<device name>`;
    - enabling, listing and resynchronising devices on **her own user**. `${aws:username}` is a
      *policy variable*: AWS replaces it with the caller's user name, so one statement fits
      every user who gets the policy.
    """),
    code("""
    create_device = {"Effect": "Allow", "Action": "iam:CreateVirtualMFADevice", "Resource": "arn:aws:iam::*:mfa/*"}
    own_mfa = {"Effect": "Allow",
               "Action": ["iam:EnableMFADevice", "iam:ListMFADevices", "iam:ResyncMFADevice", "iam:GetUser"],
               "Resource": "arn:aws:iam::*:user/${aws:username}"}
    """),
    md("""
    `Action` may be a list. The `*` in `arn:aws:iam::*:...` stands for any account.

    ## Step 2: deny the rest — unless MFA was used

    Now the lock itself, a statement with three new words:

    - `"Effect": "Deny"` — an **explicit deny beats every allow**, in any policy;
    - `"NotAction": [...]` — the statement applies to every action *except* those listed:
      here, exactly what she needs to set up her device (and `sts:GetSessionToken`, which
      chapter 03b uses to bring MFA to the command line);
    - `"Condition"` — *when* the statement applies. `aws:MultiFactorAuthPresent` is a fact
      AWS attaches to a request: `"true"` when the caller signed in with MFA. A request signed
      with a plain access key has no such fact at all; `BoolIfExists` makes the condition true
      when the fact is missing, so the deny covers plain keys too
      ([condition operators](https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html)).

    Read it aloud: *deny everything but these actions, if the request came without MFA.*
    """),
    code("""
    no_mfa_no_work = {
        "Effect": "Deny",
        "NotAction": ["iam:CreateVirtualMFADevice", "iam:EnableMFADevice", "iam:ListMFADevices",
                      "iam:ResyncMFADevice", "iam:GetUser", "sts:GetSessionToken"],
        "Resource": "*",
        "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}},
    }
    house_rule = {"Version": "2012-10-17", "Statement": [create_device, own_mfa, no_mfa_no_work]}
    iam.put_user_policy(UserName="alice-developer", PolicyName="mfa-or-nothing", PolicyDocument=json.dumps(house_rule))
    iam.list_user_policies(UserName="alice-developer")["PolicyNames"]
    """),
    md("""
    Step 3 was the `put_user_policy` line: root puts the whole house rule on Alice, next to her
    `read-roster` policy. Its allow still exists — but without MFA the deny wins over it.

    ## Alice enrols her own virtual MFA device

    From here the notebook signs as **Alice**. A *virtual* MFA device is an authenticator app:
    AWS makes up a random secret seed and hands it, once, to whoever creates the device, as a
    QR code. The app stores the seed and computes each 6-digit code from *the seed and the
    current time* ([TOTP](glossary.ipynb#totp)); AWS does the same, so both agree without talking. A device gets a
    **name** when it is created. On the command line Alice would save the QR code to a file
    (`aws iam create-virtual-mfa-device --virtual-mfa-device-name alice --outfile alice-qr.png --bootstrap-method QRCodePNG`);
    we keep it in the notebook:
    """),
    code("""
    lab.use(alice_keys)
    alice_iam = lab.client("iam")            # signs as Alice now
    device = alice_iam.create_virtual_mfa_device(VirtualMFADeviceName="alice")["VirtualMFADevice"]
    device["SerialNumber"]
    """),
    md("""
    Here is Alice's phone: the device's **real QR code**, the current code, and a bar counting
    down to the next one. The seed went from AWS to Alice; the administrator never saw it.

    > **Want to use your own phone?** Scan the QR code with any authenticator app, or type the
    > key the widget shows under *Can't scan? Enter this key*. The secret only works in this
    > sandbox; delete the entry from your app when you finish the course.
    """),
    code("""
    phone = labkit.widgets.authenticator(device)
    phone
    """),
    md("""
    ### What went wrong: the book's made-up codes

    Guides often print the command with placeholder codes. Here it is exactly as the book writes
    it (the serial number really is `arn:aws:iam::123456789012:mfa/alice`):
    """),
    code("""
    !aws iam enable-mfa-device --user-name alice-developer --serial-number arn:aws:iam::123456789012:mfa/alice --authentication-code1 123456 --authentication-code2 789012
    """),
    md("""
    AWS checks the codes. It asks for **two consecutive** codes, to prove the app really holds
    the seed *and* that its clock is right.

    ## Enabling the device with real codes

    The next cell takes two consecutive codes from the widget's authenticator
    (the previous and the current one, both still accepted) — or your phone's two codes, if you
    put them in `MY_PHONE_CODES` (the second after the countdown):
    """),
    code("""
    MY_PHONE_CODES = None        # or your phone's two codes, e.g. ("123456", "654321")
    code1, code2 = MY_PHONE_CODES or phone.authenticator.pair()
    print("code 1:", code1, "  code 2:", code2)
    """),
    md("""
    **⌨️ Your turn.** Type the book's command again, with `{code1}` and `{code2}` where the book
    has `123456` and `789012`: in a `!` line, `{name}` inserts a Python variable. Run it within a
    minute. If the check says the codes were refused, they expired while you read: run the cell
    above again for fresh ones, then this one at once.
    """),
    your_turn("mfa-enable", "replace this line with the book's enable-mfa-device command, with {code1} and {code2}"),
    md("""
    The command prints nothing on success. A user (and root) may register **up to eight** MFA
    devices, and any one of them works at sign-in
    ([MFA in IAM](https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_mfa.html)):
    a second one kept somewhere safe means a lost phone does not lock Alice out.

    ## Your turn, on your own: which devices does Alice have?

    Still signed as Alice, ask AWS for her MFA devices from the command line. The house rule's
    step 1 lets her — find the action there. No command is printed for you.
    """),
    your_turn("mfa-list-devices", "replace this line with the command that lists Alice's MFA devices"),
    md("""
    ## Signing in with two keys

    ### What went wrong: the password alone is no longer enough
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
    ## The stolen password

    A week later Alice falls for a fake "password expired" e-mail. Mordred, the thief, now knows
    her whole password and goes straight to the sign-in page. He has no phone with her seed.
    """),
    predict(
        "mfa-stolen-password",
        "Mordred types Alice's real password and guesses the code 123456. What happens?",
        run="""
        stolen_password = ALICE_PASSWORD
        try:
            console.sign_in(lab.account_id, "alice-developer", stolen_password, mfa_code="123456")
            print("He is in!")
        except labkit.SignInFailed as err:
            print("The sign-in page says:", err)
        """,
    ),
    md("""
    Each guess has a one-in-a-million chance, and the right answer changes every 30 seconds.
    **The stolen password alone opened nothing.** Alice should still change it — chapter 03b
    shows her doing so, after a cleverer attack.
    """),
    code("""
    lab.use(None)                            # back to root
    labkit.widgets.quiz("mfa-two-codes", "mfa-self-enrol", "mfa-read-invalid-code", "mfa-predict-plain-key", "mfa-how-many-devices")
    """),
    reflection(
        "mfa-where",
        "Which of your accounts (AWS or others: e-mail, code hosting, banking) still rely on a "
        "password alone? Which one will you add MFA to first, and when?",
    ),
    *footer(
        summary=[
            "A deny-unless-MFA policy: `Deny` + `NotAction` (all but the set-up actions) + a `Condition` on `aws:MultiFactorAuthPresent`; an explicit deny beats every allow.",
            "Users enrol their own virtual device, so only they hold its seed; codes come from the seed and the clock.",
            "`enable-mfa-device` needs two consecutive, current codes; made-up ones fail with `InvalidAuthenticationCode`.",
            "With MFA, a stolen password alone no longer opens the console.",
        ],
        own_account=[
            "Turn on MFA for every person who signs in to your account — starting with administrators.",
            "Put a deny-unless-MFA policy (AWS's example) on the group that holds your IAM users, and let each enrol their own device.",
            "Register a second MFA device for each person, kept somewhere safe.",
        ],
        next="""
        A code can still be stolen — by a fake page that relays it at once — and Alice's access
        key skips the second lock altogether. In
        [03b — Phishing, passkeys and MFA on the command line](03b-phishing-and-mfa-sessions.ipynb)
        you stop both.

        Practise later? The [mfa exercise](../exercises/mfa.ipynb) has a *Check my work* button.
        """,
    ),
]
