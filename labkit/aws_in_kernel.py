"""The ``aws`` command, run inside this Python process instead of as a new program.

``!aws iam list-users`` in a notebook normally starts a new ``aws`` program,
which spends about half a second starting up before it asks the sandbox a
question that takes a few milliseconds to answer. :func:`run` calls the very
same code the ``aws`` program runs (awscli's own driver: its argument parsing,
its output formats, its plugins, labkit's guard included) right here, with
what it prints captured as the program's would be:

>>> result = run(["--version"])
>>> result.status, result.output[:8]
(0, b'aws-cli/')
>>> run(["iam", "list-userz"]).status                # a usage error, as the program reports it
2

Each call starts from a clean slate, exactly like a new program: a new driver
and a new botocore session, so it reads the credentials, the region and the
config files as they are *now* (``lab.use(...)`` or a changed
``AWS_DEFAULT_REGION`` take effect on the next line). Only what cannot change
between calls is shared: the service descriptions botocore loads from disk.
Whatever a call changes in this process -- logging handlers and levels
(``--debug``), environment variables, ``sys.argv``, ``sys.stdout`` -- is put
back when it returns.

This module needs no shell, no terminal and no IPython; see
:mod:`labkit.bang_aws` for how ``!aws`` lines in a notebook get here.
"""

from __future__ import annotations

import io
import logging
import os
import sys
import threading
import traceback
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

__all__ = ["Result", "run", "warm", "aws_program"]


@dataclass(frozen=True)
class Result:
    """What one ``aws`` run printed and how it ended.

    Attributes:
        output: the bytes the program wrote, stdout and stderr merged in the
            order a terminal (or a pipe carrying both) would receive them.
        status: the exit status (0 success, 252/255 errors, as ``aws`` returns).
        stdout, stderr: the two streams apart (only with ``separate=True``).
    """

    output: bytes
    status: int
    stdout: bytes = b""
    stderr: bytes = b""


class _Sink(io.RawIOBase):
    """Where the program's stdout/stderr bytes land (a terminal or a pipe, as asked)."""

    def __init__(self, tty: bool) -> None:
        super().__init__()
        self.data = bytearray()
        self._tty = tty

    def writable(self) -> bool:
        return True

    def write(self, b: Any) -> int:
        self.data += bytes(b)
        return len(b)

    def isatty(self) -> bool:
        return self._tty


# Python sizes a program's stdio buffers by the device's block size: 1 KiB for a terminal, 4 KiB a pipe.
_BLOCK_SIZE = {True: 1024, False: 4096}


def _std_stream(sink: _Sink, line_buffered: bool) -> io.TextIOWrapper:
    """A text stream buffered the way Python buffers a program's stdout/stderr."""
    import locale

    encoding = "utf-8" if sys.flags.utf8_mode else locale.getpreferredencoding(False)
    return io.TextIOWrapper(io.BufferedWriter(sink, buffer_size=_BLOCK_SIZE[sink.isatty()]),
                            encoding=encoding, line_buffering=line_buffered)


# -- awscli, loaded once ---------------------------------------------------------------------

_lock = threading.RLock()
_loaders: dict[str, Any] = {}
_awscli_data_dir: str | None = None


def _load_awscli() -> None:
    """Import awscli without letting the import change this process's environment."""
    global _awscli_data_dir
    if _awscli_data_dir is not None:
        return
    before = os.environ.get("AWS_DATA_PATH")
    try:
        import awscli
        import awscli.clidriver  # noqa: F401 - loads awscli's commands and customisations
        import awscli.handlers  # noqa: F401
        import awscli.utils
    finally:  # importing awscli appends its data folder to AWS_DATA_PATH (for every later boto3 session)
        if before is None:
            os.environ.pop("AWS_DATA_PATH", None)
        else:
            os.environ["AWS_DATA_PATH"] = before
    _awscli_data_dir = os.path.join(os.path.dirname(os.path.abspath(awscli.__file__)), "data")
    _route_tty_checks()


def _is_a_tty() -> bool:
    """awscli's ``is_a_tty``, asking the stream itself (a captured stream has no file descriptor)."""
    try:
        return bool(sys.stdout.isatty())
    except Exception:
        return False


