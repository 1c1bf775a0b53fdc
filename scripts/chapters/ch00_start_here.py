"""Chapter 00: Start here (the course's front door and table of contents)."""
# ruff: noqa: E501  (notebook text: commands stay on one line, as learners type them)

from build_chapters import code, md, reflection, your_turn

FILE = "00-start-here.ipynb"

CELLS = [
    md("""
    # 🏰 IAM castle — start here

    Welcome! This course teaches **AWS Identity and Access Management (IAM)**: who may enter your
    AWS account, with which keys, and how to keep the most powerful key of all locked away.

    We use one picture throughout. Your AWS account is a **castle**. The **root user** is the
    master key that opens every door. **IAM users** are the permanent residents, each with a key
    of their own. **MFA** turns the gate into a two-key lock. And **policies** decide which doors
    each resident's key opens.

    ### Learning objectives
    By the end of this page you will be able to:
    - explain what the sandbox is and why nothing you do here can touch a real AWS account;
    - run cells, reset your sandbox, and read the errors AWS gives you;
    - answer a knowledge check and a reflection prompt, and find your way to every chapter.
    """),
    md("""
    ## 📚 Table of contents

    | # | chapter | you will |
    |---|---|---|
    | 00 | **Start here** (this page) | meet the sandbox and the tools |
    | 01 | [The castle and its keys](01-the-castle-and-its-keys.ipynb) | ask AWS "who am I?", tell the root user from IAM users |
    | 02 | [Permanent residents: IAM users](02-permanent-residents.ipynb) | create `alice-developer`, her temporary password, her first sign-in, an access key — and find she can do nothing yet |
    | 03 | [The two-key system: MFA](03-the-two-key-system-mfa.ipynb) | give alice an authenticator (scan it with your phone if you like), stop a password thief, open an MFA-protected CLI session |
    | 04 | [The master key in the vault: root](04-the-master-key-in-the-vault.ipynb) | audit an inherited account, give root hardware MFA, take over its password and e-mail |
    | 04b | [The warden and the watch](04b-the-warden-and-the-watch.ipynb) | hand daily work to an MFA-bound administrator, retire root's key, prove it with the activity log — until every check is green |
    | 05 | [Only the keys they need](05-only-the-keys-they-need.ipynb) | give the scribe the library and the knight the armory — and nothing more |
    | 06 | [A realm of castles](06-a-realm-of-castles.ipynb) | many accounts: SCPs, and taking member accounts' master keys away with centralized root access |

    **Exercises** (with a *Check my work* button at the end of each):
    [users](../exercises/users.ipynb) (after 02) ·
    [mfa](../exercises/mfa.ipynb) (after 03) ·
    [root](../exercises/root.ipynb) (after 04b) ·
    [least-privilege](../exercises/least-privilege.ipynb) (after 05).

    Each chapter takes 20–30 minutes. Do them in order: each one builds on the story of the one
    before.
    """),
    md("""
    ## 🧪 Your private AWS account: the sandbox

    Every chapter begins with the same line. Run it now: click into the cell below and press
    **Shift+Enter**.
    """),
    code("""
    import labkit
    lab = labkit.start("new-account")
    """),
    md("""
    That line started an AWS account that lives **in memory, inside this notebook's kernel**.
    It speaks the real AWS protocol, so the real `aws` command line and the real Python SDK
    (`boto3`) talk to it over the same protocol as to AWS — but:

    - **nothing leaves your machine.** Every request goes to `127.0.0.1`; a guard refuses any
      other address, even if your computer has real AWS credentials configured;
    - **nothing costs money and nothing can break.** The account is thrown away when the kernel
      stops. Naming a scenario (`labkit.start("new-account")`) always gives a fresh one, so you
      can rerun a chapter from the top as often as you like;
    - **it behaves like real IAM** in what this course uses, including the parts a plain
      simulator skips: the root user, password rules, real MFA codes, console sign-in and
      permission checks. Where it still differs, [docs/differences.md](../docs/differences.md)
      says so.

    Put `lab` on the last line of a cell and you get the **castle map**: who holds which keys.
    A brand-new account has exactly one key holder — the root user.
    """),
    code("""
    lab
    """),
    md("""
    ## 🗝️ Two ways to talk to AWS

    The course shows most commands twice, side by side:

    - the **AWS command line**, exactly as you would type it in a terminal. In a notebook, a line
      that starts with `!` is a shell command; for `!aws ...` lines the course runs the AWS command
      line's own code inside this notebook, so they answer at once and print exactly what the
      `aws` program prints (`%aws_process` runs the real program instead, if you want to see it);
    - the **Python SDK**, `boto3`, as you would write it in a program.

    Both ask the same question here: *who am I?*
    """),
    code("""
    !aws sts get-caller-identity
    """),
    code("""
    sts = lab.client("sts")          # a boto3 client for the sandbox (plain boto3.client("sts") works too)
    sts.get_caller_identity()["Arn"]
    """),
    md("""
    ## ⌨️ Your turn

    Reading commands is not the same as typing them. In every chapter some cells start with a
    line like `# ⌨️ Your turn: ...`: replace that line with the command the text asks for and
    run the cell; its last line checks your sandbox at once and answers ✅ — or ❌ with a hint.
    (Run-all stops at a ❌, right where you are needed.)

    Try it: create a user called `visitor` by typing
    `!aws iam create-user --user-name visitor` in place of the `# ⌨️` line below.
    """),
    your_turn("start-visitor", "replace this line with the create-user command"),
    md("""
    > **⌨️ Prefer a real terminal?** *File → New → Terminal* opens one, but a terminal has no
    > kernel, so no sandbox: `aws` there refuses to run and tells you what to do. Run
    > `labkit serve` in one terminal and paste the `export` lines it prints into another; from
    > then on that second terminal talks to the sandbox `labkit serve` runs (a separate account
    > from this notebook's).

    ## 🛡️ Why it is safe: the guard

    Let's try to reach *real* AWS on purpose. The guard stops the request before a single byte
    leaves your machine, and `labkit.explain` tells you what happened.

    You will see this pattern in every chapter: a **"What went wrong"** cell makes a classic
    mistake on purpose, catches the error, and explains it — so the notebook still runs from top
    to bottom.
    """),
    code("""
    # What went wrong: asking for the real AWS endpoint
    import boto3

    try:
        boto3.client("iam", endpoint_url="https://iam.amazonaws.com").list_users()
    except labkit.RealAWSBlockedError as err:
        labkit.explain(err)
    """),
    md("""
    When a cell you wrote yourself fails, you can do the same: catch the error and pass it to
    `labkit.explain(err)`, or ask about an error code directly. Add a `?` after any name
    (`labkit.explain?`) to read its help.
    """),
    code("""
    labkit.explain("AccessDenied")
    """),
    md("""
    ## ✅ Knowledge checks, exercises and reflections

    **Knowledge checks** are short questions with instant feedback on every answer, right or
    wrong. Some have one right answer (round buttons), some several (tick boxes: tick every
    right one). They are not graded: press *Check* and try again as often as you like. Your
    answers are noted on your machine so that your journal can show your progress.
    """),
    code("""
    labkit.widgets.quiz("start-where-requests-go", "start-rerun", "start-what-went-wrong")
    """),
    md("""
    **Exercises** live in the `exercises/` folder. Each one ends with a *Check my work* cell that
    inspects your sandbox account — not your printed output — and tells you which steps are
    done. Instructors can grade a whole class with the same checks.

    **Reflections** are questions about *your* world. Double-click the cell, write below the line,
    and press Shift+Enter. Your answers stay in the notebook; `labkit journal` in a terminal
    collects all of them, with your knowledge-check progress, into one journal you can keep.
    """),
    md("""
    ### 📤 Handing in an exercise
    Save the exercise first (**Ctrl+S**). Then:

    - **On your own machine** (`make lab`): hand in the file itself, `exercises/<name>.ipynb`.
    - **In a browser tab** (the course's web page, nothing installed; the kernel in the top
      right corner says *Python (Pyodide)*): your work is kept in this browser's storage on this
      computer — it survives reloads and restarts, but not "clear site data", and it does not
      follow you to another computer. To hand it in, choose **File → Download** (or right-click
      the file in the file browser on the left → *Download*). You get `<name>.ipynb` in your
      downloads folder: hand in that file.

    Your instructor grades both kinds of file the same way, with the same checks as *Check my
    work*.
    """),
    reflection(
        "start-goals",
        "Which AWS account (at work, at school or your own) do you want to protect better after "
        "this course, and what worries you most about it today?",
    ),
    md("""
    ## 🔁 Recap
    - `lab = labkit.start("new-account")` gives you a private, in-memory AWS account; `lab` shows
      its castle map.
    - `!aws ...` and `boto3` both work, and both stay on your machine.
    - "What went wrong" cells make mistakes on purpose; `labkit.explain(err)` explains any error.
    - Knowledge checks give instant feedback; reflections are yours to write.

    ## ➡️ What's next
    In [01 — The castle and its keys](01-the-castle-and-its-keys.ipynb) you will find out who
    you are in the account, and why the key you are holding right now is the most dangerous one
    in the castle.
    """),
]
