"""Chapter 00: Start here (the course's front door: what you need, the book, the path, the sandbox)."""
# ruff: noqa: E501  (notebook text: commands stay on one line, as learners type them)

from build_chapters import chapter_table, code, footer, header, md, reflection, your_turn

FILE = "00-start-here.ipynb"

CELLS = [
    header(
        "IAM castle — start here",
        scenario="""
        This course teaches [IAM](glossary.ipynb#iam), AWS Identity and Access Management: who may
        enter an AWS account, with which keys, and how to keep the most powerful key locked away.
        You practise on a private copy of AWS that runs inside this notebook, so nothing you try
        can break or cost anything.
        """,
        objectives=[
            "say what the sandbox is and why nothing you do in it reaches a real AWS account;",
            "run a command two ways (the `aws` command line and Python) and read AWS's answer;",
            "use the course's tools: your-turn cells, knowledge checks, reflections.",
        ],
        prerequisites=[
            "Python basics: you can run a cell, use a variable and call a function;",
            "a terminal: you have typed a command and read its output before;",
            "no AWS account and no AWS knowledge — the course starts from zero.",
        ],
        build="your private practice account, and its first user.",
    ),
    md("""
    ## The book behind the course

    The course follows one chapter of a book on DevOps practice. The book explains IAM with a
    picture, and so do we: an AWS account is a **castle**. One **master key** (the root user)
    opens every door. **Residents** (IAM users) each carry a key of their own. A **two-key lock**
    (multi-factor authentication) guards the gate. **Rules on each door** (policies) say whose
    key opens it. When a chapter says "the book's command", it means a command printed in that
    book; every one of them works here exactly as printed.

    The book's main point is worth holding on to from the start. Teams automate almost
    everything, yet people still sign in: to find out why something broke, to change a setting,
    to approve a release. Those human sign-ins are what attackers aim for, so they deserve the
    castle's strongest locks. Most of this course is about exactly that.
    """),
    md("""
    ## Your path through the course

    Do the chapters in order; each builds on the story of the one before. Every chapter states
    its time, counted the same way everywhere: reading at 180 words a minute, a minute for each
    code cell, and a few minutes for each task.
    """),
    chapter_table(),
    md("""
    After some chapters an exercise lets you practise alone, with a *Check my work* button that
    reads your sandbox: [users](../exercises/users.ipynb) after 02,
    [mfa](../exercises/mfa.ipynb) after 03, [root](../exercises/root.ipynb) after 04b,
    [least-privilege](../exercises/least-privilege.ipynb) after 05,
    [identity-center](../exercises/identity-center.ipynb) after 07b. The path ends with the
    **[capstone](../exercises/capstone.ipynb)**: an inherited account with about ten problems
    and no hints about where they are. You find and fix them with everything the course taught.
    The words the course uses are collected in the [glossary](glossary.ipynb).
    """),
    md("""
    ## Your private AWS account: the sandbox

    Every chapter begins with the same line. Click into the cell below and press
    **Shift+Enter** to run it.
    """),
    code("""
    import labkit
    lab = labkit.start("new-account")
    """),
    md("""
    That line started an AWS [account](glossary.ipynb#account) that lives in memory, inside this
    notebook's kernel: the [sandbox](glossary.ipynb#sandbox). It answers the real AWS protocol,
    but nothing leaves your machine (a guard refuses any other address), nothing costs money,
    and `labkit.start("new-account")` always gives a fresh account — so you can rerun a chapter
    from the top whenever you like. Where it still differs from AWS,
    [docs/differences.md](../docs/differences.md) says so.

    Put `lab` on the last line of a cell and you see the **castle map**: who holds which keys. A
    new account has one key holder, the account's owner.
    """),
    code("""
    lab
    """),
    md("""
    ## Two ways to talk to AWS

    The course shows commands two ways. The [AWS CLI](glossary.ipynb#aws-cli) is the `aws`
    program you would type in a terminal; in a notebook, a line starting with `!` runs it. The
    second way is [boto3](glossary.ipynb#boto3), AWS's Python library, as you would use it in a
    program. Both ask IAM the same question here: *which users does this account have?* (none
    yet, so the answer is an empty list.)

    The `aws` here is AWS CLI version 1, running inside your kernel: for everything this course
    does, its commands and output match version 2's. Version 1 has been in
    [maintenance mode since 15 July 2026](https://aws.amazon.com/blogs/developer/aws-cli-v1-maintenance-mode-announcing-changes-to-dependency-updates/);
    on your own machine, install version 2 (2.32 or later for `aws login`, which this course
    mentions).
    """),
    code("""
    !aws iam list-users
    """),
    code("""
    iam = lab.client("iam")          # a boto3 client that talks to the sandbox
    iam.list_users()["Users"]
    """),
    md("""
    ## Your turn

    Reading a command is not the same as typing it. Some cells start with a line
    `# ⌨️ Your turn: ...`: replace that line with a command and run the cell. Its last line
    checks your sandbox (not your typing) and answers ✅, or ❌ with a hint. The first hint gives
    the idea, the second the command's shape, the third the answer.

    Try it once with the command shown: create a user called `visitor` by typing
    `!aws iam create-user --user-name visitor` in place of the `# ⌨️` line.
    """),
    your_turn("start-visitor", "replace this line with the create-user command"),
    md("""
    ## Why it is safe: the guard

    Now try to reach *real* AWS on purpose. Cells like the next one, marked **"What went
    wrong"**, make a mistake on purpose, catch the error and explain it with `labkit.explain`,
    so the notebook still runs from top to bottom. You can do the same with any error of your
    own: `labkit.explain(err)`.
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
    ## Knowledge checks and reflections

    **Knowledge checks** give feedback on every option, right or wrong; they are not graded, so
    try as often as you like. **Reflections** are questions about your own world: double-click
    the cell, write below the line, press Shift+Enter. `labkit journal` (in a terminal) gathers
    your reflections and progress into one journal.
    """),
    code("""
    labkit.widgets.quiz("start-where-requests-go", "start-rerun", "start-what-went-wrong")
    """),
    reflection(
        "start-goals",
        "Which AWS account (at work, at school or your own) do you want to protect better after "
        "this course, and what worries you most about it today?",
    ),
    md("""
    ## Handing in an exercise

    Save the exercise (**Ctrl+S**). On your own machine, hand in the file
    `exercises/<name>.ipynb`. In the browser edition (the kernel says *Python (Pyodide)*), your
    work is kept in this browser only: choose **File → Download** and hand in the downloaded
    file. Your instructor grades both with the same checks as *Check my work*.

    > **Prefer a real terminal?** A terminal has no kernel, so no sandbox. Run `labkit serve` in
    > one terminal and paste the `export` lines it prints into another; that terminal then talks
    > to the sandbox `labkit serve` runs. Your own AWS CLI or SDK works there too, and any
    > request it makes to a real AWS address is refused by the course's proxy. An AWS CLI v2
    > older than 2.13 ignores the sandbox's endpoint: add `--endpoint-url "$AWS_ENDPOINT_URL"`
    > to each command (`labkit serve --check-client` says whether yours needs it).
    """),
    *footer(
        summary=[
            "`lab = labkit.start(\"new-account\")` gives you a private, in-memory AWS account; `lab` shows its castle map.",
            "`!aws ...` and `boto3` both work, and both stay on your machine.",
            "Your-turn cells check your sandbox and hint in steps: the idea, the shape, the answer.",
            "\"What went wrong\" cells make mistakes on purpose; `labkit.explain(err)` explains any error.",
        ],
        own_account=[
            "Nothing yet: keep your real AWS credentials away from these notebooks (the guard refuses them anyway).",
            "Find out who can sign in to the AWS account you care about — the next chapters show how to ask.",
        ],
        next="""
        In [01 — The castle and its keys](01-the-castle-and-its-keys.ipynb) you ask AWS who you
        are, and find out why the key you hold right now is the most dangerous one in the castle.
        """,
    ),
]
