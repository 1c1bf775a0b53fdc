"""Start, reset and stop your private in-memory AWS account.

>>> import labkit
>>> lab = labkit.start("new-account")      # doctest: +ELLIPSIS
IAM castle sandbox ...: account 123456789012, you are its root user, at http://127.0.0.1:...
>>> lab.client("sts").get_caller_identity()["Arn"]
'arn:aws:iam::123456789012:root'
>>> lab.endpoint_url.startswith("http://127.0.0.1:")
True

After :func:`start`, three ways of talking to AWS all reach the sandbox and
nothing else:

* ``lab.client("iam")`` — a boto3 client;
* ``boto3.client("iam")`` — plain boto3, exactly as in AWS's documentation;
* ``!aws iam list-users`` — the AWS command line, in a cell or a terminal.

No request can reach a real AWS account: the credentials are made up, every
endpoint points to 127.0.0.1, and :mod:`labkit.guard` refuses any other
address even if you name one explicitly. No request to the sandbox goes
through a proxy, whatever ``HTTP_PROXY`` and friends say.

Nobody else on the machine can use your sandbox: every request must be signed
with a secret key it issued (as in AWS), its console and control endpoints
need secrets only your ``Lab`` holds, the root user's password and e-mail are
new random ones in every sandbox, and the files for ``aws`` sit in a folder
only you can read, deleted when the sandbox stops or the kernel dies.
"""

from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING, Any

from . import guard
from .aws_environment import AwsEnvironment
from .credentials import Credentials
from .editions import IN_BROWSER
from .sandbox_core import Sandbox
from .sandbox_link import OwnedLink, SandboxLink
from .transports.remote import RemoteTransport

if TYPE_CHECKING:
    from .private_folder import PrivateFolder
    from .transports import Transport

if TYPE_CHECKING:
    from .access_portal import IdentityCenter

__all__ = ["Lab", "Credentials", "start", "attach", "ACCOUNT_ID", "REGION"]

ACCOUNT_ID = "123456789012"
REGION = "us-east-1"

