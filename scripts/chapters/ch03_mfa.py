"""Chapter 03: the two-key system (virtual MFA, sign-in, a stolen password, MFA sessions)."""
# ruff: noqa: E501  (notebook text: commands stay on one line, as learners type them)

from build_chapters import code, md, reflection

FILE = "03-the-two-key-system-mfa.ipynb"

CELLS = [
    md("""
    # 03 — The two-key system: MFA

    Think of **multi-factor authentication (MFA)** as a gate with two locks. One key is
    something you *know*: your password. The other is something you *have*: a phone app or a
    hardware token that shows a new 6-digit code every 30 seconds. A thief who steals the
    password still stands outside.

    ### Learning objectives
    - Create a virtual MFA device and set up an authenticator from its QR code (your own phone
      works too).
    - Enable the device with `aws iam enable-mfa-device` and two consecutive codes — and see why
      made-up codes fail.
    - Sign in with MFA, and watch MFA stop someone who stole a password.
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
    her: a user with her own password (already changed) and an access key for her laptop.
    """),
    code("""
    ALICE_PASSWORD = "Quill-Lantern-Moat-2024!"
    iam.create_user(UserName="alice-developer")
    iam.create_login_profile(UserName="alice-developer", Password=ALICE_PASSWORD)
    alice_keys = labkit.Credentials.from_response(iam.create_access_key(UserName="alice-developer")["AccessKey"])
    console = labkit.Console(lab)
    console.sign_in(lab.account_id, "alice-developer", ALICE_PASSWORD)
    """),
    md("""
    ## 📱 A virtual MFA device

    A *virtual* MFA device is an authenticator app. AWS makes up a random **secret seed** and
    shows it as a QR code; the app scans the code, stores the seed, and from then on computes a
    6-digit code from *the seed and the current time*. AWS does the same computation, so both
    agree on the code without ever talking to each other.

    With the command line you would save the QR code to a file:
    `aws iam create-virtual-mfa-device --virtual-mfa-device-name alice --outfile alice-qr.png --bootstrap-method QRCodePNG`.
    We keep it in the notebook instead:
    """),
    code("""
    device = iam.create_virtual_mfa_device(VirtualMFADeviceName="alice")["VirtualMFADevice"]
    device["SerialNumber"]
    """),
    md("""
    The device exists, but it belongs to nobody yet:
    """),
    code("""
    !aws iam list-virtual-mfa-devices --assignment-status Unassigned --query "VirtualMFADevices[].SerialNumber"
    """),
    md("""
    Here is Alice's phone. It shows the device's **real QR code**, the current code, and a bar
    counting down to the next one.

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

    Guides often print the command with placeholder codes. Here it is exactly as such a guide
    would write it — and the device's serial number really is `arn:aws:iam::123456789012:mfa/alice`:
    """),
    code("""
    !aws iam enable-mfa-device --user-name alice-developer --serial-number arn:aws:iam::123456789012:mfa/alice --authentication-code1 123456 --authentication-code2 789012
    """),
    code("""
    try:
        iam.enable_mfa_device(UserName="alice-developer", SerialNumber=device["SerialNumber"],
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
    Now the guide's command again, with real codes (in a notebook, `{code1}` inserts the value
    of a Python variable into a `!` command):
    """),
    code("""
    !aws iam enable-mfa-device --user-name alice-developer --serial-number arn:aws:iam::123456789012:mfa/alice --authentication-code1 {code1} --authentication-code2 {code2}
    """),
    md("""
    No output means success. The boto3 equivalent is
    `iam.enable_mfa_device(UserName="alice-developer", SerialNumber=..., AuthenticationCode1=code1, AuthenticationCode2=code2)`.
    Alice's MFA devices:
    """),
    code("""
    iam.list_mfa_devices(UserName="alice-developer")["MFADevices"]
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

    ## ⌨️ MFA for the command line

    There is a catch. MFA guards the *console*. Alice's **access key** signs requests without any
    code — so a thief who copies the key from her laptop skips the second lock entirely.

    The fix: a policy that allows work **only when the request carries MFA**. Here is one that
    lets Alice read the list of residents only in that case (chapter 05 explains policies in
    detail):
    """),
    code("""
    roster_with_mfa = json.dumps({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Action": ["iam:ListUsers", "iam:GetUser"],
            "Resource": "*",
            "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
        }],
    })
    !aws iam put-user-policy --user-name alice-developer --policy-name roster-with-mfa --policy-document '{roster_with_mfa}'
    """),
    md("""
    With her plain access key — or a thief's copy of it — the request carries no MFA, and the
    condition is not met:
    """),
    code("""
    lab.use(alice_keys)
    # What went wrong, on purpose: a request signed with the plain key carries no MFA
    !aws iam list-users
    """),
    md("""
    To work, Alice first exchanges her key **and a current code** for temporary credentials with
    `sts get-session-token`. A made-up code is refused:

    ### 🔧 What went wrong: a made-up code for a session
    """),
    code("""
    !aws sts get-session-token --serial-number arn:aws:iam::123456789012:mfa/alice --token-code 123456
    """),
    md("""
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
    sts = lab.client("sts", credentials=alice_keys)
    answer = sts.get_session_token(SerialNumber=device["SerialNumber"], TokenCode=phone.code)
    mfa_session = labkit.Credentials.from_response(answer["Credentials"])
    print("temporary key:", mfa_session.access_key_id, " expires:", answer["Credentials"]["Expiration"])
    """),
    code("""
    lab.use(mfa_session)
    !aws iam list-users --query "Users[].UserName"
    """),
    md("""
    The same user, the same policy — but now the request carries MFA and the door opens. The
    temporary credentials expire (after 12 hours by default), and a thief holding only the
    long-term key still gets `AccessDenied`. Back to root (the authenticator above keeps
    ticking; `phone.close()` would put it away):
    """),
    code("""
    lab.use(None)
    lab
    """),
    code("""
    labkit.widgets.quiz("mfa-two-codes", "mfa-phishing-proxy", "mfa-how-many-devices", "mfa-session-length")
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
    - `aws iam enable-mfa-device` needs two consecutive, current codes: made-up codes fail with
      `InvalidAuthenticationCode`.
    - With MFA, a stolen password alone no longer opens the console.
    - Access keys skip MFA unless a policy requires `aws:MultiFactorAuthPresent`; then
      `aws sts get-session-token --serial-number ... --token-code ...` gives MFA-backed temporary
      credentials.

    ## ➡️ What's next
    Alice's key is now a two-key lock. But the most powerful key of all — root — still hangs on
    a hook by the door. In [04 — The master key in the vault](04-the-master-key-in-the-vault.ipynb)
    you inherit a careless account and lock root away.

    Practise first? The [mfa exercise](../exercises/mfa.ipynb) has a *Check my work* button.
    """),
]
