"""The "Check yourself" questions on the built pages, in Chromium: right and wrong answers.

The answers are computed by `convutils` when the book builds; the page checks them with its
own few lines of JavaScript, with no kernel and nothing loaded from elsewhere.
"""

from __future__ import annotations

import numpy as np
import pytest
from playwright.sync_api import expect

import convutils

pytestmark = [pytest.mark.browser, pytest.mark.book]

CHAPTERS = {
    "chapters/multiple_input_channels": "two-channels",
    "chapters/multiple_output_channels": "three-outputs",
    "chapters/one_by_one_convolution": "one-by-one",
}


def _open(page, book_server: str, chapter: str):
    requests: list[str] = []
    errors: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(book_server + chapter + ".html")
    quiz = page.locator(f"#quiz-{CHAPTERS[chapter]}")
    quiz.scroll_into_view_if_needed()
    return quiz, requests, errors


def test_a_typed_answer_right_and_wrong(page, book_server):
    X, K = convutils.two_channel_example()
    Y = convutils.corr2d_multi_in(X, K)
    quiz, requests, errors = _open(page, book_server, "chapters/multiple_input_channels")
    form = quiz.locator("form").nth(2)  # "What is the output element Y[1, 1]?"
    # waits: a block far from the window is rendered (and so has text) once it is shown
    expect(form).to_contain_text("Y[1, 1]")
    box = form.get_by_role("textbox")
    feedback = form.get_by_role("status")

    box.fill(str(Y[1, 1] + 1))
    box.press("Enter")  # the keyboard alone submits
    expect(feedback).to_contain_text("Not yet")
    expect(feedback).to_contain_text("Hint:")
    assert "cu-wrong" in (feedback.get_attribute("class") or "")

    box.fill(f" {Y[1, 1]} ")
    form.get_by_role("button", name="Check").click()
    expect(feedback).to_contain_text("Correct")
    assert "cu-right" in (feedback.get_attribute("class") or "")
    assert feedback.get_attribute("aria-live") == "polite"

    # Written as an assignment, the answer is the value after the last "=".
    box.fill(f"Y[1, 1] = {Y[1, 1]}")
    box.press("Enter")
    expect(feedback).to_contain_text("Correct")
    box.fill(f"Y[1, 1] = {Y[1, 1] + 1}")
    box.press("Enter")
    expect(feedback).to_contain_text("Not yet")

    assert not errors, errors
    off_site = [u for u in requests if not u.startswith(book_server)]
    assert not off_site, off_site


def test_a_shape_accepts_any_separator_and_a_choice_by_keyboard(page, book_server):
    X, K = convutils.two_channel_example()
    K3 = convutils.three_output_kernels(K)
    quiz, _, errors = _open(page, book_server, "chapters/multiple_output_channels")
    shape = quiz.locator("form").nth(0)  # the shape of K3
    box = shape.get_by_role("textbox")
    box.fill(" x ".join(str(n) for n in K3.shape))
    box.press("Enter")
    expect(shape.get_by_role("status")).to_contain_text("Correct")
    box.fill(str(tuple(reversed(K3.shape))))
    box.press("Enter")
    expect(shape.get_by_role("status")).to_contain_text("Not yet")

    quiz3, _, errors3 = _open(page, book_server, "chapters/one_by_one_convolution")
    choice = quiz3.locator("form").filter(has=page.get_by_role("radio")).first
    radios = choice.get_by_role("radio")
    right = "It mixes the channels at each pixel"
    wrong = radios.first
    wrong.focus()
    page.keyboard.press("Space")
    assert wrong.is_checked()
    page.keyboard.press("Tab")  # from the radio group to the Check button
    page.keyboard.press("Enter")
    feedback = choice.get_by_role("status")
    expect(feedback).to_contain_text("Not yet")
    choice.get_by_label(right).check()
    choice.get_by_role("button", name="Check").click()
    expect(feedback).to_contain_text("Correct")
    assert not errors and not errors3, errors + errors3


def test_every_chapter_quiz_holds_the_answers_convutils_computes(page, book_server):
    """The stored answers are the library's numbers (the build computed them)."""
    import json

    X, K = convutils.two_channel_example()
    _, _, _ = _open(page, book_server, "chapters/multiple_input_channels")
    checks = [
        json.loads(f.get_attribute("data-check"))
        for f in page.locator("#quiz-two-channels form").all()
    ]
    assert 3 <= len(checks) <= 5
    Y = convutils.corr2d_multi_in(X, K)
    assert checks[0]["numbers"] == list(map(float, Y.shape))
    assert checks[2]["numbers"] == [float(Y[1, 1])]
    for chapter, name in CHAPTERS.items():
        page.goto(book_server + chapter + ".html")
        forms = page.locator(f"#quiz-{name} form")
        assert 3 <= forms.count() <= 5, chapter
        for n in range(forms.count()):
            data = json.loads(forms.nth(n).get_attribute("data-check"))
            assert data["hint"] and data["why"], (chapter, n)
            assert ("choice" in data) != ("numbers" in data), (chapter, n)
            if "numbers" in data:
                assert np.all(np.isfinite(data["numbers"])), (chapter, n)


@pytest.mark.lab
def test_the_questions_answer_in_jupyterlab(page, lab_server):
    """In a live notebook the same output checks answers; Enter works although JupyterLab
    would otherwise take the key (the quiz asks it not to)."""
    import re

    from conftest import wait_for_kernel_idle

    X, K = convutils.two_channel_example()
    Y = convutils.corr2d_multi_in(X, K)
    url, name = lab_server["url"], "multiple_input_channels.ipynb"
    page.set_default_timeout(60_000)
    page.goto(f"{url}lab/tree/{name}?reset")
    wait_for_kernel_idle(url, name)
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name=re.compile(r"^Run All Cells")).click()
    quiz = page.locator("#quiz-two-channels")
    quiz.wait_for(timeout=240_000)
    quiz.scroll_into_view_if_needed()
    form = quiz.locator("form").nth(2)
    box = form.get_by_role("textbox")
    box.fill(str(Y[1, 1] - 1))
    form.get_by_role("button", name="Check").click()
    expect(form.get_by_role("status")).to_contain_text("Not yet")
    box.fill(str(Y[1, 1]))
    box.press("Enter")
    expect(form.get_by_role("status")).to_contain_text("Correct")


def test_answered_questions_pass_axe_in_light_and_dark(page, book_server):
    """axe-core on the questions after a right and a wrong answer (tests/test_axe.py covers
    the pages as they load; this covers the feedback states), light and dark."""
    from conftest import ROOT

    axe = ROOT / "_vendor" / "npm" / "node_modules" / "axe-core" / "axe.min.js"
    assert axe.exists(), f"{axe} is missing: run `make npm-vendor` (vendors axe-core)"
    quiz, _, _ = _open(page, book_server, "chapters/multiple_input_channels")
    for theme in ("light", "dark"):
        page.evaluate(f"document.documentElement.dataset.theme = '{theme}'")
        for n, answer in ((0, "2, 2"), (1, "0")):
            box = quiz.locator("form").nth(n).get_by_role("textbox")
            box.fill(answer)
            box.press("Enter")
        page.add_script_tag(path=str(axe))
        violations = page.evaluate(
            "async () => (await axe.run(document.querySelector('#quiz-two-channels')))"
            ".violations.map(v => v.id + ': ' + v.nodes.map(n => n.html).join(' | '))"
        )
        assert violations == [], (theme, violations)
