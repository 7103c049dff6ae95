"""The web gallery in a real browser: Debian's Chromium, driven through chromedriver by selenium,
against `darkroom serve` on a temporary folder. Real photos and a bad file go in through the file
input; the grid, the image page and delete are checked against the API's JSON (read with
requests); screenshots at desktop size and 360 px wide land in build/screenshots/."""
import os, shutil, socket, subprocess, tempfile, time

import pytest
import requests
from selenium import webdriver
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.file_detector import UselessFileDetector
from selenium.webdriver.support.ui import Select, WebDriverWait

from localstack import FIXTURES, ROOT, darkroom_serve

SHOTS = os.path.join(ROOT, "build", "screenshots")


@pytest.fixture(scope="module")
def served():
    with darkroom_serve() as served:
        yield served


@pytest.fixture(scope="module")
def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium")
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,900",
                     "--force-device-scale-factor=1"):
        options.add_argument(argument)
    # chromedriver on 127.0.0.1 by address (selenium's own Service reaches it as "localhost", which a
    # machine without /etc/hosts cannot resolve).
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    driver_process = subprocess.Popen([shutil.which("chromedriver"), f"--port={port}", "--allowed-ips=127.0.0.1"],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.time() + 30
        while time.time() < deadline:
            with socket.socket() as attempt:
                if attempt.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.1)
        driver = webdriver.Remote(command_executor=f"http://127.0.0.1:{port}", options=options)
        driver.file_detector = UselessFileDetector()  # the browser is on this machine: file paths go as they are
        driver.set_script_timeout(30)
        yield driver
        driver.quit()
    finally:
        driver_process.terminate()
        driver_process.wait(timeout=10)


def wait(driver, condition, timeout=90, message=""):
    return WebDriverWait(driver, timeout, poll_frequency=0.3).until(lambda d: condition(d), message)


def shoot(driver, name, width=None):
    os.makedirs(SHOTS, exist_ok=True)
    if width:
        driver.set_window_size(width, 900)
        time.sleep(0.5)
    height = driver.execute_script("return Math.min(document.documentElement.scrollHeight, 2400)")
    driver.set_window_size(width or 1280, max(height, 700))
    time.sleep(0.3)
    driver.save_screenshot(os.path.join(SHOTS, name))
    driver.set_window_size(width or 1280, 900)


def loaded_thumbnails(driver):
    return driver.execute_script("""
        return [...document.querySelectorAll('#grid .tile img')].filter(i => i.complete && i.naturalWidth > 0)
            .map(i => i.closest('.tile').dataset.imageId);""")


@pytest.fixture(scope="module")
def uploaded(served, browser):
    """Three photos and a bad file, through the page's file input."""
    bad = os.path.join(tempfile.mkdtemp(), "not-a-photo.png")
    shutil.copy(os.path.join(FIXTURES, "document.pdf"), bad)
    browser.get(served["base"] + "/")
    wait(browser, lambda d: d.find_element(By.ID, "empty").is_displayed(), 30, "the empty gallery")
    photos = [os.path.join(ROOT, "samples", name) for name in ("path.jpg", "fallen-leaf.jpg", "colorful-cups.jpg")]
    browser.find_element(By.ID, "files").send_keys("\n".join(photos + [bad]))
    rows = wait(browser, lambda d: (lambda r: r if len(r) == 4 and all(x.get_attribute("data-state") in ("done", "refused") for x in r) else None)(
        d.find_elements(By.CSS_SELECTOR, "#uploads .upload")), 120, "four uploads settled")
    return {row.find_element(By.CSS_SELECTOR, ".name").text: row for row in rows}


def test_uploads_show_their_progress_and_outcome(uploaded, browser):
    assert uploaded["path.jpg"].get_attribute("data-state") == "done"
    assert uploaded["fallen-leaf.jpg"].get_attribute("data-state") == "done"
    assert uploaded["colorful-cups.jpg"].get_attribute("data-state") == "done"
    bad = uploaded["not-a-photo.png"]
    assert bad.get_attribute("data-state") == "refused"
    assert "not a photo format" in bad.find_element(By.CSS_SELECTOR, ".state").text
    for row in uploaded.values():
        assert float(row.find_element(By.TAG_NAME, "progress").get_attribute("value")) == 1.0


