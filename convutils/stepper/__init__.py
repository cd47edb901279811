"""``convutils.stepper``: step a shaded window across the example, live or in the static book.

One front end, ``stepper.js`` and ``stepper.css`` (an anywidget module), drawn by the live
widget and by the HTML book's pages alike; :mod:`convutils.stepper.widget` holds the Python
side (the synced traits, the checks, the static page's HTML) and
:mod:`convutils.stepper.png` the picture the PDF shows.
"""

from convutils.stepper.widget import MAX_PRODUCTS, Stepper, stepper

__all__ = ["MAX_PRODUCTS", "Stepper", "stepper"]