def _route_tty_checks() -> None:
    """Point every awscli module's ``is_a_tty`` at :func:`_is_a_tty` (table colours, progress)."""
    import awscli.utils

    original = awscli.utils.is_a_tty
    if original is _is_a_tty:
        return
    for name, module in list(sys.modules.items()):
        if (name == "awscli" or name.startswith("awscli.")) and getattr(module, "is_a_tty", None) is original:
            module.is_a_tty = _is_a_tty  # type: ignore[attr-defined]
    awscli.utils.is_a_tty = _is_a_tty


def _data_path(environ: os._Environ[str] | dict[str, str]) -> str:
    """AWS_DATA_PATH as the ``aws`` program computes it at start-up."""
    paths = [os.path.expanduser(os.path.expandvars(p))
             for p in environ.get("AWS_DATA_PATH", "").split(os.pathsep) if p]
    return os.pathsep.join([*paths, _awscli_data_dir or ""])


def _shared_loader(data_path: str) -> Any:
    """botocore's data loader for ``data_path``, shared by every call (its files do not change)."""
    loader = _loaders.get(data_path)
    if loader is None:
        from botocore.loaders import create_loader

        loader = _loaders[data_path] = create_loader(data_path)
    return loader


def _new_session() -> Any:
    """``botocore.session.Session(awscli.EnvironmentVariables)``, minus work already done once.

    A new session registers ~1,300 event handlers, and botocore checks each one's
    signature and rewrites each event name; both results depend only on the
    handler function and the name, so they are remembered across sessions
    (handlers by weak reference: nothing is kept alive). What the session
    reads from the environment and config files is read afresh.
    """
    import botocore
    import botocore.session
    from awscli import EnvironmentVariables
    from botocore.hooks import EVENT_ALIASES

    if getattr(botocore, "_INITIALIZERS", True):  # session creation is hooked: keep the plain order
        return botocore.session.Session(EnvironmentVariables)
    session = botocore.session.Session(EnvironmentVariables, event_hooks=_emitter_class()(),
                                       include_builtin_handlers=False)
    if session._events._event_aliases is EVENT_ALIASES:
        session._events._alias_name_cache = _ALIAS_NAMES
    _register_builtin_handlers(session)
    return session


def _from_moto(handler: Any) -> bool:
    modules = (type(handler).__module__, getattr(handler, "__module__", None) or "")
    return any(m == "moto" or m.startswith("moto.") for m in modules)


def _register_builtin_handlers(session: Any) -> None:
    """botocore's built-in handlers, as ``Session`` registers them -- but not moto's.

    moto (the sandbox, imported in this process) adds its ``mock_aws`` hook to
    botocore's built-in list; the ``aws`` program never has it.
    """
    from botocore import handlers

    for spec in handlers.BUILTIN_HANDLERS:
        event_name, handler = spec[0], spec[1]
        if _from_moto(handler):
            continue
        if len(spec) == 2:
            session.register(event_name, handler)
        elif spec[2] is handlers.REGISTER_FIRST:
            session._events.register_first(event_name, handler)
        elif spec[2] is handlers.REGISTER_LAST:
            session._events.register_last(event_name, handler)


_ALIAS_NAMES: dict[str, str] = {}
_emitter: type | None = None


def _emitter_class() -> type:
    """botocore's event emitter, remembering which handler functions accept ``**kwargs``."""
    global _emitter
    if _emitter is None:
        import functools
        import types
        import weakref

        from botocore.hooks import HierarchicalEmitter

        checked: weakref.WeakKeyDictionary[Any, bool] = weakref.WeakKeyDictionary()

        def code_of(func: Any) -> Any:
            """The plain function whose signature decides (through partials, methods, instances)."""
            while isinstance(func, functools.partial):
                func = func.func
            func = getattr(func, "__func__", func)
            if not isinstance(func, types.FunctionType) and not isinstance(func, type):
                func = type(func).__call__  # a callable object: its class's __call__ decides
            return func if isinstance(func, types.FunctionType) else None

        class _CheckedOnceEmitter(HierarchicalEmitter):
            def _verify_accept_kwargs(self, func: Any) -> Any:
                code = code_of(func)
                if code is None:
                    return super()._verify_accept_kwargs(func)
                if code not in checked:
                    super()._verify_accept_kwargs(func)  # raises if it does not
                    checked[code] = True
                return None

        _emitter = _CheckedOnceEmitter
    return _emitter


