"""What to try in the demo, one line per path, printed by `make run` (seed_demo) and kept in
the README's "What to try" (a test checks that every demo login is in both)."""

WHAT_TO_TRY = [
    ("applicant", "applicant@tana.example: home shows the application waiting. steward@tana.example: "
                  "Menu > Switch to Steward > Applications > Admit; the applicant is now a member."),
    ("member", "member@tana.example: Menu > Work > take a task > submit; My work; Wallet > ask for a payout."),
    ("requester", "requester@ravina.example: home is the organisation; Menu > Projects > New project > "
                  "upload a CSV > Publish > check the cost and fees > Confirm; Review queue > approve, reject with "
                  "a reason or ask for a revision; "
                  "Menu > Money. Money comes in when operator@atelier.example records a deposit (Menu > Federation)."),
    ("juror", "the juror printed above: Menu > Appeals > the appeal > Accept > vote with a reason; "
              "the member who appealed reads the decision under Appeals."),
    ("voter", "member@tana.example: Menu > Votes > the open proposal > vote; the rulebook shows the new value "
              "once it is adopted."),
    ("forums", "member@tana.example and member2@tana.example in two browsers: Menu > Forums > a room; "
               "messages appear live."),
    ("steward", "steward@tana.example: Switch to Steward: Applications, Members, Projects to review (a "
                "country-restricted project waits: approve, or refuse with a reason), Brake queue, Money, Payouts."),
    ("operator", "operator@atelier.example: Coops (create one, appoint stewards), Federation (deposits, "
                 "reconciliation), Requesters."),
]
