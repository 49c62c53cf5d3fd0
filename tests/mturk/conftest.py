import json
import re

import boto3
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from django.core.cache import cache
from django.core.servers.basehttp import ThreadedWSGIServer
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, connections
from django.test import Client
from django.test.testcases import LiveServerThread, _StaticFilesHandler

from accounts.requesters.services import api_key_create
from ledger.services import deposit_record
from tasks.mturk.services import hit_create
from tests.factories import CoopFactory, member, operator, organisation

HTML = """<HTMLQuestion
  xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2011-11-11/HTMLQuestion.xsd">
  <HTMLContent><![CDATA[<!DOCTYPE html><html><body>
    <form name="mturk_form" method="post" id="mturk_form" action="https://www.mturk.com/mturk/externalSubmit">
      <input type="hidden" value="" name="assignmentId" id="assignmentId"/>
      <p>Is there a cat in <img src="https://example.org/cat.jpg" alt="the picture">?</p>
      <label><input type="radio" name="cat" value="yes"> yes</label>
      <label><input type="radio" name="cat" value="no"> no</label>
      <input type="submit" id="submitButton" value="Submit"/>
    </form>
    <script>
      document.getElementById('assignmentId').value = new URLSearchParams(location.search).get('assignmentId');
    </script>
  </body></html>]]></HTMLContent>
  <FrameHeight>450</FrameHeight>
</HTMLQuestion>"""


@pytest.fixture(autouse=True)
def _fresh_rate_limits(db):
    cache.clear()
    yield


class LiveServer:
    def __init__(self, url):
        self.url, self.clients = url, []

    def close_clients(self):
        for client in self.clients:  # their kept-alive connections hold a server thread each
            client._endpoint.http_session.close()


class _BorrowingServer(ThreadedWSGIServer):
    def _close_connections(self):
        pass  # the connection is the test's


class _BorrowingThread(LiveServerThread):
    server_class = _BorrowingServer


@pytest.fixture
def live(db, monkeypatch):
    """A live HTTP server (Django's LiveServerThread, as pytest-django's live_server) that
    shares the test's database connection, as Django does for in-memory SQLite: it sees the
    test's rows without committing them, so the test runs on SQLite and PostgreSQL alike and
    its writes roll back (the ledger's append-only tables refuse a transactional flush on
    SQLite). The server's request threads must not close it (`close` is a no-op meanwhile).
    The test and the server never use the connection at the same time: each SDK call
    waits for its response."""
    conn = connections["default"]
    # the server closes its connections after each request: not the test's, which it borrows
    monkeypatch.setattr(conn, "close", lambda: None)
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    conn.inc_thread_sharing()
    thread = _BorrowingThread("127.0.0.1", _StaticFilesHandler, connections_override={"default": conn})
    thread.daemon = True
    thread.start()
    thread.is_ready.wait()
    if thread.error:
        raise thread.error
    server = LiveServer(f"http://127.0.0.1:{thread.port}")
    yield server
    server.close_clients()
    thread.terminate()
    # a request thread still alive is idle on a kept-alive socket: with `_close_connections`
    # a no-op and the signals disconnected, it never touches the connection again
    conn.dec_thread_sharing()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def world(db):
    coop = CoopFactory(slug="tana")
    org = organisation(name="Ravina Labs")
    deposit_record(operator=operator(), organisation=org, amount=100_000, reference="wire-1")
    key, secret = api_key_create(user=org.owner, organisation=org, name="mturk script")
    members = [member(coop).user for _ in range(3)]
    return {"coop": coop, "org": org, "key": key, "secret": secret, "members": members}


def sdk(live_server, access_key, secret):
    """boto3's real `mturk` client, only endpoint_url and the credentials changed."""
    client = boto3.client("mturk", endpoint_url=live_server.url + "/mturk/", region_name="us-east-1",
                          aws_access_key_id=access_key, aws_secret_access_key=secret,
                          config=Config(retries={"total_max_attempts": 1}))
    live_server.clients.append(client)
    return client


@pytest.fixture
def mturk(live, world):
    return sdk(live, world["key"].prefix, world["secret"])


def member_does_the_work(user, project_id, answers):
    """A member, through Atelier's pages: the project, claim, the work page with its frame, the
    frame itself, and what the question's form posts to externalSubmit."""
    browser = Client()
    browser.force_login(user)
    assert browser.get(f"/work/projects/{project_id}/").status_code == 200
    response = browser.post(f"/work/projects/{project_id}/claim/")
    assert response.status_code == 302, response.content
    work_url = response["Location"]
    page = browser.get(work_url).content.decode()
    match = re.search(r'<iframe class="task-frame" src="([^"]+)"[^>]*sandbox="allow-forms allow-scripts"', page)
    assert match, page
    frame_url = match[1].replace("&amp;", "&")
    frame = browser.get(frame_url)
    assert frame.status_code == 200
    assert frame["Content-Security-Policy"].startswith("sandbox allow-forms allow-scripts")
    assert "mturk_form" in frame.content.decode()
    params = dict(p.split("=", 1) for p in frame_url.split("?", 1)[1].split("&"))
    # the sandboxed frame has no cookies: a fresh client posts, as the browser would
    posted = Client().post("/mturk/externalSubmit", {"assignmentId": params["assignmentId"], **answers})
    assert posted.status_code == 200, posted.content
    return params


def signed(operation, params, *, access_key, secret, path="/mturk/", region="us-east-1", raw=None):
    """The body and headers (as Django test client keywords) of a request signed the way the AWS
    SDK signs it (botocore's own SigV4 signer), to call the endpoint without a live server. `raw`:
    bytes sent (and signed) instead of `params` as JSON."""
    body = raw if raw is not None else json.dumps(params).encode()
    request = AWSRequest(method="POST", url=f"http://testserver{path}", data=body, headers={
        "Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": f"MTurkRequesterServiceV20170117.{operation}"})
    SigV4Auth(Credentials(access_key, secret), "mturk-requester", region).add_auth(request)
    headers = {f"HTTP_{name.upper().replace('-', '_')}": value for name, value in request.headers.items()
               if name.lower() not in ("content-type", "host")}
    return body, {**headers, "HTTP_HOST": "testserver"}


HIT_PARAMS = dict(Title="Cats", Description="Is there a cat?", Keywords="animals, estimate:2", Reward="0.50",
                  MaxAssignments=2, LifetimeInSeconds=3600, AssignmentDurationInSeconds=600, Question=HTML)


@pytest.fixture
def hit(world):
    """A HIT created through the service (no live server): 2 assignments of 0.50 in coop tana."""
    return hit_create(key=world["key"], params=dict(HIT_PARAMS))
