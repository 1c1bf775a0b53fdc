"""The browser edition's parts that need no browser: the built site, the stand-ins, the runtime switches.

The site is ``make site``'s own output (built once, then reused while nothing it is made from
changes; the browser tests in ``tests/browser/test_browser_edition.py`` drive the same folder).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
import subprocess
import sys
import textwrap
import threading
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

from sitebuild import trim, wheels  # noqa: E402


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.browser.site_server import build_site, site_dir

    return build_site(site_dir(), tmp_path_factory.mktemp("site-log") / "make-site.log")


def _kernel_settings(site: Path) -> dict:
    config = json.loads((site / "jupyter-lite.json").read_text())["jupyter-config-data"]
    return config["litePluginSettings"]["@jupyterlite/pyodide-kernel-extension:kernel"]


@pytest.mark.slow  # the built site: make site, about a minute the first time
def test_the_kernel_loads_pyodide_and_every_package_from_the_site(site: Path) -> None:
    settings = _kernel_settings(site)
    assert settings["pyodideUrl"] == "./static/pyodide/pyodide.mjs"
    assert settings["disablePyPIFallback"] is True
    pyodide = site / "static" / "pyodide"
    lock = json.loads((pyodide / "pyodide-lock.json").read_text())
    assert lock["info"]["python"].startswith("3.")
    for name, entry in lock["packages"].items():
        wheel = pyodide / entry["file_name"]
        assert wheel.is_file(), f"the lock lists {name} but the site has no {entry['file_name']}"
        assert hashlib.sha256(wheel.read_bytes()).hexdigest() == entry["sha256"], name
        assert re.search(r"-(py2\.)?py3-none-any\.whl$", wheel.name), f"{wheel.name} is not pure Python"
        assert set(entry["depends"]) <= set(lock["packages"]), f"{name} depends on a package not in the lock"
    listed = {entry["file_name"] for entry in lock["packages"].values()}
    assert {p.name for p in pyodide.glob("*.whl")} == listed, "a wheel in the site is not in the lock"
    for preloaded in settings["loadPyodideOptions"]["packages"]:
        assert preloaded in lock["packages"]


@pytest.mark.slow  # the built site: make site, about a minute the first time
def test_the_site_carries_the_core_and_not_the_desktop_tools(site: Path) -> None:
    names = set(json.loads((site / "static/pyodide/pyodide-lock.json").read_text())["packages"])
    assert {"labkit", "moto", "boto3", "botocore", "awscli", "pyotp", "qrcode", "ipywidgets"} <= names
    assert not names & {"jupyterlab", "nbclient", "nbformat", "pytest", "playwright", "cryptography", "cffi",
                        "pyzmq", "tornado"}


@pytest.mark.slow  # the built site: make site, about a minute the first time
def test_every_notebook_is_in_the_site_and_no_source_maps(site: Path) -> None:
    for folder in ("notebooks", "exercises"):
        for notebook in (ROOT / folder).glob("*.ipynb"):
            assert (site / "files" / folder / notebook.name).read_bytes() == notebook.read_bytes()
    assert not list(site.rglob("*.js.map")), "source maps make the site ~50 MB larger"
    assert "00-start-here.ipynb" in (site / "index.html").read_text()


@pytest.mark.slow  # the built site: make site, about a minute the first time
def test_botocore_keeps_only_the_services_used(site: Path) -> None:
    (botocore,) = (site / "static/pyodide").glob("botocore-*.whl")
    with zipfile.ZipFile(botocore) as zf:
        services = {n.split("/")[2] for n in zf.namelist()
                    if n.startswith("botocore/data/") and n.count("/") > 3}
    assert services == trim.AWSCLI_NEEDS | _notebook_services()
    (moto,) = (site / "static/pyodide").glob("moto-*.whl")
    with zipfile.ZipFile(moto) as zf:
        emulated = {n.split("/")[1] for n in zf.namelist() if n.startswith("moto/") and n.count("/") > 1}
    used = trim.moto_packages(_notebook_services())
    assert {"core", "iam", "sts", "s3"} <= emulated <= used | trim.MOTO_SUPPORT


def _notebook_services() -> set[str]:
    import botocore

    known = {p.name for p in (Path(botocore.__file__).parent / "data").iterdir() if p.is_dir()}
    notebooks = sorted(ROOT.glob("notebooks/*.ipynb")) + sorted(ROOT.glob("exercises/*.ipynb"))
    return trim.services_used(notebooks, known, sorted((ROOT / "labkit").rglob("*.py")))


def test_services_used_reads_aws_lines_and_clients(tmp_path: Path) -> None:
    notebook = tmp_path / "n.ipynb"
    cells = [{"cell_type": "code", "source": ["!aws --output text ec2 describe-instances\n"]},
             {"cell_type": "code", "source": ['kms = lab.client("kms")']},
             {"cell_type": "code", "source": ["!aws s3api list-buckets"]},
             {"cell_type": "markdown", "source": ["aws sns publish (prose, not a command)"]}]
    notebook.write_text(json.dumps({"cells": cells}))
    code = tmp_path / "scenario.py"
    code.write_text('orgs = lab.client("organizations")\n')
    found = trim.services_used([notebook], {"ec2", "kms", "s3", "sns", "iam", "sts", "organizations"}, [code])
    assert found == trim.ALWAYS | {"ec2", "kms", "organizations"}
    code.write_text('oidc = session.client("sso-oidc")\n')  # the SSO sign-in brings the portal API along
    known = {"s3", "iam", "sts", "sso", "sso-oidc", "sso-admin"}
    assert trim.services_used([], known, [code]) == trim.ALWAYS | {"sso-oidc", "sso"}
    assert trim.moto_packages({"sso-admin", "iam"}) == {"ssoadmin", "iam"}


def test_browser_markers_leave_out_what_pyodide_cannot_run() -> None:
    from packaging.requirements import Requirement

    pexpect = Requirement('pexpect>4.6; sys_platform != "win32" and sys_platform != "emscripten"')
    assert not pexpect.marker.evaluate(wheels.BROWSER_MARKERS)
    assert {"cryptography", "cffi"} <= wheels.STUBBED


def test_cryptography_stand_in_refuses_what_is_not_a_certificate(tmp_path: Path) -> None:
    """The browser-only stand-in, imported instead of the real package in a fresh Python."""
    script = textwrap.dedent("""
        import base64, sys
        from cryptography import x509
        from cryptography.hazmat.backends import default_backend
        assert x509.__file__.startswith(sys.argv[1]), x509.__file__
        der = bytes([0x30, 0x03, 0x02, 0x01, 0x01])
        pem = b"-----BEGIN CERTIFICATE-----\\n" + base64.b64encode(der) + b"\\n-----END CERTIFICATE-----\\n"
        assert x509.load_pem_x509_certificate(pem, default_backend()).der == der
        for bad in (b"hello", pem.replace(b"CERTIFICATE", b"PRIVATE KEY"), pem.replace(b"MAMC", b"!!!!"),
                    b"-----BEGIN CERTIFICATE-----\\nAAAA\\n-----END CERTIFICATE-----\\n"):
            try:
                x509.load_pem_x509_certificate(bad, default_backend())
            except ValueError:
                continue
            raise SystemExit(f"accepted {bad!r}")
        print("ok")
    """)
    stubs = str(ROOT / "browser" / "stubs")
    env = {"PYTHONPATH": stubs, "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-c", script, stubs], env=env, capture_output=True, text=True,
                          timeout=60)
    assert done.stdout.strip() == "ok", done.stderr


def test_repeat_ticks_on_the_event_loop_until_stopped() -> None:
    from labkit.editions.browser import repeat

    ticks: list[int] = []

    async def scenario() -> None:
        stop = repeat(0.05, lambda: ticks.append(1))
        await asyncio.sleep(0.4)
        stop()
        seen = len(ticks)
        await asyncio.sleep(0.2)
        assert len(ticks) == seen, "it ticked after stop()"

    failures: list[BaseException] = []

    def in_its_own_thread() -> None:  # a fresh event loop, whatever loop this test process runs
        try:
            asyncio.run(scenario())
        except BaseException as err:  # noqa: BLE001 - reported below
            failures.append(err)

    worker = threading.Thread(target=in_its_own_thread)
    worker.start()
    worker.join(timeout=30)
    assert not failures, failures
    assert len(ticks) >= 2


def test_start_goes_in_process_by_itself_in_a_browser_kernel() -> None:
    """In a fresh Python told it is in Pyodide, ``labkit.start()`` starts no server and connects nowhere."""
    script = textwrap.dedent("""
        import sys
        connects = []
        sys.addaudithook(lambda e, a: connects.append(a) if e == "socket.connect" else None)
        import labkit.editions, labkit.sandbox
        labkit.sandbox.IN_BROWSER = True
        lab = labkit.start(quiet=True)
        from labkit.in_process import ENDPOINT
        assert lab.in_process and lab.endpoint_url == ENDPOINT, "not in-process"
        assert lab.client("sts").get_caller_identity()["Account"] == "123456789012"
        assert connects == [], connects
        print("ok")
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.stdout.strip().endswith("ok"), done.stderr[-2000:]
