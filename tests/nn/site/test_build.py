"""nn.site.build: gradlab-site OUT_DIR. The built site's parts, its front page in real
Chromium served from localhost (every link answers, readable at 1280x800, no request
leaves the machine), and the command's errors."""

import urllib.request

import pytest

from nn.site import build
from tests.player import wait_for


def _links(driver) -> list[str]:
    return driver.execute_script(
        "return Array.from(document.querySelectorAll('a[href]')).map(a => a.href)")


def test_the_site_has_its_four_parts(site):
    root, _, seconds = site
    assert sorted(p.name for p in root.iterdir()) == ["demo", "index.html", "lab", "play"]
    assert (root / "play/index.html").is_file() and (root / "lab/lab/index.html").is_file()
    assert sorted(p.name for p in (root / "demo").iterdir()) == sorted(build.DEMO_PAGES)
    assert set(seconds) == {"lab", "play", "demo"} and all(s > 0 for s in seconds.values())


def test_every_link_of_the_front_page_answers_and_nothing_leaves_localhost(site, offline):
    root, url, _ = site
    driver, outside = offline
    outside.clear()
    driver.get(f"{url}/index.html")
    links = _links(driver)
    assert f"{url}/play/index.html" in links
    assert len([u for u in links if "/demo/" in u]) == len(build.DEMO_PAGES)
    assert len([u for u in links if "/lab/lab/index.html?path=" in u]) == 1 + len(
        list((root / "lab/files").glob("*.ipynb")))  # "open notebook 1", then the table
    for link in links:
        assert link.startswith(url), link
        with urllib.request.urlopen(link, timeout=10) as response:
            assert response.status == 200 and response.read(), link
        if "?path=" in link:
            assert (root / "lab/files" / link.split("?path=")[1]).is_file(), link
    for page in ("demo/backprop_steps.html", "demo/network_backprop.html", "play/index.html"):
        driver.get(f"{url}/{page}")
        wait_for(driver, lambda: driver.execute_script(
            "return document.readyState === 'complete'"), page)
    assert outside.of_the_site() == []


def test_the_front_page_reads_at_1280_by_800(site, offline):
    _, url, _ = site
    driver, _ = offline
    driver.set_window_size(1280, 800)
    driver.get(f"{url}/index.html")
    layout = driver.execute_script("""
        const parts = Array.from(document.querySelectorAll('.part')).map(
          p => p.getBoundingClientRect());
        const texts = Array.from(document.querySelectorAll('p, li, td, th, a'));
        return {overflow: document.documentElement.scrollWidth > window.innerWidth,
                tops: parts.map(r => Math.round(r.top)), bottoms: parts.map(r => r.bottom),
                widths: parts.map(r => r.width), height: window.innerHeight,
                smallest: Math.min(...texts.map(e => parseFloat(getComputedStyle(e).fontSize)))};
    """)
    driver.save_screenshot("/tmp/gradlab-site-front.png")  # looked at while writing it
    assert not layout["overflow"]
    assert len(set(layout["tops"])) == 1 and len(layout["tops"]) == 3  # three side by side
    assert all(w > 300 for w in layout["widths"])
    assert max(layout["bottoms"]) < layout["height"]  # the three parts in the first screen
    assert layout["smallest"] >= 14


def test_the_command_refuses_a_folder_in_use_in_one_line(tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("a teacher's file")
    with pytest.raises(SystemExit) as exit:
        build.main([str(tmp_path)])
    assert exit.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("gradlab-site: error: out must be a new or empty folder") \
        and err.count("\n") == 1
    assert (tmp_path / "notes.txt").read_text() == "a teacher's file"
    with pytest.raises(TypeError, match="demo_options must be a str"):
        build.build_site(tmp_path / "new", ["--epochs", "5"])
    with pytest.raises(SystemExit):  # checked before anything is built
        build.main([str(tmp_path / "new"), "--demo", "--epochs 0"])
    assert capsys.readouterr().err == (
        "gradlab-site: error: demo_options: gradlab-demo: error: argument --epochs: must be "
        ">= 1, got 0 (see gradlab-demo --help)\n")
    assert not (tmp_path / "new").exists()


def test_the_play_page_runs_on_the_labs_pyodide_core(site, offline):
    """play/ ships no Pyodide of its own: it starts the lab's, offline, and draws."""
    root, url, _ = site
    driver, outside = offline
    assert not (root / "play/pyodide").exists()
    outside.clear()
    driver.get(f"{url}/play/index.html")
    wait_for(driver, lambda: driver.find_element("id", "run").is_enabled(),
             "Python to start on the lab's Pyodide", timeout=120)
    driver.find_element("id", "run").click()
    wait_for(driver, lambda: driver.find_elements("css selector", "#graphs svg"),
             "the example's drawing", timeout=60)
    assert "o = 0.7071067811865476" in driver.find_element("id", "output").text
    assert outside.of_the_site() == []
