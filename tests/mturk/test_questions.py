"""MTurk's question XML in, QuestionFormAnswers out (tasks/mturk/questions.py): each kind of
question read, a QuestionForm mapped to Atelier's form, what Atelier cannot run refused by name,
and answers written back as MTurk writes them."""

import json
from xml.etree import ElementTree

import pytest

from tasks.mturk import questions
from tasks.mturk.protocol import MturkError
from tests.mturk.conftest import HTML

NS = 'xmlns="http://mechanicalturk.amazonaws.com/AWSMechanicalTurkDataSchemas/2017-11-06/QuestionForm.xsd"'
FORM = f"""<QuestionForm {NS}>
  <Overview><Title>Receipts</Title><Text>Type what you read.</Text></Overview>
  <Question><QuestionIdentifier>total</QuestionIdentifier><DisplayName>Total</DisplayName>
    <IsRequired>true</IsRequired>
    <AnswerSpecification><FreeTextAnswer><Constraints><IsNumeric minValue="0" maxValue="100000"/></Constraints>
    </FreeTextAnswer></AnswerSpecification></Question>
  <Question><QuestionIdentifier>shop</QuestionIdentifier>
    <QuestionContent><Text>Shop name?</Text></QuestionContent>
    <AnswerSpecification><FreeTextAnswer><Constraints><Length minLength="2" maxLength="80"/></Constraints>
    </FreeTextAnswer></AnswerSpecification></Question>
  <Question><QuestionIdentifier>kinds</QuestionIdentifier><DisplayName>What is sold?</DisplayName>
    <AnswerSpecification><SelectionAnswer><StyleSuggestion>checkbox</StyleSuggestion><Selections>
      <Selection><SelectionIdentifier>f</SelectionIdentifier><Text>Food</Text></Selection>
      <Selection><SelectionIdentifier>t</SelectionIdentifier><Text>Tools</Text></Selection>
    </Selections></SelectionAnswer></AnswerSpecification></Question>
</QuestionForm>"""


def test_an_html_question_is_shown_in_a_frame():
    question = questions.question_parse(HTML)
    assert question.kind == "html" and question.frame_height == 450 and "mturk_form" in question.html


def test_an_external_question_needs_https():
    xml = ('<ExternalQuestion><ExternalURL>https://tasks.example/q?id=1</ExternalURL>'
           '<FrameHeight>0</FrameHeight></ExternalQuestion>')
    question = questions.question_parse(xml)
    assert (question.kind, question.external_url, question.frame_height) == (
        "external", "https://tasks.example/q?id=1", 600)  # 0 means "fit": the default height
    with pytest.raises(MturkError, match="https ExternalURL"):
        questions.question_parse(xml.replace("https://", "http://"))


def test_a_question_form_becomes_atelier_fields():
    question = questions.question_parse(FORM)
    assert question.kind == "form" and question.overview.startswith("Receipts")
    total, shop, kinds = question.form
    assert total == {"name": "total", "type": "number", "label": "Total", "required": True, "integer": True,
                     "min": 0, "max": 100000}
    assert (shop["type"], shop["label"], shop["min_length"], shop["max_length"]) == ("text", "Shop name?", 2, 80)
    assert (kinds["type"], kinds["choices"], kinds["required"]) == ("multiple_choice", ["Food", "Tools"], False)
    assert question.answer_map["kinds"] == {"id": "kinds", "choices": {"Food": "f", "Tools": "t"}}


@pytest.mark.parametrize(("xml", "message"), [
    ("", "Question is required"),
    ("<HTMLQuestion><HTMLContent>", "not well-formed XML"),
    ('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e "boom">]><HTMLQuestion/>', "DOCTYPE"),
    ("<HTMLQuestion><FrameHeight>400</FrameHeight></HTMLQuestion>", "needs HTMLContent"),
    ("<HTMLQuestion><HTMLContent>x</HTMLContent><FrameHeight>tall</FrameHeight></HTMLQuestion>", "whole number"),
    ("<SurveyQuestion/>", "not SurveyQuestion"),
    (f"<QuestionForm {NS}></QuestionForm>", "at least one Question"),
    (FORM.replace("<Length", "<AnswerFormatRegex regex='x'/><Length"), "AnswerFormatRegex is not supported"),
    (FORM.replace("<Selection><SelectionIdentifier>t", "<OtherSelection/><Selection><SelectionIdentifier>t"),
     "OtherSelection is not supported"),
    ("<HTMLQuestion><HTMLContent>" + "x" * 70_000 + "</HTMLContent></HTMLQuestion>", "larger than 64 kilobytes"),
])
def test_what_atelier_cannot_run_is_refused_by_name(xml, message):
    with pytest.raises(MturkError, match=message):
        questions.question_parse(xml)


def test_answers_of_a_form_are_written_as_mturk_writes_them():
    question = questions.question_parse(FORM)
    xml = questions.answers_xml(kind="form", answers={"kinds": ["Tools", "Food"], "total": 4500, "shop": "A & B"},
                                answer_map=question.answer_map, form=question.form)
    root = ElementTree.fromstring(xml)
    answers = [(a[0].text, [(c.tag.rsplit("}", 1)[-1], c.text) for c in a[1:]]) for a in root]
    assert answers == [("total", [("FreeText", "4500")]), ("shop", [("FreeText", "A & B")]),
                       ("kinds", [("SelectionIdentifier", "t"), ("SelectionIdentifier", "f")])]
    assert questions.answers_xml(kind="form", answers=None, answer_map={}) is None


def test_answers_posted_by_a_frame_are_kept_in_order_and_grouped():
    posted = questions.frame_answer([["cat", "yes"], ["tags", "a"], ["tags", "b"]])
    assert json.loads(posted) == [["cat", "yes"], ["tags", "a"], ["tags", "b"]]
    xml = questions.answers_xml(kind="html", answers={questions.ANSWER_FIELD: posted}, answer_map={})
    root = ElementTree.fromstring(xml)
    assert [(a[0].text, a[1].text) for a in root] == [("cat", "yes"), ("tags", "a|b")]
