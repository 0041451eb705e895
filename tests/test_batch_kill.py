"""A batch whose client is killed (SIGKILL) at random points, then run again: nobody is mailed twice."""

from __future__ import annotations

import asyncio
import collections
import hashlib
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
from aiosmtpd.smtp import SMTP, Envelope, Session
from pypdf import PdfReader

from tests.batchrun import kill_a_worker_mid_batch, mail_to
from tests.conftest import PROJECTS, copy_project
from tests.mailserver import Recorder, smtp_server

RECIPIENTS = 16
#: Seconds the server takes to answer RCPT and the end of the data: wide windows for the kills to land in.
PAUSE = 0.12


class SlowRecorder(Recorder):
    """The test server, answering slowly: a kill often lands while a message is being handed over."""

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        await asyncio.sleep(PAUSE)
        return await super().handle_RCPT(server, session, envelope, address, rcpt_options)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        reply = await super().handle_DATA(server, session, envelope)  # recorded: the message is accepted
        await asyncio.sleep(PAUSE)
        return reply


def test_killing_the_client_at_random_points_never_mails_anyone_twice(tmp_path: Path) -> None:
    project = copy_project(PROJECTS / "minimal", tmp_path / "minimal")
    people = "name,email,language\n" + "".join(
        f"수신자 {i},r{i}@example.org,{'ko' if i % 2 else 'en'}\n" for i in range(1, RECIPIENTS + 1)
    )
    (project / "people.csv").write_text(people, encoding="utf-8")
    folder = project / "output" / "batch" / "people"
    command = [sys.executable, "-m", "briefgen", "batch", "people.csv", "--mail", "-j", "2"]
    rng = random.Random(20261129)
    with smtp_server(handler=SlowRecorder()) as srv:
        mail_to(project, srv.port)
        kills = 0
        for _ in range(10):  # kill runs until one gets to the end by itself
            child = subprocess.Popen(
                command, cwd=project, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
            time.sleep(rng.uniform(1.0, 3.0))  # a whole run takes about 6.5 s: several kills land
            workers = psutil.Process(child.pid).children(recursive=True)
            if child.poll() is not None:
                break
            os.kill(child.pid, signal.SIGKILL)  # the client only: its workers must follow it
            kills += 1
            child.wait()
            _, alive = psutil.wait_procs(workers, timeout=15)
            assert not alive, f"workers outlived their client: {alive}"
            for pdf in (folder / "copies").glob("*.pdf"):  # written atomically: whole, or not there
                assert len(PdfReader(str(pdf)).pages) >= 1, pdf.name
        assert kills >= 2
        done = subprocess.run(command, cwd=project, capture_output=True, text=True, check=False)
        messages = collections.Counter(r for m in srv.handler.messages for r in m.rcpt_tos)
    log = [json.loads(line) for line in (folder / "distribution.jsonl").read_text("utf-8").splitlines()]
    last: dict[str, str] = {}
    for event in log:
        if "recipient" in event:
            last[event["recipient"]] = event["event"]
    uncertain = {r for r, event in last.items() if event in ("committing", "uncertain")}
    # The only recipients who may lack their message are those the batch reports: it stopped between
    # "the whole message is with the server" and "the server said yes", and does not guess.
    for n in range(1, RECIPIENTS + 1):
        address = f"r{n}@example.org"
        if address in uncertain:
            assert messages[address] <= 1
            assert f"{address}: warning: may have received the message already" in done.stderr
        else:
            assert messages[address] == 1, (address, messages[address], last.get(address))
            assert last[address] == "sent"
    assert done.returncode == (1 if uncertain else 0), done.stderr
    built = {e["recipient"]: e for e in log if e["event"] == "built"}
    assert set(built) == {f"r{n}@example.org" for n in range(1, RECIPIENTS + 1)}
    for event in built.values():  # the copy each recipient got is on disk, whole, with the logged digest
        for item in event["files"]:
            data = (folder / item["name"]).read_bytes()
            assert hashlib.sha256(data).hexdigest() == item["sha256"]
    assert not [p for p in (folder / "copies").iterdir() if p.name.endswith(".tmp")]


def test_a_local_worker_killed_mid_batch_loses_nothing(tmp_path: Path) -> None:
    project = copy_project(PROJECTS / "minimal", tmp_path / "minimal")
    people = "name,email\n" + "".join(f"P{i},p{i}@example.org\n" for i in range(1, 11))
    (project / "people.csv").write_text(people, encoding="utf-8")
    log = project / "output" / "batch" / "people" / "distribution.jsonl"
    with smtp_server() as srv:
        mail_to(project, srv.port)
        killed, done = kill_a_worker_mid_batch(
            ["batch", "people.csv", "--mail", "-j", "2"], project, log, lambda client: client.children()
        )
        messages = collections.Counter(r for m in srv.handler.messages for r in m.rcpt_tos)
    assert killed is not None, done
    assert done.returncode == 0, done.stderr
    assert "10 sent, 10 built" in done.stdout
    assert messages == {f"p{i}@example.org": 1 for i in range(1, 11)}