def test_the_grid_shows_the_thumbnails_and_the_bad_files_reason(uploaded, browser, served):
    listed = requests.get(served["api"] + "/images", timeout=30).json()["items"]
    completed = [i["imageId"] for i in listed if i["status"] == "COMPLETED"]
    assert len(completed) == 3 and len(listed) == 4
    wait(browser, lambda d: set(loaded_thumbnails(d)) == set(completed), 60, "both thumbnails loaded")
    tiles = [t.get_attribute("data-image-id") for t in browser.find_elements(By.CSS_SELECTOR, "#grid .tile")]
    assert set(tiles) == {i["imageId"] for i in listed}
    alts = browser.execute_script("return [...document.querySelectorAll('#grid img')].map(i => i.alt)")
    assert all(alt.startswith("Photo") for alt in alts)
    # The grid's srcset is the renditions' widths (each negotiated by Accept), never the cropped
    # square, and what the browser picked is a rendition it decoded.
    srcsets = browser.execute_script("return [...document.querySelectorAll('#grid img')].map(i => [i.srcset, i.currentSrc])")
    offered = [s for s, _ in srcsets if s]
    assert len(offered) == 3 and all("/r/" in s and "pr:w320" in s and "pr:square" not in s and "square" not in s for s in offered)
    assert all("/r/" in current for s, current in srcsets if s)
    # One candidate per width: presets wider than the photo render at its own width, offered once.
    widths = [[c.strip().rsplit(" ", 1)[1] for c in s.split(",")] for s in offered]
    assert all(len(w) == len(set(w)) for w in widths), widths
    rejected = next(i for i in listed if i["status"] == "REJECTED")
    tile = browser.find_element(By.CSS_SELECTOR, f'#grid [data-image-id="{rejected["imageId"]}"]')
    assert "Rejected" in tile.text and "not a photo format" in tile.text
    assert not browser.find_element(By.ID, "more-button").is_displayed()  # one page holds them all
    shoot(browser, "gallery-desktop.png")
    # Filters: by status, through the API's own filter.
    Select(browser.find_element(By.NAME, "status")).select_by_visible_text("REJECTED")
    wait(browser, lambda d: [t.get_attribute("data-image-id") for t in d.find_elements(By.CSS_SELECTOR, "#grid .tile")] == [rejected["imageId"]],
         30, "only the rejected file")
    browser.find_element(By.CSS_SELECTOR, "#filters button[type=reset]").click()
    wait(browser, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#grid .tile")) == 4, 30, "all four again")


def test_more_photos_come_through_the_cursor_as_the_grid_scrolls(uploaded, browser, served):
    listed = [i["imageId"] for i in requests.get(served["api"] + "/images", timeout=30).json()["items"]]
    browser.get(served["base"] + "/?pageSize=1#/")
    wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#grid .tile"), 30, "the first page")
    for _ in range(len(listed)):
        browser.execute_script("document.getElementById('more').scrollIntoView()")
        time.sleep(0.3)
    wait(browser, lambda d: [t.get_attribute("data-image-id") for t in d.find_elements(By.CSS_SELECTOR, "#grid .tile")] == listed,
         30, "every photo, newest first, one page at a time")
    assert not browser.find_element(By.ID, "more-button").is_displayed()


def test_the_image_page_shows_what_the_api_says(uploaded, browser, served):
    listed = requests.get(served["api"] + "/images", params={"camera": "Canon EOS 70D"}, timeout=30).json()["items"]
    image = requests.get(served["api"] + "/images/" + listed[0]["imageId"], timeout=30).json()
    browser.get(served["base"] + "/#/")
    wait(browser, lambda d: image["imageId"] in loaded_thumbnails(d), 30)
    # From the keyboard: Tab to the photo's link, Enter opens it.
    for _ in range(40):
        ActionChains(browser).send_keys(Keys.TAB).perform()
        if browser.execute_script("return document.activeElement.closest('.tile')?.dataset.imageId") == image["imageId"]:
            break
    else:
        pytest.fail("the photo's link was never reached with Tab")
    ActionChains(browser).send_keys(Keys.ENTER).perform()
    wait(browser, lambda d: d.current_url.endswith("#/images/" + image["imageId"]), 10)
    wait(browser, lambda d: d.execute_script("const i = document.querySelector('#frame img'); return i && i.complete && i.naturalWidth > 0"),
         30, "the large variant loaded")
    details = dict(zip([e.text for e in browser.find_elements(By.CSS_SELECTOR, "#details dt")],
                       [e.text for e in browser.find_elements(By.CSS_SELECTOR, "#details dd")]))
    assert details["Camera"] == image["camera"] == "Canon EOS 70D"
    assert details["Lens"] == image["metadata"]["lens"]
    assert details["Size"] == f"{image['width']} × {image['height']} pixels"
    assert f"ISO {image['metadata']['iso']}" in details["Exposure"]
    rows = browser.find_elements(By.CSS_SELECTOR, "#variants tr")
    assert sorted(int(r.get_attribute("data-bytes")) for r in rows) == sorted(v["bytes"] for v in image["variants"])
    assert [r.find_elements(By.TAG_NAME, "td")[0].text for r in rows] == [v["name"] for v in image["variants"]]
    trail = browser.find_elements(By.CSS_SELECTOR, "#trail li")
    assert len(trail) == len(image["stages"]) and all(li.get_attribute("data-outcome") == "succeeded" for li in trail)
    assert browser.find_element(By.ID, "image-status").text == "Ready"
    wait(browser, lambda d: d.find_element(By.ID, "similar-none").is_displayed(), 15, "no similar photo")
    shoot(browser, "image-desktop.png")


def test_at_360_px_nothing_spills_sideways(uploaded, browser, served):
    for page, name in (("/#/", "gallery-360.png"), (None, "image-360.png")):
        if page:
            browser.get(served["base"] + page)
            wait(browser, lambda d: len(loaded_thumbnails(d)) == 3, 30)
        else:
            browser.find_element(By.CSS_SELECTOR, "#grid .tile a").click()
            wait(browser, lambda d: d.execute_script("const i = document.querySelector('#frame img'); return i && i.naturalWidth > 0"), 30)
        shoot(browser, name, width=360)
        browser.set_window_size(360, 900)
        assert browser.execute_script("return document.documentElement.scrollWidth") <= 360
    browser.set_window_size(1280, 900)


def test_serve_sends_the_distributions_security_headers(uploaded, browser, served):
    """The page's headers are the template's PageHeadersPolicy (its connect-src less the AWS hosts
    a deployed page talks to), a variant's and a rendition's its UserContentHeadersPolicy; the page
    above ran under them in Chromium, which enforces the CSP."""
    from samtranslator.yaml_helper import yaml_parse
    resources = yaml_parse(open(os.path.join(ROOT, "template.yaml")).read())["Resources"]

    def policy(name):
        config = resources[name]["Properties"]["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]
        csp = config["ContentSecurityPolicy"]["ContentSecurityPolicy"]
        if isinstance(csp, dict):  # !Join ["; ", [...]] with !Sub items
            parts = [p if isinstance(p, str) else p["Fn::Sub"] for p in csp["Fn::Join"][1]]
            csp = "; ".join(parts)
        directives = {d.split(" ", 1)[0]: d for d in csp.split("; ")}
        directives = {k: (" ".join(w for w in v.split(" ") if "${" not in w and "amazoncognito" not in w)) for k, v in directives.items()}
        return directives, config["ReferrerPolicy"]["ReferrerPolicy"]

    def served_policy(response):
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["Strict-Transport-Security"].startswith("max-age=63072000")
        return {d.split(" ", 1)[0]: d for d in response.headers["Content-Security-Policy"].split("; ")}, response.headers["Referrer-Policy"]

    assert served_policy(requests.get(served["base"] + "/", timeout=10)) == policy("PageHeadersPolicy")
    assert served_policy(requests.get(served["api"] + "/images", timeout=10)) == policy("PageHeadersPolicy")
    image = requests.get(served["api"] + "/images", timeout=30).json()["items"]
    image = next(i for i in image if i["status"] == "COMPLETED")
    detail = requests.get(served["api"] + "/images/" + image["imageId"], timeout=30).json()
    variant = requests.get(detail["variants"][0]["url"], timeout=10)
    assert variant.status_code == 200 and served_policy(variant) == policy("UserContentHeadersPolicy")
    rendition = requests.get(next(iter(detail["renditions"].values()))["url"], timeout=10)
    assert "sandbox" in rendition.headers["Content-Security-Policy"] and served_policy(rendition) == policy("UserContentHeadersPolicy")


def test_delete_after_confirmation(uploaded, browser, served):
    listed = requests.get(served["api"] + "/images", params={"camera": "OLYMPUS IMAGING CORP. E-M1"}, timeout=30).json()["items"]
    image_id = listed[0]["imageId"]
    browser.get(served["base"] + "/#/images/" + image_id)
    wait(browser, lambda d: d.find_element(By.ID, "image-status").text == "Ready", 30)
    browser.find_element(By.ID, "delete").click()
    dialog = browser.find_element(By.ID, "confirm")
    assert dialog.is_displayed()
    dialog.find_element(By.CSS_SELECTOR, "button[value=cancel]").click()  # changed their mind
    assert requests.get(served["api"] + "/images/" + image_id, timeout=30).status_code == 200
    browser.find_element(By.ID, "delete").click()
    browser.find_element(By.ID, "confirm-delete").click()
    wait(browser, lambda d: d.current_url.endswith("#/"), 30, "back to the grid")
    wait(browser, lambda d: not d.find_elements(By.CSS_SELECTOR, f'#grid [data-image-id="{image_id}"]'), 30)
    assert requests.get(served["api"] + "/images/" + image_id, timeout=30).status_code == 404
    assert not os.path.exists(os.path.join(served["folder"], image_id))


def test_serve_with_a_token_asks_for_it_on_every_api_request_and_upload():
    """(Off loopback a token is made at start: LocalFrontTests/ServeAccessTests, since tests here
    listen on 127.0.0.1 only.)"""
    binary = os.path.join(subprocess.check_output(["swift", "build", "--show-bin-path"], cwd=ROOT, text=True).strip(), "darkroom")
    folder = tempfile.mkdtemp(prefix="darkroom-serve-")
    short = subprocess.run([binary, "serve", folder, "--port", "0", "--token", "too-short"], capture_output=True, text=True, timeout=30)
    assert short.returncode != 0 and "16 characters or more" in short.stderr
    token = "a-token-of-sixteen-or-more"
    process = subprocess.Popen([binary, "serve", folder, "--host", "127.0.0.1", "--port", "0", "--token", token],
                               stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        line = process.stdout.readline()
        assert line.rstrip().endswith(f"#token={token} (Ctrl-C to stop)")
        base = line.split(" at ")[1].split("/#")[0]
        assert requests.get(base + "/v1/images", timeout=10).status_code == 401
        assert requests.get(base + "/v1/images", headers={"Authorization": "Bearer wrong-token-wrong-token"}, timeout=10).status_code == 401
        assert requests.get(base + "/v1/images", headers={"Authorization": f"Bearer {token}"}, timeout=10).json() == {"items": []}
        assert requests.get(base + "/config.json", timeout=10).json()["auth"] == "token"
        # The upload route too: a form the API signed is not enough without the token.
        bearer = {"Authorization": f"Bearer {token}"}
        data = open(os.path.join(ROOT, "Tests", "Fixtures", "orientation-1.jpg"), "rb").read()
        form = requests.post(base + "/v1/uploads", json={"filename": "a.jpg", "contentType": "image/jpeg", "bytes": len(data)},
                             headers=bearer, timeout=10).json()["post"]
        without = requests.post(form["url"], data=form["fields"], files={"file": ("a.jpg", data, "image/jpeg")}, timeout=10)
        assert without.status_code == 401 and without.json()["code"] == "unauthenticated"
        posted = requests.post(form["url"], data=form["fields"], files={"file": ("a.jpg", data, "image/jpeg")}, headers=bearer, timeout=10)
        assert posted.status_code == 204, posted.text
    finally:
        process.terminate()
        process.wait(timeout=10)
        shutil.rmtree(folder, ignore_errors=True)


def test_the_demo_opens_on_a_gallery_of_photos(browser):
    """What a newcomer sees first: scripts/demo's output served, its first row the bundled photos
    (the bad inputs, one for each reason, after them), each thumbnail loaded."""
    folder = tempfile.mkdtemp(prefix="darkroom-demo-")
    binary = os.path.join(subprocess.check_output(["swift", "build", "--show-bin-path"], cwd=ROOT, text=True).strip(), "darkroom")
    demo = subprocess.run([os.path.join(ROOT, "scripts", "demo"), "--out", folder, "--darkroom", binary],
                          capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert demo.returncode == 0, demo.stderr[-2000:]
    reasons = sorted(line.split(": ", 1)[1].split(" ", 1)[0] for line in (demo.stdout + demo.stderr).splitlines() if line.startswith("  REJECTED "))
    assert reasons == sorted(["corrupt", "empty", "extreme_aspect_ratio", "too_large", "too_many_frames", "too_many_pixels",
                              "unsupported_format"]), demo.stderr[-3000:]
    process = subprocess.Popen([binary, "serve", folder, "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                               env=dict(os.environ, VIPS_WARNING="0"))
    try:
        base = process.stdout.readline().split(" at ")[1].split("/ ")[0]
        listed = requests.get(base + "/v1/images", timeout=30).json()["items"]
        photos = [i["imageId"] for i in listed if i["status"] == "COMPLETED"]
        assert len(photos) == 3 and len(listed) == 10
        browser.set_window_size(1280, 900)
        browser.get(base + "/")
        wait(browser, lambda d: set(loaded_thumbnails(d)) == set(photos), 60, "the photos' thumbnails loaded")
        tiles = [t.get_attribute("data-image-id") for t in browser.find_elements(By.CSS_SELECTOR, "#grid .tile")]
        assert set(tiles[:3]) == set(photos), "the gallery does not open on the photos"
        shoot(browser, "demo-desktop.png")
    finally:
        process.terminate()
        process.wait(timeout=10)
        shutil.rmtree(folder, ignore_errors=True)
