"""Issue 19's "done when", by hand against `make run` (docs/mturk.md "A run against make run").

The requester's part is an ordinary boto3 MTurk script: only `endpoint_url` and the
credentials differ from one written for Amazon. It creates a HIT with an HTMLQuestion, waits
for the work, approves one assignment, rejects the other with feedback, sends a bonus and
reads the balance. The members' part (two demo members doing the work through Atelier's
pages and the question's frame, as a browser would) runs in a thread meanwhile.

    ATELIER_URL=http://127.0.0.1:8000 AWS_ACCESS_KEY_ID=<prefix> AWS_SECRET_ACCESS_KEY=atl_... \\
        .venv/bin/python scripts/mturk_demo.py [--sandbox]

With --sandbox the script runs at /mturk/sandbox/ and stops after the HIT and the balance:
in the sandbox the organisation's own staff do the work, through the pages.
"""

import html
import http.cookiejar
import os
import re
import sys
import threading
import time
import urllib.parse
import urllib.request

import boto3

QUESTION = """<HTMLQuestion xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2011-11-11/HTMLQuestion.xsd">
  <HTMLContent><![CDATA[<!DOCTYPE html><html><body>
    <form name="mturk_form" method="post" id="mturk_form" action="https://www.mturk.com/mturk/externalSubmit">
      <input type="hidden" value="" name="assignmentId" id="assignmentId"/>
      <p>Is there a cat in the picture?</p>
      <label><input type="radio" name="cat" value="yes"> yes</label>
      <label><input type="radio" name="cat" value="no"> no</label>
      <input type="submit" value="Submit"/>
    </form>
    <script>document.getElementById('assignmentId').value = new URLSearchParams(location.search).get('assignmentId');
    </script></body></html>]]></HTMLContent>
  <FrameHeight>450</FrameHeight>
</HTMLQuestion>"""


def requester(base, sandbox):
    # --- the requester's script: as written for MTurk, but for these two lines ---
    client = boto3.client("mturk", region_name="us-east-1",
                          endpoint_url=base + ("/mturk/sandbox/" if sandbox else "/mturk/"))
    print("balance before:", client.get_account_balance()["AvailableBalance"])
    hit = client.create_hit(
        Title="Is there a cat?", Description="Look at one picture and say whether a cat is in it.",
        Keywords="images, cats, estimate:2" + ("" if sandbox else ", coop:tana"), Reward="0.50", MaxAssignments=2,
        LifetimeInSeconds=3600, AssignmentDurationInSeconds=600, AutoApprovalDelayInSeconds=86400, Question=QUESTION)
    hit_id = hit["HIT"]["HITId"]
    print("HIT:", hit_id, hit["HIT"]["HITStatus"])
    if sandbox:  # the work is the organisation's own staff's, through the pages (docs/sandbox.md)
        balance = client.get_account_balance()
        print("sandbox balance after:", balance["AvailableBalance"], "on hold:", balance["OnHoldBalance"])
        return hit_id
    while True:
        submitted = client.list_assignments_for_hit(HITId=hit_id, AssignmentStatuses=["Submitted"])["Assignments"]
        if len(submitted) == 2:
            break
        time.sleep(2)
    good, bad = sorted(submitted, key=lambda a: "yes" not in a["Answer"])
    print("answers:", [re.findall(r"<FreeText>(.*?)</FreeText>", a["Answer"]) for a in (good, bad)])
    client.approve_assignment(AssignmentId=good["AssignmentId"], RequesterFeedback="Thanks!")
    client.reject_assignment(AssignmentId=bad["AssignmentId"],
                             RequesterFeedback="[reason:wrong_answer] There is a cat on the sofa, left of the lamp.")
    client.send_bonus(WorkerId=good["WorkerId"], AssignmentId=good["AssignmentId"], BonusAmount="0.25",
                      Reason="Quick and careful work.", UniqueRequestToken=f"bonus-{hit_id}")
    statuses = {a["AssignmentId"]: a["AssignmentStatus"]
                for a in client.list_assignments_for_hit(HITId=hit_id)["Assignments"]}
    print("assignments:", sorted(statuses.values()))
    bonuses = client.list_bonus_payments(HITId=hit_id)["BonusPayments"]
    print("bonuses:", [(b["BonusAmount"], b["Reason"]) for b in bonuses])
    balance = client.get_account_balance()
    print("balance after:", balance["AvailableBalance"], "on hold:", balance["OnHoldBalance"])
    return hit_id


class Browser:
    """A member's browser: cookies, CSRF tokens, forms."""

    def __init__(self, base):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, path):
        with self.opener.open(self.base + path) as response:
            return response.geturl(), response.read().decode()

    def post(self, path, data, referer=None):
        csrf = next((c.value for c in self.jar if c.name == "csrftoken"), "")
        request = urllib.request.Request(self.base + path, data=urllib.parse.urlencode(data).encode(),
                                         headers={"X-CSRFToken": csrf, "Referer": referer or self.base + path})
        with self.opener.open(request) as response:
            return response.geturl(), response.read().decode()

    def log_in(self, email, password):
        _url, page = self.get("/accounts/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]
        self.post("/accounts/login/", {"csrfmiddlewaretoken": token, "username": email, "password": password})


def member(base, email, answer, title="Is there a cat?"):
    browser = Browser(base)
    browser.log_in(email, os.environ.get("DEMO_PASSWORD", "atelier-demo"))
    for _ in range(60):
        _url, feed = browser.get("/work/")
        found = re.search(r'href="/work/projects/(\d+)/"[^>]*>(?:<span[^>]*>)?\s*' + re.escape(title), feed)
        if found:
            break
        time.sleep(1)
    project = found[1]
    work_url, page = browser.post(f"/work/projects/{project}/claim/", {}, referer=f"{base}/work/projects/{project}/")
    frame = html.unescape(re.search(r'<iframe class="task-frame" src="([^"]+)"', page)[1])
    _url, question = browser.get(frame)  # the question's own page, in its sandboxed frame
    assert "mturk_form" in question
    assignment = urllib.parse.parse_qs(urllib.parse.urlparse(frame).query)["assignmentId"][0]
    # the frame is sandboxed (no cookies): its form posts to turkSubmitTo/mturk/externalSubmit
    plain = urllib.request.Request(base + "/mturk/externalSubmit",
                                   data=urllib.parse.urlencode({"assignmentId": assignment, "cat": answer}).encode())
    with urllib.request.urlopen(plain) as response:
        print(f"{email} submitted {answer!r}:", response.status)


def main():
    base = os.environ.get("ATELIER_URL", "http://127.0.0.1:8000").rstrip("/")
    sandbox = "--sandbox" in sys.argv
    workers = [threading.Thread(target=member, args=(base, email, answer))
               for email, answer in (("member@tana.example", "yes"), ("member2@tana.example", "no"))]
    if not sandbox:  # in the sandbox the organisation's own staff do the work (docs/sandbox.md)
        for worker in workers:
            worker.start()
    requester(base, sandbox)
    for worker in workers:
        if worker.is_alive():
            worker.join(timeout=1)


if __name__ == "__main__":
    main()
