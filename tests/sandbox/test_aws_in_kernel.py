"""``!aws`` answered inside the kernel prints what the real ``aws`` program prints.

The comparison runs the same cells in two real kernels: one with ``!aws`` answered in the
kernel (the default), one with ``labkit.start(aws_in_kernel=False)`` (the real program, through
IPython's terminal). Both sandboxes draw moto's random ids from the same seed, so the text
must match exactly; only values that depend on the wall clock, the port or the process
(timestamps, signatures, access key ids the sandbox draws with ``secrets``) are masked, the
same way on both sides.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from labkit import bang_aws
from labkit.shell_words import split
from tests.support.kernel_session import KernelSession

ROOT = Path(__file__).resolve().parents[2]

SETUP = """
import json, os, sys
spawned = []
sys.addaudithook(lambda event, args: spawned.append(event) if event in (
    "subprocess.Popen", "os.fork", "os.forkpty", "os.posix_spawn", "os.exec", "pty.spawn") else None)
from moto.moto_api._internal import mock_random
mock_random.seed(2026)
import labkit
lab = labkit.start("new-account", quiet=True, aws_in_kernel={mode})
iam = lab.client("iam")
"""

POLICY = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "iam:ListUsers", "Resource": "*"}]})

# (cell, name of a variable to show afterwards or "")
CORPUS: list[tuple[str, str]] = [
    ("!aws sts get-caller-identity", ""),
    ("!aws iam list-users", ""),
    ("!aws iam create-user --user-name alice-developer", ""),
    ("!aws iam create-user --user-name alice-developer", ""),                     # EntityAlreadyExists
    ("!aws iam get-user --user-name nobody", ""),                                 # NoSuchEntity
    ("!aws iam create-login-profile \\\n--user-name alice-developer \\\n--password TempPassword123! \\\n"
     "--password-reset-required", ""),                                            # the book's line breaks
    ("!aws iam list-users --output table", ""),                                   # coloured: a terminal
    ("!aws iam list-users --output text", ""),
    ("!aws iam get-user --user-name alice-developer --output yaml", ""),
    ('!aws iam list-users --query "Users[].UserName"', ""),
    ('!aws iam list-users --query "Users[].[UserName, Path]" --output text', ""),
    ('!aws iam get-account-summary --query "SummaryMap.{Users: Users, MFADevicesInUse: MFADevicesInUse}"'
     " --output table", ""),
    ('!aws iam list-users --query "Users[?"', ""),                                # bad JMESPath
    ("!aws iam list-userz", ""),                                                  # usage: invalid choice
    ("!aws iam create-user", ""),                                                 # usage: missing argument
    ("!aws iam list-users --max-itemz 3", ""),                                    # unknown option
    ("!aws", ""),
    ("!aws --version", ""),
    ('!aws iam create-user --user-name ""', ""),                                  # client-side validation
    ("name = 'carol-finance'\n!aws iam create-user --user-name {name} --query User.UserName", ""),
    ("!aws iam get-user --user-name $name --query User.Arn --output text", ""),
    ("users = !aws iam list-users --query 'Users[].UserName' --output text", "users"),
    ("missing = !aws iam get-user --user-name nobody", "missing"),
    ("table = !aws iam list-users --query 'Users[].UserName' --output table", "table"),  # a pipe: no colours
    ("keys = labkit.Credentials.from_response(\n"
     "    iam.create_access_key(UserName='alice-developer')['AccessKey'])\n"
     "lab.use(keys)\n!aws sts get-caller-identity", ""),                         # identity switch, next line
    ("!aws iam list-users", ""),                                                  # alice: AccessDenied
    ("lab.use(None)\n!aws sts get-caller-identity --query Arn --output text", ""),
    ("!aws iam list-access-keys --user-name alice-developer", ""),
    ("!AWS_ACCESS_KEY_ID={keys.access_key_id} AWS_SECRET_ACCESS_KEY={keys.secret_access_key} "
     "aws sts get-caller-identity --query Arn", ""),                             # variables for one command
    ("!aws sts get-caller-identity --query Arn", ""),                             # ... and only that one
    ("os.environ['AWS_DEFAULT_REGION'] = os.environ['AWS_REGION'] = 'eu-west-1'\n"
     "!aws configure list\n!aws s3 mb s3://castle-west", ""),                    # region switch, next line
    ("os.environ['AWS_DEFAULT_REGION'] = os.environ['AWS_REGION'] = 'us-east-1'\n"
     "!aws s3api get-bucket-location --bucket castle-west", ""),
    (f"doc = {POLICY!r}\n"
     "!aws iam put-user-policy --user-name alice-developer --policy-name roster --policy-document '{doc}'\n"
     "!aws iam get-user-policy --user-name alice-developer --policy-name roster", ""),
    ("lab.client('s3').put_object(Bucket='castle-west', Key='scrolls/history.txt',\n"
     "                             Body=b'founded in 1042\\n')\n"
     "!aws s3 ls s3://castle-west --recursive\n!aws s3 cp s3://castle-west/scrolls/history.txt -", ""),
    ("!aws iam enable-mfa-device --user-name alice-developer --serial-number "
     "arn:aws:iam::123456789012:mfa/alice --authentication-code1 123456 --authentication-code2 789012", ""),
    ("!aws --endpoint-url https://iam.amazonaws.com iam list-users", ""),         # the guard plugin
    ("!aws iam list-users --debug", ""),
    ("!aws iam list-users --query 'Users[].UserName' --output text | tr a-z A-Z", ""),  # a pipe: the shell
]
AWS_LINES_IN_THE_KERNEL = sum(line.startswith(("!aws", "users = !aws", "missing = !aws", "table = !aws"))
                              and "|" not in line
                              for cell, _ in CORPUS for line in cell.replace("\\\n", "").splitlines())

_MASKS = [
    # files an earlier call in the kernel loaded are not loaded (nor logged) again
    (re.compile(r"^.* - botocore\.loaders - DEBUG - Loading JSON file: .*\n", re.M), ""),
    (re.compile(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(?:[.,]\d+)?(?:Z|[+-]\d\d:?\d\d)?"), "<time>"),
    (re.compile(r"\w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d GMT"), "<http-date>"),
    (re.compile(r"\b\d{8}T\d{6}Z\b"), "<amz-date>"),
    (re.compile(r"\b\d{8}/"), "<day>/"),
    (re.compile(r"\b(?:AKIA|ASIA)[A-Z0-9]{16}\b"), "<key-id>"),
    (re.compile(r"\*{16}\S{4}"), "<last-4-of-a-key>"),  # aws configure list
    (re.compile(r"\b[0-9a-f]{64}\b"), "<sha256>"),
    (re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b"), "<uuid>"),
    (re.compile(r"127\.0\.0\.1:\d+"), "127.0.0.1:<port>"),
    (re.compile(r" at 0x[0-9a-f]+"), " at 0x<address>"),
    (re.compile(r" m/[A-Za-z0-9,]+"), " m/<features>"),  # a set: its order changes with the hash seed
]


def mask(text: str) -> str:
    for pattern, replacement in _MASKS:
        text = pattern.sub(replacement, text)
    return text


def _run_corpus(mode: bool) -> tuple[list[tuple[list[tuple[str, str]], dict[str, str]]], list[str]]:
    kernel = KernelSession()
    try:
        shown, _ = kernel.run(SETUP.format(mode=mode))
        assert shown == [], shown
        results = []
        for cell, variable in CORPUS:
            expressions = {"exit_code": "_exit_code"}
            if variable:
                expressions["value"] = variable
            results.append(kernel.run(cell, expressions))
        _, spawned = kernel.run("", {"spawned": "spawned"})
        return results, spawned["spawned"]
    finally:
        kernel.close()


@pytest.fixture(scope="module")
def both_ways() -> dict[bool, tuple[list[tuple[list[tuple[str, str]], dict[str, str]]], list[str]]]:
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {mode: pool.submit(_run_corpus, mode) for mode in (True, False)}
        return {mode: future.result(timeout=1800) for mode, future in futures.items()}


def test_the_corpus_is_big_enough() -> None:
    assert len(CORPUS) >= 25 and AWS_LINES_IN_THE_KERNEL >= 35


@pytest.mark.slow
def test_in_kernel_aws_prints_what_the_program_prints(both_ways: dict) -> None:
    in_kernel, _ = both_ways[True]
    program, _ = both_ways[False]
    for (cell, _), (ours, our_values), (theirs, their_values) in zip(CORPUS, in_kernel, program, strict=True):
        assert [(k, mask(t)) for k, t in ours] == [(k, mask(t)) for k, t in theirs], cell
        masked = {k: mask(v) for k, v in their_values.items()}
        assert {k: mask(v) for k, v in our_values.items()} == masked, cell


@pytest.mark.slow
def test_the_corpus_shows_what_it_claims_to(both_ways: dict) -> None:
    """Spot checks, so that two equally broken runs cannot pass the comparison."""
    results, _ = both_ways[True]
    text = {cell: "".join(t for _, t in shown) for (cell, _), (shown, _) in zip(CORPUS, results, strict=True)}
    code = {cell: values["exit_code"] for (cell, _), (_, values) in zip(CORPUS, results, strict=True)}
    shown_value = {cell: values.get("value") for (cell, _), (_, values) in zip(CORPUS, results, strict=True)}
    assert '"Arn": "arn:aws:iam::123456789012:root"' in text["!aws sts get-caller-identity"]
    assert code["!aws iam get-user --user-name nobody"] == "-127"  # 255, as IPython reports it
    assert "(NoSuchEntity)" in text["!aws iam get-user --user-name nobody"]
    assert code["!aws iam list-userz"] == "2" and "usage: aws" in text["!aws iam list-userz"]
    assert "\r\n" in text["!aws iam list-users"] and "\x1b[" in text["!aws iam list-users --output table"]
    assert "\x1b[" not in shown_value["table = !aws iam list-users --query 'Users[].UserName' --output table"]
    assert shown_value["users = !aws iam list-users --query 'Users[].UserName' --output text"] == \
        r"['alice-developer\tcarol-finance']"  # an SList of the output's lines
    assert "carol-finance" in text["!aws iam get-user --user-name $name --query User.Arn --output text"]
    switched = next(t for c, t in text.items() if "lab.use(keys)" in c)
    assert "arn:aws:iam::123456789012:user/alice-developer" in switched
    assert "(AccessDenied)" in text["!aws iam list-users"]  # its second run: as alice, who may not
    for_one = next(t for c, t in text.items() if c.startswith("!AWS_ACCESS_KEY_ID="))
    assert for_one == '"arn:aws:iam::123456789012:user/alice-developer"\r\n'
    assert text["!aws sts get-caller-identity --query Arn"] == '"arn:aws:iam::123456789012:root"\r\n'
    region = next(t for c, t in text.items() if "'eu-west-1'" in c)
    assert re.search(r"region\s+eu-west-1\s+env", region)
    assert "eu-west-1" in next(t for c, t in text.items() if "get-bucket-location" in c)
    assert "founded in 1042" in next(t for c, t in text.items() if "s3 cp" in c)
    assert "labkit refused a request to 'iam.amazonaws.com'" in \
        text["!aws --endpoint-url https://iam.amazonaws.com iam list-users"]
    assert "awscli.clidriver - DEBUG - CLI version: aws-cli/" in text["!aws iam list-users --debug"]
    piped = "!aws iam list-users --query 'Users[].UserName' --output text | tr a-z A-Z"
    assert "ALICE-DEVELOPER" in text[piped]


@pytest.mark.slow
def test_plain_aws_lines_start_no_program_in_the_kernel(both_ways: dict) -> None:
    _, spawned_in_kernel = both_ways[True]
    _, spawned_by_program = both_ways[False]
    in_kernel_spawns = eval(spawned_in_kernel)  # noqa: S307 - a list repr from our own kernel
    assert len(in_kernel_spawns) <= 2, in_kernel_spawns  # only the `| tr` line goes to a shell
    assert len(eval(spawned_by_program)) >= AWS_LINES_IN_THE_KERNEL  # noqa: S307


# -- which lines are answered in the kernel ------------------------------------------------------


@pytest.mark.parametrize(("line", "words"), [
    ("aws iam list-users", ["iam", "list-users"]),
    ("aws iam create-user --user-name 'alice developer'",
     ["iam", "create-user", "--user-name", "alice developer"]),
    ('aws iam list-users --query "Users[?UserName==\'bob\']"', ["iam", "list-users", "--query",
                                                               "Users[?UserName=='bob']"]),
    ("aws iam create-login-profile  --user-name a  --password TempPassword123!",
     ["iam", "create-login-profile", "--user-name", "a", "--password", "TempPassword123!"]),
    (r"aws s3 mb s3://a\ b", ["s3", "mb", "s3://a b"]),
    ('aws iam put-user-policy --policy-document \'{"Version": "2012-10-17"}\'',
     ["iam", "put-user-policy", "--policy-document", '{"Version": "2012-10-17"}']),
    ("aws iam get-credential-report --query Content --output text | base64 --decode", None),
    ("aws iam list-users > users.json", None),
    ("aws iam list-users 2>&1", None),
    ("aws iam list-users && echo done", None),
    ("aws iam list-users; ls", None),
    ("aws iam get-user --user-name $USER", None),
    ('aws iam get-user --user-name "$USER"', None),
    ("aws iam get-user --user-name `whoami`", None),
    ("aws s3 cp ~/notes.txt s3://castle", None),
    ("aws s3 cp *.txt s3://castle", None),
    ("aws iam list-users # all of them", None),
    ("aws iam list-users 'unfinished", None),
    ("aws iam help", None),
    ("aws iam list-users help", None),
    ("aws configure", None),
    ("aws configure --profile other", None),
    ("aws configure list", ["configure", "list"]),
    ("ls -l", None),
    ("/usr/bin/aws iam list-users", None),
    ("AWS_PROFILE=x aws iam list-users", ["iam", "list-users"]),   # a variable for this command only
    ("PATH=/elsewhere aws iam list-users", None),                   # another `aws`, maybe
    ("'AWS_PROFILE=x' aws iam list-users", None),                   # a quoted NAME= is a command name
])
def test_only_plain_aws_lines_are_answered_in_the_kernel(line: str, words: list[str] | None) -> None:
    assert bang_aws.aws_words(line) == words


def test_split_agrees_with_the_shell() -> None:
    """Every line split() accepts, sh splits into the same words."""
    lines = ["aws iam create-user --user-name 'alice developer'", r"aws a\ b 'c\d' \"e\"",
             'aws "x\\"y" "a\\$b" "tab\tin" \'sq"dq\'', "aws   spaced\twords  ", "aws a'b'\"c\"d",
             'aws "\\q" \'\\\\\'', "aws TempPassword123! a=b %x ^y +z"]
    for line in lines:
        words = split(line)
        assert words is not None, line
        done = subprocess.run(["sh", "-c", line.replace("aws", 'printf "%s\\0"', 1)], capture_output=True,
                              check=True)
        assert done.stdout.split(b"\0")[:-1] == [w.encode() for w in words[1:]], line


# -- no leaks between calls, memory flat -----------------------------------------------------------

LEAK_SCRIPT = textwrap.dedent("""
    import gc, json, logging, os, sys
    import labkit
    from labkit.aws_in_kernel import run

    def rss_mb():
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20

    def loggers():
        return {name: (lg.level, [id(h) for h in lg.handlers], lg.propagate)
                for name, lg in logging.Logger.manager.loggerDict.items() if isinstance(lg, logging.Logger)}

    lab = labkit.start(quiet=True)
    iam = lab.client("iam")
    iam.create_user(UserName="alice-developer")
    alice = labkit.Credentials.from_response(iam.create_access_key(UserName="alice-developer")["AccessKey"])
    calls = [["sts", "get-caller-identity", "--query", "Arn", "--output", "text"],
             ["iam", "list-users", "--output", "table"],
             ["iam", "get-user", "--user-name", "nobody"],
             ["iam", "list-userz"],
             ["sts", "get-caller-identity", "--debug"]]
    out = {"switches": [], "regions": []}
    def batch(n, start):
        for i in range(start, start + n):
            if i % 100 == 50:  # switch identity, then region: the very next call must see it
                lab.use(alice if (i // 100) % 2 == 0 else None)
                who = run(calls[0]).output.decode().strip()
                out["switches"].append([who, (lab.caller is alice)])
                region = ["eu-west-1", "us-east-1"][(i // 100) % 2]
                os.environ["AWS_DEFAULT_REGION"] = os.environ["AWS_REGION"] = region
                listed = run(["configure", "list"]).output.decode()
                out["regions"].append([region, region in listed])
            run(calls[i % len(calls)])
    batch(100, 0)  # warm: every code path and cache in use
    gc.collect()
    env, logs, argv = dict(os.environ), loggers(), list(sys.argv)
    streams = (sys.stdout, sys.stderr, sys.stdin)
    rss, objects = rss_mb(), len(gc.get_objects())
    batch(int(sys.argv[1]), 100)
    gc.collect()
    out["rss_growth_mb"] = rss_mb() - rss
    out["object_growth"] = len(gc.get_objects()) - objects
    # the sandbox keeps a record of every request (its activity log): the same number of boto3
    # requests shows how much of the growth is the account's, not the command line's
    sts, objects = lab.client("sts"), len(gc.get_objects())
    for _ in range(int(sys.argv[1])):
        sts.get_caller_identity()
    gc.collect()
    out["boto3_object_growth"] = len(gc.get_objects()) - objects
    out["env_same"] = dict(os.environ) == env
    out["loggers_same"] = loggers() == logs
    out["argv_same"] = sys.argv == argv and (sys.stdout, sys.stderr, sys.stdin) == streams
    out["botocore_level"] = logging.getLogger("botocore").getEffectiveLevel()
    out["data_path"] = os.environ.get("AWS_DATA_PATH")
    print(json.dumps(out))
""")


@pytest.mark.slow
def test_no_state_leaks_between_calls_and_memory_stays_flat(tmp_path: Path) -> None:
    """1,000 in-kernel calls (--debug, errors, tables, identity and region switches): nothing piles up."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "LABKIT_"))}
    env["TMPDIR"] = str(tmp_path)
    done = subprocess.run([sys.executable, "-c", LEAK_SCRIPT, "1000"], capture_output=True, text=True,
                          env=env, timeout=1800)
    assert done.returncode == 0, done.stderr[-3000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["env_same"] and out["loggers_same"] and out["argv_same"]
    assert out["data_path"] is None  # importing awscli did not leave AWS_DATA_PATH behind for boto3
    assert out["botocore_level"] == 30  # `aws --debug` did not leave botocore logging at DEBUG (10)
    switches = out["switches"]
    assert len(switches) == 11  # one while warming up, ten measured
    assert all(who.endswith("user/alice-developer") == alice for who, alice in switches), switches
    assert all(seen for _, seen in out["regions"]), out["regions"]
    assert out["rss_growth_mb"] < 6, out   # 6 KB a call would already show as 6 MB
    assert out["object_growth"] < out["boto3_object_growth"] + 1000, out


# -- one botocore ------------------------------------------------------------------------------------

BOTOCORE_SCRIPT = textwrap.dedent("""
    import json, sys
    import awscli.clidriver           # awscli first: a copy of its own would win from here on
    import boto3, botocore
    from importlib.metadata import requires, version
    print(json.dumps({
        "same_module": awscli.clidriver.botocore is boto3.session.botocore is sys.modules["botocore"],
        "file": botocore.__file__, "awscli_dir": awscli.__path__[0],
        "version": botocore.__version__, "installed": version("botocore"),
        "awscli_pin": [r for r in requires("awscli") if r.startswith("botocore")],
    }))
""")


def test_one_botocore_for_boto3_and_aws() -> None:
    """awscli >= 1.46 carries its own botocore; the course pins 1.45 so `!aws`, boto3 and `aws` agree."""
    done = subprocess.run([sys.executable, "-c", BOTOCORE_SCRIPT], capture_output=True, text=True,
                          check=True, timeout=120)
    out = json.loads(done.stdout)
    assert out["same_module"]
    assert not out["file"].startswith(out["awscli_dir"])
    assert out["version"] == out["installed"]
    assert out["awscli_pin"] == [f"botocore=={out['installed']}"] or \
        out["awscli_pin"] == [f"botocore (=={out['installed']})"]
    program = subprocess.run([str(Path(sys.executable).parent / "aws"), "--version"], capture_output=True,
                             text=True, check=True, timeout=120)
    assert f"botocore/{out['installed']}" in program.stdout + program.stderr
    from labkit.aws_in_kernel import run

    assert f"botocore/{out['installed']}".encode() in run(["--version"]).output
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert '"awscli>=1.45,<1.46"' in pyproject and '"botocore>=1.43,<1.44"' in pyproject


# -- where there is no shell (the browser edition) ---------------------------------------------------

NO_SHELL_SCRIPT = textwrap.dedent("""
    import contextlib, io, json, sys
    for name in ("pty", "termios", "fcntl", "pexpect", "ptyprocess", "tty"):
        sys.modules[name] = None  # as in a browser kernel: no terminals
    events = []
    sys.addaudithook(lambda event, args: events.append(event) if event in (
        "socket.connect", "subprocess.Popen", "os.fork", "os.forkpty", "os.posix_spawn") else None)
    import IPython.utils.process as process

    def not_available(cmd):
        raise OSError("Not available")  # what a browser kernel's IPython answers

    process.system = process.getoutput = not_available
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    import labkit

    lab = labkit.start(in_process=True, quiet=True)
    events.clear()  # from here on: the `!` lines (the sandbox may start a helper where it can)
    out = {}

    def cell(code):
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            result = shell.run_cell(code)
        return [printed.getvalue(), repr(result.error_in_exec), shell.user_ns.get("_exit_code")]

    out["create"] = cell("!aws iam create-user --user-name alice-developer --query User.UserName "
                         "--output text")
    out["missing"] = cell("!aws iam get-user --user-name nobody")
    cell("names = !aws iam list-users --query 'Users[].UserName' --output text")
    out["names"] = list(shell.user_ns["names"])
    out["pipe"] = cell("!aws iam list-users | head")
    cell("%aws_process")
    out["process"] = cell("!aws sts get-caller-identity")
    cell("%aws_process off")
    out["back"] = cell("!aws sts get-caller-identity --query Arn --output text")
    out["events"] = events
    print(json.dumps(out))
""")


def test_aws_lines_work_where_there_is_no_shell() -> None:
    """No pty, termios, fcntl or pexpect, no program started, no socket: `!aws` still answers."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "LABKIT_"))}
    done = subprocess.run([sys.executable, "-c", NO_SHELL_SCRIPT], capture_output=True, text=True, env=env,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["create"] == ["alice-developer\r\n", "None", 0]
    printed, error, code = out["missing"]
    assert "(NoSuchEntity)" in printed and error == "None" and code == -127
    assert out["names"] == ["alice-developer"]
    assert "OSError('Not available')" in out["pipe"][1]        # a pipe needs a shell: there is none
    assert "OSError('Not available')" in out["process"][1]     # %aws_process: the program, which can't run
    assert out["back"] == ["arn:aws:iam::123456789012:root\r\n", "None", 0]
    assert out["events"] == []


def test_the_switch_reads_the_environment() -> None:
    assert bang_aws.default_enabled({}) and bang_aws.default_enabled({"LABKIT_AWS_IN_KERNEL": "1"})
    for off in ("0", "false", "No", "off "):
        assert not bang_aws.default_enabled({"LABKIT_AWS_IN_KERNEL": off})