def _new_driver(loader: Any) -> Any:
    """``awscli.clidriver.create_clidriver()``, with the shared data loader."""
    from awscli.clidriver import CLIDriver, _set_user_agent_for_session
    from awscli.plugin import load_plugins

    session = _new_session()
    session.register_component("data_loader", loader)
    _log_only_the_program(session)
    _set_user_agent_for_session(session)
    load_plugins(session.full_config.get("plugins", {}), event_hooks=session.get_component("event_emitter"))
    return CLIDriver(session=session)


def _not_the_sandbox(record: logging.LogRecord) -> bool:
    """Log filter: drop what the sandbox's own botocore logs while it answers (same process)."""
    realism = sys.modules.get("labkit.realism")
    return realism is None or not realism.answering_here()


def _log_only_the_program(session: Any) -> None:
    """Give the log handlers ``--debug`` adds a filter: the log shows the program, not the sandbox."""
    original = session.set_stream_logger

    def set_stream_logger(logger_name: str, log_level: Any, stream: Any = None,
                          format_string: Any = None) -> None:
        original(logger_name, log_level, stream, format_string)
        logging.getLogger(logger_name).handlers[-1].addFilter(_not_the_sandbox)

    session.set_stream_logger = set_stream_logger


def aws_program() -> str:
    """The path of the ``aws`` program installed beside labkit (what ``sys.argv[0]`` reads)."""
    return os.path.join(os.path.dirname(sys.executable), "aws")


# -- one call, isolated ------------------------------------------------------------------------------


@contextmanager
def _logging_restored() -> Iterator[None]:
    """Put every logger's level, handlers and flags back as they were (``--debug`` changes them)."""
    manager = logging.Logger.manager
    loggers = {name: lg for name, lg in manager.loggerDict.items() if isinstance(lg, logging.Logger)}
    saved = {name: (lg.level, list(lg.handlers), lg.propagate, lg.disabled) for name, lg in loggers.items()}
    root = logging.getLogger()
    root_saved = (root.level, list(root.handlers))
    disable = manager.disable
    try:
        yield
    finally:
        for name, lg in list(manager.loggerDict.items()):
            if not isinstance(lg, logging.Logger):
                continue
            level, handlers, propagate, disabled = saved.get(name, (logging.NOTSET, [], True, False))
            lg.level, lg.handlers, lg.propagate, lg.disabled = level, handlers, propagate, disabled
        root.level, root.handlers = root_saved[0], root_saved[1]
        manager.disable = disable
        manager._clear_cache()  # type: ignore[attr-defined]


@contextmanager
def _environment_restored() -> Iterator[None]:
    """Put ``os.environ`` back exactly as it was."""
    saved = dict(os.environ)
    try:
        yield
    finally:
        for name in [n for n in os.environ if n not in saved]:
            del os.environ[name]
        for name, value in saved.items():
            if os.environ.get(name) != value:
                os.environ[name] = value


@contextmanager
def _program_streams(stdout: Any, stderr: Any) -> Iterator[None]:
    """``sys.argv``/``sys.std*`` of a program; colorama's globals (table colours) put back too."""
    saved = (sys.argv, sys.stdin, sys.stdout, sys.stderr)
    colorama_init = sys.modules.get("colorama.initialise")
    colorama_saved = {name: getattr(colorama_init, name) for name in
                      ("orig_stdout", "orig_stderr", "wrapped_stdout", "wrapped_stderr")
                      if colorama_init is not None and hasattr(colorama_init, name)}
    sys.stdin = io.TextIOWrapper(io.BytesIO(b""))
    sys.stdout, sys.stderr = stdout, stderr
    try:
        yield
    finally:
        sys.argv, sys.stdin, sys.stdout, sys.stderr = saved
        colorama_init = sys.modules.get("colorama.initialise")
        if colorama_init is not None:
            for name in ("orig_stdout", "orig_stderr", "wrapped_stdout", "wrapped_stderr"):
                setattr(colorama_init, name, colorama_saved.get(name))


