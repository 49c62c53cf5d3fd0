"""A requester builds a bounding-box task from its template in the builder, without writing
JSON, and a member draws boxes on it with a finger and with a mouse (issue 20). On a
390-pixel phone, in French, following only links and buttons (tests/browser/walks.py)."""

import json

import pytest
from playwright.sync_api import expect

from tasks.models import Assignment, Project
from tasks.questions.presets import preset_of
from tests.browser.walks import Walker
from tests.factories import CoopFactory, UserFactory, member, open_project, operator, organisation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def touch_drag(page, start, end, steps=6):
    """A finger drawn across the screen: real touch events (Chromium makes pointer events of them)."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": start[0], "y": start[1]}]})
    for i in range(1, steps + 1):
        x = start[0] + (end[0] - start[0]) * i / steps
        y = start[1] + (end[1] - start[1]) * i / steps
        cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [{"x": x, "y": y}]})
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    cdp.detach()


def test_a_requester_builds_a_box_task_from_a_template_and_a_member_draws_boxes(live_server, browser, tmp_path,
                                                                             allow_async_unsafe):
    from ledger.services import deposit_record

    coop = CoopFactory(name="Coop Antananarivo", slug="tana")
    org = organisation(owner=UserFactory(email="mireille@ravina.example"), name="Ravina Labs")
    deposit_record(operator=operator(), organisation=org, amount=10_000, reference="VIR-1")
    fara = member(coop, user=UserFactory(email="fara@tana.example")).user

    walk = Walker(browser, live_server.url, "builder", "mireille", lang="fr")
    page = walk.log_in(org.owner.email)
    walk.menu("Projets")
    page.get_by_role("link", name="Partir d'un modèle").click()
    walk.step("modeles")
    page.get_by_role("link", name="Démarrer un projet : Cadres de délimitation").click()
    builder = page.locator("#form-builder")
    expect(builder).to_be_visible()
    expect(builder.locator(".builder-field legend").first).to_contain_text("Cadres sur une image")
    box = page.locator("#id_question_form")
    original = box.input_value()
    assert json.loads(original)[0]["classes"] == ["vehicle", "person"]
    expect(page.locator("#builder-preview .bbox-stage")).to_be_visible()
    expect(page.locator("#builder-columns")).to_contain_text("image_url")
    walk.step("constructeur")

    # a change and its undoing give back the same JSON, byte for byte
    label = builder.locator(".builder-field").first.locator("[data-key=label]")
    label.fill("Encadrez chaque véhicule")
    assert json.loads(box.input_value())[0]["label"] == "Encadrez chaque véhicule"
    label.fill("Box every vehicle and person")
    assert box.input_value() == original

    # add a Likert question, see it in the member's view, move it up, then remove it
    page.select_option("#builder-kind", "likert")
    page.get_by_role("button", name="Ajouter une question").click()
    second = builder.locator(".builder-field").nth(1)
    second.locator("[data-key=label]").fill("Image nette ?")
    expect(page.locator("#builder-preview .likert")).to_be_visible()
    second.get_by_role("button", name="Monter").click()
    assert [f["type"] for f in json.loads(box.input_value())] == ["likert", "bounding_boxes"]
    # a mistake is shown on its question, with its path, in French
    boxes_card = builder.locator(".builder-field").nth(1)
    boxes_card.locator("[data-key=classes]").fill("")
    expect(boxes_card.locator(".builder-errors li[data-path='[1].classes']")).to_contain_text("classes d'étiquettes")
    boxes_card.locator("[data-key=classes]").fill("vehicle\nperson")
    expect(boxes_card.locator(".builder-errors li")).to_have_count(0)
    builder.locator(".builder-field").first.get_by_role("button", name="Retirer").click()
    assert box.input_value() == original
    walk.step("constructeur-modifie")

    page.select_option("#coop", str(coop.pk))
    page.fill("#id_reward", "0,50")
    page.fill("#id_estimated_minutes", "2")
    page.locator("main form.card button[type=submit]").click()
    project = Project.objects.get(organisation=org)
    assert project.question_form[0]["type"] == "bounding_boxes"
    picture = f"{live_server.url}/static/img/preview.svg"
    csv_file = tmp_path / "rues.csv"
    csv_file.write_text(f"image_url\n{picture}\n")
    page.set_input_files("input[type=file]", str(csv_file))
    page.get_by_role("button", name="Envoyer").click()
    expect(page.locator("#import-message")).to_contain_text("1")
    page.locator("main").get_by_role("link", name=project.title).click()
    page.get_by_role("link", name="Publier", exact=True).click()
    page.get_by_role("button", name="Confirmer : publier pour").click()
    expect(page.locator(".messages")).to_be_visible()
    walk.close()

    # the member draws one box with a finger and one with a mouse
    hand = Walker(browser, live_server.url, "builder", "fara", context_args={"has_touch": True}, lang="fr")
    page = hand.log_in(fara.email)
    hand.menu("Travail")
    page.locator(f"#project-{project.pk}").get_by_role("button", name="Prendre une tâche").click()
    stage = page.locator(".bbox-stage")
    expect(stage).to_be_visible()
    expect(page.locator(".bbox-text")).to_be_hidden()
    image = page.locator(".bbox-image")
    page.wait_for_function("document.querySelector('.bbox-image').naturalWidth > 0")
    frame = image.bounding_box()
    scale = 640 / frame["width"]
    touch_drag(page, (frame["x"] + 20, frame["y"] + 20), (frame["x"] + 120, frame["y"] + 100))
    expect(page.locator(".bbox-list li")).to_have_count(1)
    page.get_by_label("person", exact=True).check()
    page.mouse.move(frame["x"] + 150, frame["y"] + 30)
    page.mouse.down()
    page.mouse.move(frame["x"] + 200, frame["y"] + 60, steps=5)
    page.mouse.up()
    expect(page.locator(".bbox-list li")).to_have_count(2)
    expect(page.locator(".bbox-box")).to_have_count(2)
    hand.step("cadres")
    page.get_by_role("button", name="Rendre", exact=True).click()
    hand.step("rendue")
    hand.close()
    hand.assert_light(60_000)  # the member's pages stay light with the drawing script and the picture

    boxes = Assignment.objects.get(member=fara).answers["boxes"]
    assert [b["label"] for b in boxes] == ["vehicle", "person"]
    for b, (x, y, w, h) in zip(boxes, [(20, 20, 100, 80), (150, 30, 50, 30)], strict=True):
        assert abs(b["x"] - x * scale) <= 3 and abs(b["y"] - y * scale) <= 3
        assert abs(b["w"] - w * scale) <= 3 and abs(b["h"] - h * scale) <= 3


def test_without_javascript_a_member_still_answers_a_box_task_by_typing_the_boxes(live_server, browser,
                                                                                  allow_async_unsafe):
    coop = CoopFactory(name="Coop Antananarivo", slug="tana")
    fara = member(coop, user=UserFactory(email="fara@tana.example")).user
    project = open_project(coop, tasks=1, title="Rues", question_form=preset_of("bounding-boxes").form)
    project.tasks.update(data={"image_url": f"{live_server.url}/static/img/preview.svg"})

    hand = Walker(browser, live_server.url, "builder-nojs", "fara", context_args={"java_script_enabled": False},
                  lang="fr")
    page = hand.log_in(fara.email)
    hand.menu("Travail")
    page.locator(f"#project-{project.pk}").get_by_role("button", name="Prendre une tâche").click()
    expect(page.locator("main")).to_contain_text("Tracer des cadres demande JavaScript")
    expect(page.get_by_role("link", name="Ouvrir l'image en taille réelle")).to_be_visible()
    page.locator("textarea[name=boxes]").fill("vehicle: 10 20 300 150\nperson: 400 50 60 200")
    hand.step("sans-javascript")
    page.get_by_role("button", name="Rendre", exact=True).click()
    hand.close()
    assert Assignment.objects.get(member=fara).answers["boxes"] == [
        {"x": 10, "y": 20, "w": 300, "h": 150, "label": "vehicle"},
        {"x": 400, "y": 50, "w": 60, "h": 200, "label": "person"}]
