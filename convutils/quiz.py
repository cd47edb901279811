"""``convutils.quiz``: short self-checks with instant feedback, answers computed at build time.

A chapter builds its questions from the numbers `convutils` computes, so a question and its
answer can never drift apart. The object :func:`quiz` returns displays itself as

- ``text/html``: a small form per question with a few lines of inline JavaScript that compare
  the reader's answer with the stored one. It needs no kernel, loads nothing (no CDN, no
  MathJax) and works in the HTML book, in JupyterLab and in Colab;
- ``text/plain``: the questions with their answers at the end, for the PDF.

A question is answered either by choosing one of ``choices`` or by typing numbers. Typed
answers are compared as the list of numbers they contain, so ``(2, 3, 3)``, ``2 x 3 x 3`` and
``[2,3,3]`` all match the shape ``(2, 3, 3)``; in ``Y[1, 1] = 120`` only what follows the last
``=`` counts.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

_NAME = re.compile(r"^[a-z][a-z0-9-]*$")


@dataclass(frozen=True)
class Question:
    """One question: ``answer`` is the right choice (text) or the expected numbers; ``hint``
    follows a wrong answer and ``why`` (one line) a right one."""

    prompt: str
    answer: str | int | float | Sequence[int | float]
    hint: str
    choices: Sequence[str] = field(default_factory=tuple)
    why: str = ""

    def __post_init__(self) -> None:
        if not self.prompt or not self.hint or not self.why:
            raise ValueError(
                "a question needs a prompt, a hint for a wrong answer and a why for a right one"
            )
        if self.choices:
            if not isinstance(self.answer, str) or self.answer not in self.choices:
                raise ValueError(
                    f"answer {self.answer!r} is not one of the choices {list(self.choices)}"
                )
        elif not self.numbers():
            raise ValueError(f"a typed answer must be numbers, got {self.answer!r}")

    def numbers(self) -> list[float]:
        """The expected answer as a flat list of numbers (typed questions)."""
        value = self.answer
        if isinstance(value, str):
            return [float(x) for x in re.findall(r"-?\d+(?:\.\d+)?", value)]
        return [float(x) for x in np.ravel(np.asarray(value, dtype=float))]

    def shown_answer(self) -> str:
        if self.choices:
            return str(self.answer)
        numbers = [int(x) if x.is_integer() else x for x in self.numbers()]
        return str(numbers[0]) if len(numbers) == 1 else str(tuple(numbers))


def _inline(text: str) -> str:
    """Escape ``text`` for HTML and turn ```code``` spans into ``<code>``."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", html.escape(text))


# Colours from the page theme when there is one (the book, light or dark), with fallbacks
# elsewhere; each form paints its own background, so the text keeps its contrast whatever
# box the output sits in. The state is also said in words and with a mark, not by colour alone.
_STYLE = """<style>
.cu-quiz{margin:1em 0;display:grid;gap:.75em}
.cu-quiz form{border:1px solid var(--pst-color-border,#8a8a8a);border-radius:6px;
padding:.6em .9em;margin:0;background:var(--pst-color-background,#fff);
color:var(--pst-color-text-base,#1f1f1f)}
.cu-quiz fieldset{border:0;margin:0;padding:0;min-width:0}
.cu-quiz legend{padding:0;font-weight:600;font-size:1em;line-height:inherit;margin-bottom:.3em;
float:none;width:auto}
.cu-quiz label{display:flex;gap:.5em;align-items:center;min-height:24px;margin:.15em 0}
.cu-quiz input[type=radio]{width:20px;height:20px;margin:0}
.cu-quiz input[type=text]{min-height:32px;padding:0 .4em;font:inherit;max-width:14em;
color:inherit;background:transparent;border:1px solid var(--pst-color-border,#8a8a8a);
border-radius:4px}
.cu-quiz button{min-height:32px;min-width:24px;padding:0 .9em;margin-top:.35em;font:inherit;
border-radius:4px;border:1px solid currentColor;background:transparent;color:inherit;
cursor:pointer}
.cu-quiz :focus-visible{outline:3px solid var(--pst-color-primary,#1a5fb4);outline-offset:2px}
.cu-quiz .cu-feedback{margin:.4em 0 0}
.cu-quiz .cu-feedback:empty{display:none}
.cu-quiz .cu-right{color:var(--pst-color-success,#1b6e20)}
.cu-quiz .cu-wrong{color:var(--pst-color-danger,#b3261e)}
</style>"""

