"""The web studio: the page and its files, the notes endpoint, and the whole loop in a real headless Chromium.

The browser test needs Debian's ``chromium`` and ``chromium-driver`` and the ``selenium``
package; without them it fails (it does not skip) and says how to install them.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from musigen_agent.http import create_app
from musigen_agent.http.app import running
from musigen_agent.keys import create_key

CHROMEDRIVER = Path("/usr/bin/chromedriver")
INSTALL = (
    "The web studio test drives a real headless Chromium: install it with "
    "`apt-get install -y chromium chromium-driver` and `pip install selenium` (the [test] extra)."
)


def test_the_page_and_its_files_are_served_without_a_key(services) -> None:
    with TestClient(create_app(services, require_keys=True), base_url="http://127.0.0.1") as http:
        for path in ("/", "/studio"):
            page = http.get(path)
            assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
            assert "script-src 'self'" in page.headers["content-security-policy"]
            assert "__REFINE_EXAMPLES__" not in page.text and "no drums in the intro" in page.text
            assert "http://" not in page.text and "https://" not in page.text  # nothing from the internet
        js, css = http.get("/studio/studio.js"), http.get("/studio/studio.css")
        assert js.status_code == 200 and js.headers["content-type"].startswith("text/javascript")
        assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
        assert "https://" not in js.text and "@import" not in css.text
        missing = http.get("/studio/..%2Fapp.py")
        assert missing.status_code == 404 and missing.headers["content-type"].startswith("application/problem+json")
        assert http.get("/studio/index.html").status_code == 404
        assert http.get("/v1/tracks/t0/versions/1/notes").status_code == 401  # data still needs a key


def test_notes_of_a_version_are_in_beats_with_the_mix(services) -> None:
    view = services.compose("a short calm piano piece with bass", {"length": 12, "meter": "3/4"})
    track_id = view["track_id"]
    services.refine(track_id, ops=[{"op": "mix", "part": view["summary"]["parts"][0]["name"], "gain_db": -6}])
    with TestClient(create_app(services), base_url="http://127.0.0.1") as http:
        notes = http.get(f"/v1/tracks/{track_id}/versions/2/notes").json()
        assert notes["version"] == 2 and notes["beats_per_bar"] == 3
        assert notes["beats"] == view["summary"]["bars"] * 3
        assert [s["name"] for s in notes["sections"]] == [s["name"] for s in view["summary"]["sections"]]
        first = notes["parts"][0]
        assert first["mix"]["gain_db"] == -6 and first["mix"]["mute"] is False
        assert len(first["notes"]) == view["summary"]["parts"][0]["notes"]
        start, duration, pitch, velocity = first["notes"][0]
        assert 0 <= start < notes["beats"] and duration > 0 and 0 <= pitch < 128 and 0 < velocity < 128
        assert http.get(f"/v1/tracks/{track_id}/versions/1/notes").json()["parts"][0]["mix"]["gain_db"] == 0
        gone = http.get(f"/v1/tracks/{track_id}/versions/9/notes")
        assert gone.status_code == 404 and gone.json()["type"] == "/problems/not-found"


@pytest.fixture
def browser(tmp_path: Path):
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        pytest.fail(f"selenium is not installed. {INSTALL}")
    if not CHROMEDRIVER.exists() or not (shutil.which("chromium") or shutil.which("chromium-browser")):
        pytest.fail(f"chromium or chromedriver is missing. {INSTALL}")
    options = webdriver.ChromeOptions()
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--window-size=1400,1250",
        f"--user-data-dir={tmp_path / 'chromium'}",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def test_a_musician_composes_refines_mixes_renders_and_reverts(services, browser, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    def wait(condition, what: str, seconds: float = 20):
        return WebDriverWait(browser, seconds).until(lambda d: condition(), message=f"waiting for {what}")

    def text(css: str) -> str:
        found = browser.find_elements(By.CSS_SELECTOR, css)
        return found[0].text if found else ""

    def versions() -> int:
        return len(browser.find_elements(By.CSS_SELECTOR, "#versions li"))

    with running(create_app(services)) as url, httpx.Client(base_url=url, timeout=30) as http:
        browser.get(url + "/")
        wait(lambda: len(browser.find_elements(By.CSS_SELECTOR, "#f-genre option")) > 5, "the genre options")

        # Describe -> Compose: the summary shows what the server stored.
        description = "a calm lo-fi piece with piano and soft drums, 90 bpm, about a minute"
        browser.find_element(By.ID, "description").send_keys(description)
        browser.find_element(By.ID, "compose").click()
        wait(lambda: text("[data-fact=tempo] b") == "90 bpm", "the composed tempo")
        track_id = browser.execute_script("return location.hash").lstrip("#").split("/")[0]
        stored = http.get(f"/v1/tracks/{track_id}").json()["summary"]
        assert text("[data-fact=key] b") == stored["key"] and text("#title") == stored["title"]
        assert "90 bpm" in text("#provenance")
        assert text("[data-fact=version] b").startswith("v1")

        # The piano roll drew notes (many colours, not just the background).
        colours = browser.execute_script(
            "const c = document.getElementById('roll'); const d = c.getContext('2d')"
            ".getImageData(0, 0, c.width, c.height).data; const seen = new Set();"
            "for (let i = 0; i < d.length; i += 16) seen.add((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]);"
            "return seen.size;"
        )
        assert colours > 20, f"the piano roll looks blank ({colours} colours)"

        # Refine in words: a second version, slower, and the ops it applied are listed with their words.
        browser.find_element(By.ID, "instruction").send_keys("slower and no drums in the intro")
        browser.find_element(By.ID, "refine-go").click()
        wait(lambda: versions() == 2 and text("[data-fact=version] b").startswith("v2"), "version 2")
        assert int(text("[data-fact=tempo] b").split()[0]) < 90
        applied = text("#applied")
        assert "set_tempo" in applied and "mute_in" in applied and "no drums in the intro" in applied

        # Mixer: mute a part -> version 3 with that part muted.
        part = stored["parts"][0]["name"]
        browser.find_element(By.CSS_SELECTOR, f".mute[data-part='{part}']").click()
        wait(lambda: versions() == 3 and text("[data-fact=version] b").startswith("v3"), "version 3")
        mute = browser.find_element(By.CSS_SELECTOR, f".mute[data-part='{part}']")
        assert mute.get_attribute("aria-pressed") == "true"
        assert http.get(f"/v1/tracks/{track_id}/versions/3/notes").json()["parts"][0]["mix"]["mute"] is True

        # Render -> the player plays a file the server serves as audio; the download links list it.
        browser.find_element(By.ID, "render").click()
        wait(lambda: browser.find_element(By.ID, "player").get_attribute("src"), "the audio player's source")
        audio = http.get(browser.find_element(By.ID, "player").get_attribute("src"))
        assert audio.status_code == 200 and audio.headers["content-type"] == "audio/mpeg"
        assert len(audio.content) > 10_000
        wait(lambda: browser.find_elements(By.CSS_SELECTOR, "#downloads a[data-format=mp3]"), "the mp3 download link")

        screenshot = Path(os.environ.get("MUSIGEN_STUDIO_SCREENSHOT") or tmp_path / "studio.png")
        browser.execute_script("window.scrollTo(0, 0)")
        browser.save_screenshot(str(screenshot))

        # Revert to version 1 -> version 4 with the original tempo.
        browser.find_element(By.CSS_SELECTOR, ".revert[data-version='1']").click()
        wait(lambda: versions() == 4 and text("[data-fact=version] b").startswith("v4"), "version 4")
        assert text("[data-fact=tempo] b") == "90 bpm"
        assert "revert to version 1" in text("#versions li:first-child")

        # A bad field: the problem document is shown inline, naming the field and its range.
        browser.find_element(By.CSS_SELECTOR, "#more-fields summary").click()
        browser.find_element(By.ID, "f-tempo").send_keys("999")
        browser.find_element(By.ID, "compose").click()
        wait(lambda: browser.find_element(By.ID, "compose-error").is_displayed(), "the inline error")
        error = text("#compose-error")
        assert "tempo" in text("#compose-error .field") and "999" in error and "20 to 300" in error
        assert "bad" in browser.find_element(By.ID, "f-tempo").get_attribute("class")

        severe = [e for e in browser.get_log("browser") if e["level"] == "SEVERE" and "422" not in e["message"]]
        assert not severe, severe


def test_with_keys_required_the_page_asks_for_a_key_and_sends_it(services, browser) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    token, _ = create_key(services.registry.db, "studio", ["compose"])
    with running(create_app(services, require_keys=True)) as url:
        browser.get(url + "/")
        wait = WebDriverWait(browser, 20)
        wait.until(lambda d: d.find_element(By.ID, "tracks-error").is_displayed(), "the 401 shown inline")
        assert "API key" in browser.find_element(By.ID, "tracks-error").text
        assert browser.find_element(By.ID, "key-box").get_attribute("open") is not None
        browser.find_element(By.ID, "api-key").send_keys(token)
        browser.find_element(By.ID, "save-key").click()
        wait.until(lambda d: "No tracks yet" in d.find_element(By.ID, "track-list").text, "the track list")
        browser.find_element(By.ID, "description").send_keys("a short piano piece, 8 seconds")
        browser.find_element(By.ID, "compose").click()
        wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#versions li"), "version 1")
        browser.find_element(By.ID, "render").click()
        # Audio elements cannot send a Bearer header: the page fetches the file with the key into a blob.
        wait.until(lambda d: (d.find_element(By.ID, "player").get_attribute("src") or "").startswith("blob:"), "blob")
        assert browser.execute_script("return localStorage.getItem('musigen.apiKey')") == token