class Lab:
    """Your sandbox AWS account. Create it with :func:`labkit.start`.

    Attributes:
        account_id: the 12-digit account id (``123456789012``).
        endpoint_url: where the sandbox listens (``http://127.0.0.1:<port>``).
        env: environment variables that point ``aws`` and boto3 at the sandbox
            as the current caller (already applied to this kernel).
        root: the root user's credentials (the sandbox's default caller).
        root_email, root_password: how root signs in to the simulated console
            (random, new in every sandbox and at every reset).
        in_process: True for ``labkit.start(in_process=True)`` (no server).
    """

    def __init__(self, endpoint_url: str, admin_token: str | None = None, *,
                 owner_token: str | None = None, link: SandboxLink | None = None) -> None:
        guard.install()  # this process's boto3 clients: loopback only, never through a proxy
        self.account_id = ACCOUNT_ID
        self.region = REGION
        self.endpoint_url = endpoint_url
        # How this client reaches its sandbox: given by `start` (its own), else one served elsewhere.
        self._link = link or SandboxLink(RemoteTransport(endpoint_url), admin_token, owner_token)
        self._aws = AwsEnvironment()  # the environment and files for `aws`, made on first use
        self.root_email = ""
        self.root_password = ""
        self.root: Credentials = Credentials("", "")
        self.caller: Credentials = self.root
        self.env: dict[str, str] = {}
        self.scenario: str = "new-account"

    @property
    def _folder(self) -> PrivateFolder | None:
        """The private folder of the files for ``aws`` (tests look into it)."""
        return self._aws.folder

    @property
    def in_process(self) -> bool:
        """True for ``labkit.start(in_process=True)``: answered inside this process, no server."""
        return self._link.transport.in_process

    @property
    def owns_sandbox(self) -> bool:
        """True when this client may reset its sandbox (it holds the admin token)."""
        return bool(self._link.admin_token)

    @property
    def transport(self) -> Transport:
        """How this lab reaches its sandbox (:mod:`labkit.transports`): ``transport.request(...)``
        sends one raw request, as a test that forges or replays one needs."""
        return self._link.transport

    @property
    def sandbox(self) -> Sandbox | None:
        """The :class:`labkit.sandbox_core.Sandbox` itself when this process runs it, else None."""
        return self._link.sandbox

    # -- talking to the sandbox -------------------------------------------------
    def client(self, service: str, credentials: Credentials | None = None, **kwargs: Any) -> Any:
        """A boto3 client for ``service`` in the sandbox.

        By default it signs as the current caller (root, unless you called
        :meth:`use`); pass ``credentials=`` to act as someone else::

            alice = lab.client("iam", credentials=alice_keys)
        """
        import boto3

        creds = credentials or self.caller
        return boto3.client(
            service, endpoint_url=self.endpoint_url, region_name=self.region,
            **creds.as_boto3(), **kwargs,
        )

    def session(self, credentials: Credentials | None = None) -> Any:
        """A ``boto3.Session`` bound to the sandbox (handy for several clients)."""
        import boto3

        return boto3.Session(region_name=self.region, **(credentials or self.caller).as_boto3())

    def use(self, credentials: Credentials | None) -> None:
        """Make ``credentials`` the default caller for ``!aws`` and plain boto3.

        ``lab.use(None)`` goes back to the root user.
        """
        self.caller = credentials or self.root
        self._apply_env()

    # -- lifecycle ----------------------------------------------------------------
    def reset(self, scenario: str | None = None) -> Lab:
        """Throw everything away: a brand-new account (optionally a named scenario).

        Scenarios: ``"new-account"`` (default) and ``"inherited-account"``;
        see :mod:`labkit.scenarios`.
        """
        root = self._link.reset(self.root.access_key_id, self.root.secret_access_key)
        self.root = Credentials(root["access_key_id"], root["secret_access_key"])
        self.root_email, self.root_password = root["email"], root["password"]
        self.caller = self.root
        self._apply_env()
        self.scenario = scenario or "new-account"
        if scenario and scenario != "new-account":
            from .scenarios import apply

            apply(self, scenario)
        return self

    def stop(self) -> None:
        """Shut the sandbox down (its port is freed)."""
        global _lab
        self._link.stop()
        self._aws.remove()
        if _lab is self:
            _lab = None

    @property
    def running(self) -> bool:
        try:
            self.request("GET", "/labkit/health")
            return True
        except OSError:
            return False

    def enforce(self, on: bool = True) -> None:
        """Switch IAM permission checks on (the default, as in AWS) or off."""
        self._admin("enforce", {"on": on})

    def auditor(self) -> Credentials:
        """Root-equivalent credentials for checks ("Check my work", the grader).

        They never show up in the account (not in root's keys, not "last
        used"), so checking your work cannot change what is checked.
        """
        return Credentials(*self._link.auditor())

    @property
    def identity_center(self) -> IdentityCenter:
        """The organization's IAM Identity Center instance: ``instance_arn``, ``identity_store_id``,
        ``start_url`` (the access portal), ``region``, and the console's actions the API lacks
        (see :class:`labkit.access_portal.IdentityCenter`)."""
        from .access_portal import IdentityCenter

        return IdentityCenter.of(self)

    def member_event_history(self, account_id: str) -> list[dict[str, Any]]:
        """The event history of member account ``account_id``, newest first, as
        ``lookup_events`` returns its ``Events``.

        What an ``AssumeRoot`` session does in a member account is recorded *there*, as that
        account's root (``userIdentity.type`` ``Root``, the session's ``AccessKeyId``); only the
        ``AssumeRoot`` call itself is in the management account's history. In AWS you would read
        it signed in to the member account (or in an organization trail); the sandbox models no
        other identity there, so this method is its window onto that account::

            for event in lab.member_event_history(workloads):
                print(event["EventName"], event["Username"], event.get("AccessKeyId"))
        """
        data = self.request("POST", "/labkit/console/member-events", {"account_id": account_id})
        if "error" in data:
            raise ValueError(data["error"])
        return list(data["Events"])

    def member_iam(self, account_id: str) -> dict[str, Any]:
        """What IAM holds in member account ``account_id``: its ``Users`` (each with
        ``UserName``, ``AccessKeys`` -- ``AccessKeyId`` and ``Status`` -- and ``HasPassword``) and
        its ``Roles`` (each with ``RoleName``, ``Path``, ``ManagedPolicyArns`` and
        ``InlinePolicies``, name to document).

        In AWS you would read this signed in to the member account; like
        :meth:`member_event_history`, this is the sandbox's window onto it. The reserved roles of
        IAM Identity Center (path ``/aws-reserved/sso.amazonaws.com/``) show what a permission
        set gives in the account, as it was last provisioned::

            for role in lab.member_iam(workloads)["Roles"]:
                print(role["RoleName"], role["ManagedPolicyArns"])
        """
        data = self.request("POST", "/labkit/console/member-iam", {"account_id": account_id})
        if "error" in data:
            raise ValueError(data["error"])
        return dict(data)

    def ci_token(self, repository: str = "castle-co/app", ref: str = "refs/heads/main", *,
                 audience: str = "sts.amazonaws.com", environment: str | None = None) -> str:
        """An OIDC token, as GitHub Actions gives a workflow job of ``repository`` on ``ref``.

        A CI job trades this token for a role's temporary credentials, so no access key
        is ever stored in the CI service::

            token = lab.ci_token(repository="castle-co/app", ref="refs/heads/main")
            sts = boto3.client("sts")
            creds = sts.assume_role_with_web_identity(
                RoleArn="arn:aws:iam::123456789012:role/deploy", RoleSessionName="build-42",
                WebIdentityToken=token)["Credentials"]

        The token is a JWT signed by the sandbox's simulated issuer
        ``https://token.actions.githubusercontent.com``; its ``sub`` claim is
        ``repo:<owner>/<name>:ref:<ref>`` (``repo:<owner>/<name>:environment:<env>`` with
        ``environment=``), its ``aud`` is ``audience``. It is valid for 5 minutes. STS accepts
        it only if the account has an OIDC provider for that issuer and the role's trust
        policy allows it; the first token takes a moment (the issuer makes its RSA key).
        """
        creds = self.caller
        data = self.request("POST", "/labkit/ci/token", {
            "repository": repository, "ref": ref, "audience": audience, "environment": environment,
            "access_key_id": creds.access_key_id, "secret_access_key": creds.secret_access_key,
        })
        if "error" in data:
            raise ValueError(data["error"])
        return str(data["token"])

    def attach_spec(self) -> dict[str, str]:
        """What a notebook needs to work in this sandbox as its root user (``LABKIT_ATTACH``,
        see :func:`attach`): the endpoint, root's keys, password and e-mail, the owner
        token for the console -- never the admin token."""
        return {
            "endpoint": self.endpoint_url, "access_key_id": self.root.access_key_id,
            "secret_access_key": self.root.secret_access_key, "root_email": self.root_email,
            "root_password": self.root_password, "scenario": self.scenario,
            "owner_token": self._link.owner_token or "",
        }

    def admin(self, action: str, data: dict[str, Any] | None = None) -> dict[str, Any]:
        """Call a sandbox control endpoint (used by scenarios and tests)."""
        return self._admin(action, data or {})

    # -- plumbing -------------------------------------------------------------------
    def request(self, method: str, path: str, data: dict[str, Any] | None = None,
                headers: dict[str, str] | None = None) -> dict[str, Any]:
        """A JSON request to the sandbox's own endpoints (``/labkit/console/...``, used by
        :class:`labkit.Console`); an error answer comes back with its HTTP ``status``.
        For AWS itself use :meth:`client`."""
        guard.check_url(self.endpoint_url)
        return self._link.call(method, path, data, headers)

    _request = request  # the name older tests use

    def _admin(self, action: str, data: dict[str, Any]) -> dict[str, Any]:
        return self._link.admin(action, data)

    def _apply_env(self) -> None:
        """Point ``aws`` and plain boto3 in this process at the sandbox, as the current caller."""
        self.env = self._aws.apply(self.endpoint_url, self.region, self.caller, in_process=self.in_process)

    # -- display ------------------------------------------------------------------------
    def __repr__(self) -> str:
        return f"<Lab account={self.account_id} endpoint={self.endpoint_url}>"

    def _repr_html_(self) -> str:
        from .castle_map import castle_map_html

        return castle_map_html(self)


