"""The MTurk-compatible requester API (docs/mturk.md): AWS SDK scripts written for Mechanical
Turk's `mturk` client run against Atelier with only `endpoint_url` and the credentials changed.

It maps MTurk's operations onto Atelier's own services and selectors (a HIT type is a
project, a HIT a task, an assignment an assignment) and never writes a marketplace row
itself. Files: `sigv4.py` checks the signature, `protocol.py` speaks JSON 1.1 and the SDK's
error shapes, `questions.py` reads HTMLQuestion / ExternalQuestion / QuestionForm XML and
writes QuestionFormAnswers, `operations.py` holds one function per operation, `api.py` is the
endpoint, `views.py` the member's frame and `externalSubmit`."""
