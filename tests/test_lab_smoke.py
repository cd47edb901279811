"""The JupyterLab fixture starts a real server that lists the chapter notebooks."""

import json
import urllib.request

import pytest

pytestmark = [pytest.mark.lab]


def test_lab_serves_the_chapters(lab_server):
    with urllib.request.urlopen(lab_server["url"] + "api/contents") as resp:
        names = {item["name"] for item in json.load(resp)["content"]}
    assert "multiple_input_channels.ipynb" in names