_lab: Lab | None = None


def start(scenario: str | None = None, *, quiet: bool = False, in_process: bool | None = None,
          aws_in_kernel: bool | None = None) -> Lab:
    """Start your sandbox AWS account (or return the one already running).

    Args:
        scenario: a named starting state: ``"new-account"`` or
            ``"inherited-account"`` (chapter 04). Naming a scenario always
            gives a fresh account in that state, so a chapter that starts with
            ``labkit.start("new-account")`` can be run again from the top.
            Without it, a running sandbox is returned untouched.
        quiet: do not print the one-line banner.
        in_process: answer boto3's requests inside this process, with no
            server (see :mod:`labkit.in_process`). The default is True in the
            browser edition (a Pyodide kernel cannot open sockets) and False
            elsewhere.
        aws_in_kernel: in a notebook, answer ``!aws ...`` lines inside the
            kernel (True, the default: same output, a few milliseconds instead
            of half a second) or with the real ``aws`` program (False). The
            default comes from the environment variable
            ``LABKIT_AWS_IN_KERNEL`` (``0`` turns it off); ``%aws_process``
            switches in a running notebook. See :mod:`labkit.bang_aws`.

    Returns:
        The :class:`Lab`; it also shows as a "castle map" when it is the last
        expression of a cell.
    """
    global _lab
    guard.install()
    _route_aws_lines(aws_in_kernel)
    if _lab is not None:
        if scenario and _lab.owns_sandbox:
            _lab.reset(scenario)
            if not quiet:
                _banner(_lab, "reset to a fresh account")
        return _lab
    attached = os.environ.get("LABKIT_ATTACH")
    if attached:
        _lab = attach(attached, quiet=quiet)
        return _lab
    if in_process is None:
        in_process = IN_BROWSER
    lab = own_lab(in_process=in_process)
    lab.reset(scenario)
    _lab = lab
    if not quiet:
        _banner(lab, "ready")
    return lab