# Runs once per quiz; finds its own quiz through the script element, so it needs no ids and
# works wherever the output is placed (book page, JupyterLab, Colab's output frame).
_SCRIPT = """<script>(function () {
  var root = document.currentScript.parentNode;
  function numbers(text) {
    return (text.match(/-?\\d+(?:\\.\\d+)?/g) || []).map(Number);
  }
  root.querySelectorAll("form").forEach(function (form) {
    var data = JSON.parse(form.dataset.check);
    var out = form.querySelector(".cu-feedback");
    function check() {
      var right;
      if (data.choice !== undefined) {
        var picked = form.querySelector("input[type=radio]:checked");
        if (!picked) {
          out.className = "cu-feedback";
          out.textContent = "Choose an answer first.";
          return;
        }
        right = picked.value === data.choice;
      } else {
        // "Y[1, 1] = 120" answers with 120: only what follows the last "=" counts.
        var typed = form.querySelector("input[type=text]").value;
        var got = numbers(typed.slice(typed.lastIndexOf("=") + 1));
        right = got.length === data.numbers.length && got.every(function (x, n) {
          return Math.abs(x - data.numbers[n]) <= 1e-9 * Math.max(1, Math.abs(data.numbers[n]));
        });
      }
      out.className = "cu-feedback " + (right ? "cu-right" : "cu-wrong");
      out.textContent = right
        ? "\\u2714 Correct. " + data.why
        : "\\u2718 Not yet. Hint: " + data.hint;
    }
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      check();
    });
    // Enter in the text box checks too (JupyterLab's output area blocks implicit submission).
    form.querySelectorAll("input[type=text]").forEach(function (box) {
      box.addEventListener("keydown", function (event) {
        if (event.key === "Enter") {
          event.preventDefault();
          check();
        }
      });
    });
  });
})();</script>"""


class Quiz:
    """A few questions shown as forms with instant feedback (see the module docstring)."""

    def __init__(self, name: str, questions: Sequence[Question]) -> None:
        if not _NAME.match(name):
            raise ValueError(f"quiz name must be lowercase letters, digits and '-', got {name!r}")
        if not questions:
            raise ValueError("a quiz needs at least one question")
        self.name = name
        self.questions = list(questions)

    def _form(self, n: int, q: Question) -> str:
        qid = f"cu-quiz-{self.name}-{n}"
        check: dict[str, object] = {"hint": q.hint, "why": q.why}
        if q.choices:
            check["choice"] = str(q.answer)
            options = "".join(
                f'<label><input type="radio" name="{qid}" value="{html.escape(c)}">'
                f"<span>{_inline(c)}</span></label>"
                for c in q.choices
            )
            body = f"<fieldset><legend>{n}. {_inline(q.prompt)}</legend>{options}</fieldset>"
        else:
            check["numbers"] = q.numbers()
            body = (
                f'<label for="{qid}" style="display:block"><b>{n}. {_inline(q.prompt)}</b></label>'
                f'<input type="text" id="{qid}" autocomplete="off" spellcheck="false">'
            )
        data = html.escape(json.dumps(check), quote=True)
        return (
            f'<form data-check="{data}" aria-label="Question {n}">{body} '
            f'<button type="submit">Check</button>'
            f'<p class="cu-feedback" role="status" aria-live="polite"></p></form>'
        )

    def _repr_html_(self) -> str:
        forms = "".join(self._form(n, q) for n, q in enumerate(self.questions, start=1))
        # data-lm-suppress-shortcuts: JupyterLab leaves the keys (Enter, Space) to the form.
        return (
            f'<div class="cu-quiz" id="quiz-{self.name}" data-lm-suppress-shortcuts="true">'
            f"{_STYLE}{forms}{_SCRIPT}</div>"
        )

    def __repr__(self) -> str:
        lines = [f"{n}. {q.prompt}" for n, q in enumerate(self.questions, start=1)]
        for n, q in enumerate(self.questions, start=1):
            if q.choices:
                lines[n - 1] += "  (" + " / ".join(q.choices) + ")"
        answers = "; ".join(
            f"{n}. {q.shown_answer()}" for n, q in enumerate(self.questions, start=1)
        )
        return "\n".join([*lines, "", f"Answers: {answers}"])


def quiz(name: str, questions: Sequence[Question]) -> Quiz:
    """Self-check ``questions`` under a page-unique ``name`` (e.g. ``"two-channels"``)."""
    return Quiz(name, questions)