def _colorama_at_exit(stdout: Any) -> None:
    """What colorama's exit handler writes when the program coloured its output (a final reset)."""
    colorama_init = sys.modules.get("colorama.initialise")
    if colorama_init is not None and getattr(colorama_init, "orig_stdout", None) is stdout:
        colorama_init.reset_all()


def _exit_status(code: Any, stderr: Any) -> int:
    """The status ``sys.exit(code)`` gives a program (a message goes to stderr, status 1)."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code & 0xFF
    print(code, file=stderr)
    return 1


def run(args: Sequence[str], *, tty: bool = True, separate: bool = False,
        env: Mapping[str, str] | None = None) -> Result:
    """Run ``aws <args>`` inside this process and return what it printed.

    Args:
        args: the words after ``aws`` (``["iam", "list-users"]``), already
            split and unquoted as a shell would.
        tty: behave as if the output went to a terminal (as ``!aws`` does:
            ``--output table`` is coloured); False for a pipe (``x = !aws``).
        separate: also keep stdout and stderr apart in the result.
        env: variables set for this call only (``NAME=value aws ...``).

    The call sees this process's environment (credentials, region, config
    files), like a program started from it would.
    """
    with _lock:
        _load_awscli()
        out_sink, err_sink = _Sink(tty), _Sink(tty)
        merged = _Sink(tty)
        stdout = _std_stream(_Tee(out_sink, merged) if separate else merged, line_buffered=tty)
        stderr = _std_stream(_Tee(err_sink, merged) if separate else merged, line_buffered=True)
        with _environment_restored(), _logging_restored(), _program_streams(stdout, stderr):
            os.environ.update(env or {})
            if os.environ.get("LC_CTYPE", "") == "UTF-8":  # as the `aws` script does
                os.environ["LC_CTYPE"] = "en_US.UTF-8"
            data_path = _data_path(os.environ)
            os.environ["AWS_DATA_PATH"] = data_path
            sys.argv = [aws_program(), *args]
            try:
                from awscli.clidriver import HISTORY_RECORDER

                status = _new_driver(_shared_loader(data_path)).main(list(args))
                HISTORY_RECORDER.record("CLI_RC", status, "CLI")
                status = _exit_status(status, stderr)
            except SystemExit as done:
                status = _exit_status(done.code, stderr)
            except KeyboardInterrupt:
                raise
            except BaseException:  # what Python prints when a program dies of an exception
                traceback.print_exc(file=stderr)
                status = 1
            finally:
                _colorama_at_exit(stdout)
                for stream in (stdout, stderr):  # a program's streams are flushed when it exits
                    try:
                        stream.flush()
                    except ValueError:
                        pass
        return Result(bytes(merged.data), status, bytes(out_sink.data), bytes(err_sink.data))


def warm(services: Sequence[str] = ("iam", "sts")) -> None:
    """Load awscli and the course's service descriptions now, so the first ``!aws`` is quick.

    No request is sent: ``--generate-cli-skeleton`` only reads a description, and
    a client is created (which loads the endpoint rules) but never called.
    """
    for service in services:
        run([service, "get-caller-identity" if service == "sts" else "list-users", "--generate-cli-skeleton"],
            tty=False)
    with _lock, _environment_restored(), _logging_restored():
        session = _new_session()
        session.register_component("data_loader", _shared_loader(_data_path(os.environ)))
        for service in services:
            session.create_client(service, region_name="us-east-1", endpoint_url="http://127.0.0.1:9",
                                  aws_access_key_id="warm", aws_secret_access_key="warm")


class _Tee(_Sink):
    """Writes to one stream's own sink and to the merged one."""

    def __init__(self, own: _Sink, merged: _Sink) -> None:
        super().__init__(merged.isatty())
        self._own, self._merged = own, merged

    def write(self, b: Any) -> int:
        self._own.write(b)
        return self._merged.write(b)