def own_lab(*, in_process: bool = False) -> Lab:
    """A new sandbox in this process, served over TCP (or inside this process), and its client.

    The account is not made yet: call :meth:`Lab.reset` (``labkit.start`` does).
    """
    sandbox = Sandbox()
    transport: Transport
    if in_process:
        from .transports.in_process import InProcessTransport

        transport = InProcessTransport(sandbox).start()
    else:
        from .transports.tcp import TcpTransport

        transport = TcpTransport(sandbox).start()
    return Lab(transport.url, link=OwnedLink(sandbox, transport))


def running_lab() -> Lab | None:
    """The sandbox this kernel started or attached to, or None (never starts a new, empty one).

    A notebook the grader runs is attached on first use (``LABKIT_ATTACH``).
    """
    if _lab is None and os.environ.get("LABKIT_ATTACH"):
        return start(quiet=True)  # the grader's sandbox
    return _lab


def forget_running_lab() -> None:
    """Forget the running lab without stopping it (the next :func:`start` attaches or starts anew)."""
    global _lab
    _lab = None


def _route_aws_lines(aws_in_kernel: bool | None) -> None:
    """In a notebook kernel, let ``!aws`` lines be answered in the kernel (see :mod:`labkit.bang_aws`)."""
    from . import bang_aws

    first = not bang_aws.installed()
    if bang_aws.install() and (first or aws_in_kernel is not None):
        bang_aws.set_enabled(bang_aws.default_enabled() if aws_in_kernel is None else aws_in_kernel)


def _banner(lab: Lab, what: str) -> None:
    who = "you are its root user" if lab.scenario == "new-account" else f"scenario {lab.scenario!r}"
    where = "inside this kernel (no server)" if lab.in_process else f"at {lab.endpoint_url}"
    print(f"IAM castle sandbox {what}: account {lab.account_id}, {who}, {where}. No real AWS reachable.")


def attach(spec: str, quiet: bool = False) -> Lab:
    """Use a sandbox someone else runs (the grader): ``spec`` is a JSON object
    with ``endpoint``, the caller's ``access_key_id``/``secret_access_key`` and
    the sandbox's ``owner_token`` (for the console); see :meth:`Lab.attach_spec`."""
    data = json.loads(spec)
    lab = Lab(data["endpoint"], None, owner_token=data.get("owner_token"))
    guard.check_url(lab.endpoint_url)
    lab.root = Credentials(data["access_key_id"], data["secret_access_key"])
    lab.caller = lab.root
    lab.root_email = data.get("root_email", lab.root_email)
    lab.root_password = data.get("root_password", "")
    lab.scenario = data.get("scenario", "new-account")
    lab._apply_env()
    if not quiet:
        print(f"IAM castle sandbox attached: account {lab.account_id} at {lab.endpoint_url}. "
              "No real AWS reachable.")
    return lab
