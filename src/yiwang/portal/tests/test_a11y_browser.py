"""The accessibility toolbar in chromium: each function changes what it should, the settings
survive a reload, 纯文本 shows the page's content, 读屏 reads with the browser's speech synthesis
(or says plainly that no Chinese voice exists), the shortcut opens the toolbar; 掌上办: the
service worker registers from the home page, serves the offline page and never caches a
personal page."""

from __future__ import annotations

import re

import pytest

from yiwang.core.testing import MOBILE, NARROW_PHONE, login

# A recording speech synthesiser with one Chinese voice, installed before the page's scripts:
# the test hears what 指读 and 连读 hand the browser (chromium ships no voice headless).
FAKE_VOICE = """
(() => {
  const spoken = [];
  window.__spoken = spoken;
  const voice = {lang: 'zh-CN', name: '测试中文语音', default: true, localService: true, voiceURI: 'zh'};
  const synth = {
    getVoices: () => [voice], speaking: false, pending: false, paused: false,
    speak(u) { spoken.push({text: u.text, rate: u.rate, volume: u.volume, lang: u.lang});
               setTimeout(() => u.onend && u.onend(), 5); },
    cancel() { spoken.push({cancel: true}); }, pause() {}, resume() {},
    addEventListener() {}, removeEventListener() {},
  };
  Object.defineProperty(window, 'speechSynthesis', {value: synth});
  window.SpeechSynthesisUtterance = function (text) { this.text = text; };
})();
"""


def until(page, js: str, arg=None, tries: int = 100) -> None:
    """Poll a JavaScript predicate (page.wait_for_function evaluates strings, which the site's
    CSP forbids; page.evaluate is allowed)."""
    fn = f"(arg) => ({js})"
    for _ in range(tries):
        if page.evaluate(fn, arg):
            return
        page.wait_for_timeout(50)
    raise AssertionError(f"never true: {js}")


def classes(page) -> set[str]:
    return set((page.get_attribute("html", "class") or "").split())


def open_toolbar(page):
    if not page.evaluate("document.getElementById('a11y').open"):
        page.click("#a11y > summary")


def tool(page, name: str):
    open_toolbar(page)
    page.evaluate("document.getElementById('yw-status').textContent = ''")
    page.click(f"#a11y-form button:text-is('{name}')")
    until(page, "document.getElementById('yw-status').textContent.length > 0")


@pytest.mark.browser
def test_each_toolbar_function_changes_what_it_should_and_survives_a_reload(live_server, world, page, axe):
    base = live_server.url
    page.goto(f"{base}/items/{world.item.code}/")
    assert "js" in classes(page)

    # the shortcut opens the toolbar and puts the focus on it
    page.keyboard.press("Alt+Shift+A")
    assert page.evaluate("document.getElementById('a11y').open")
    assert page.evaluate("document.activeElement.classList.contains('a11y-opener')")

    # 放大: the whole page grows (not only the text): the main column gets wider on screen
    width = page.evaluate("document.querySelector('main h1').getBoundingClientRect().height")
    tool(page, "放大")
    # (the class is set by the toolbar's script after the click: wait for it on a busy machine)
    until(page, "document.documentElement.classList.contains('zoom-125')")
    assert page.evaluate("document.querySelector('main h1').getBoundingClientRect().height") > width * 1.2
    # announced to screen readers (the live region is written a moment after the class)
    until(page, "document.getElementById('yw-status').textContent.includes('页面缩放 125%')")
    tool(page, "缩小")
    until(page, "!document.documentElement.classList.contains('zoom-125')")

    # 配色: each colour set changes the page's colours
    seen = set()
    for name in ("黑底黄字", "黑底白字", "白底黑字", "黄底黑字", "蓝底白字"):
        tool(page, name)
        bg, fg = page.evaluate(
            "[getComputedStyle(document.querySelector('main')).backgroundColor,"
            " getComputedStyle(document.querySelector('main h1')).color]"
        )
        seen.add((bg, fg))
        assert page.get_attribute(f"#a11y-form button:text-is('{name}')", "aria-pressed") == "true"
    assert len(seen) == 5
    axe("toolbar-colour-set", portal=True)

    # 大鼠标: the pointer is the large cursor picture
    tool(page, "大鼠标")
    assert "cursor.svg" in page.evaluate(
        "getComputedStyle(document.querySelector('main p') || document.body).cursor"
    )

    # 十字光标: two lines follow the pointer
    tool(page, "十字光标")
    page.mouse.move(300, 400)
    top, left = page.evaluate(
        "[document.querySelector('.yw-guide-x').getBoundingClientRect().top,"
        " document.querySelector('.yw-guide-y').getBoundingClientRect().left]"
    )
    assert abs(top - 400) <= 2 and abs(left - 300) <= 2
    assert page.is_visible(".yw-guide-x") and page.is_visible(".yw-guide-y")

    # 大字幕: the text under the focus in a large bar
    tool(page, "大字幕")
    page.focus("main h1")  # tabindex-less heading: use the first link of the main content instead
    page.focus("main a >> nth=0")
    text = page.inner_text("main a >> nth=0").strip()
    assert page.inner_text("#yw-caption").strip() == text
    assert page.evaluate("parseFloat(getComputedStyle(document.getElementById('yw-caption')).fontSize)") >= 28

    # every setting survives a reload (cookies and server-side classes)
    page.reload()
    for cls in ("cs-bl", "pref-cursor", "pref-guide", "pref-caption"):
        assert cls in classes(page), cls
    # …but not the open toolbar: opened with the script it is for that page (on a phone it
    # would fill the first screens of every page)
    assert not page.evaluate("document.getElementById('a11y').open")
    assert page.get_attribute("#a11y-form button:text-is('大字幕')", "aria-pressed") == "true"

    # 重置 clears them all
    tool(page, "重置")
    assert not (classes(page) - {"js"})
    page.reload()
    assert not (classes(page) - {"js"})


@pytest.mark.browser
def test_text_only_shows_the_page_content_in_reading_order(live_server, world, page):
    base = live_server.url
    page.goto(f"{base}/items/{world.item.code}/")
    content = page.inner_text("main h1")
    tool(page, "纯文本")
    assert "pref-text" in classes(page)
    assert page.is_visible(f"main h1:has-text('{content}')")
    assert page.evaluate("getComputedStyle(document.querySelector('.site-header')).backgroundColor") in (
        "rgba(0, 0, 0, 0)",
        "transparent",
    )
    assert (
        page.evaluate(
            "getComputedStyle(document.querySelector('main .panel') || document.querySelector('main')).display"
        )
        == "block"
    )
    page.reload()
    assert "pref-text" in classes(page) and content in page.inner_text("main")


@pytest.mark.browser
def test_speech_reads_the_focus_and_the_page_and_says_so_without_a_chinese_voice(live_server, world, browser):
    from yiwang.core.testing import DESKTOP

    base = live_server.url
    # chromium headless has no voice: a plain message instead of silence
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{base}/")
    open_toolbar(page)
    page.click("#a11y-form button:text-is('连读')")
    until(page, "document.getElementById('yw-status').textContent.includes('中文语音')")
    context.close()

    context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    context.add_init_script(FAKE_VOICE)
    page = context.new_page()
    page.goto(f"{base}/items/{world.item.code}/")
    tool(page, "指读")
    assert "pref-speak" in classes(page)
    page.select_option("#a11y-rate", "1.5")
    until(page, "document.getElementById('yw-status').textContent.includes('语速')")
    page.focus("main a >> nth=0")
    link = page.inner_text("main a >> nth=0").strip()
    until(page, "window.__spoken.some(s => s.text === arg)", link)
    said = next(s for s in page.evaluate("window.__spoken") if s.get("text") == link)
    assert said["rate"] == 1.5 and said["lang"] == "zh-CN"
    # 连读 from the page's heading on: the heading first, then what follows
    # 连读 from the focus on (with the keyboard: focus the link, then the 连读 button, Enter)
    page.focus("main a >> nth=0")
    page.evaluate("window.__spoken.length = 0")
    page.focus("#a11y-form button:text-is('连读')")
    page.keyboard.press("Enter")
    # (focusing the button in 指读 mode speaks its own label first: count after the last cancel)
    after_cancel = "window.__spoken.slice(window.__spoken.map(s => !!s.cancel).lastIndexOf(true) + 1)"
    until(page, f"{after_cancel}.length >= 3")
    spoken = page.evaluate("window.__spoken")
    last_cancel = max(i for i, s in enumerate(spoken) if s.get("cancel"))
    texts = [s["text"] for s in spoken[last_cancel + 1 :]]
    assert link in texts[0] and len(texts) >= 3
    assert page.locator(".yw-reading").count() <= 1
    page.click("#a11y-form button:text-is('停止朗读')")
    assert {"cancel": True} in page.evaluate("window.__spoken")
    # the setting survives a reload
    page.reload()
    assert "pref-speak" in classes(page)
    context.close()


@pytest.mark.browser
def test_toolbar_works_without_javascript(live_server, world, browser):
    from yiwang.core.testing import DESKTOP

    context = browser.new_context(viewport=DESKTOP, locale="zh-CN", java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server.url}/")
    page.click("#a11y > summary")
    with page.expect_navigation():
        page.click("#a11y-form button:text-is('黄底黑字')")
    assert "cs-by" in classes(page)
    assert "配色：黄底黑字" in page.inner_text(".flash")
    assert page.evaluate("document.getElementById('a11y').open")
    with page.expect_navigation():
        page.click("button.elder-switch")
    assert "pref-elder" in classes(page) and "长辈常办的" in page.inner_text("main")
    context.close()


# --- 掌上办 -------------------------------------------------------------------------------------------
@pytest.mark.browser
def test_service_worker_serves_the_offline_page_and_never_caches_personal_pages(live_server, world, browser):
    context = browser.new_context(viewport=MOBILE, locale="zh-CN")
    page = context.new_page()
    base = live_server.url
    login(page, base, "citizen")
    page.goto(f"{base}/")
    until(page, "document.documentElement.getAttribute('data-sw') === 'registered'")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.reload()  # now controlled by the worker
    until(page, "navigator.serviceWorker.controller !== null")
    for url in ("/my/cases/", "/my/licenses/", "/my/identity/", "/"):
        page.goto(f"{base}{url}")
    page.goto(f"{base}/")
    cached = page.evaluate(
        """async () => { const out = [];
           for (const name of await caches.keys()) {
             const c = await caches.open(name);
             for (const r of await c.keys()) out.push(new URL(r.url).pathname);
           } return out; }"""
    )
    assert "/offline/" in cached
    assert all(p == "/offline/" or p.startswith("/static/") for p in cached), cached
    # the offline page (cached without cookies) names nobody
    offline_html = page.evaluate("caches.match('/offline/').then(r => r.text())")
    assert "当前无网络" in offline_html and "张伟" not in offline_html
    # without a network a personal page is the offline page, never a stored copy
    context.set_offline(True)
    page.goto(f"{base}/my/cases/")
    assert "当前无网络" in page.inner_text("h1")
    context.set_offline(False)
    context.close()


@pytest.mark.browser
def test_e_id_code_and_licence_wallet_within_two_taps_on_a_phone(live_server, world, browser):
    context = browser.new_context(viewport=MOBILE, locale="zh-CN", has_touch=True, is_mobile=True)
    page = context.new_page()
    base = live_server.url
    login(page, base, "citizen")
    # on the narrowest phone at 200 % text the header leaves the page's heading on the first screen
    page.set_viewport_size(NARROW_PHONE)
    page.goto(f"{base}/")
    page.evaluate("document.documentElement.style.fontSize = '200%'")
    assert (
        page.evaluate("document.querySelector('main h1').getBoundingClientRect().bottom")
        <= NARROW_PHONE["height"]
    )
    page.set_viewport_size(MOBILE)
    for name, url in (("电子身份码", r"/my/identity/$"), ("我的证照", r"/my/licenses/$")):
        page.goto(f"{base}/")  # tap 0: the app's start page
        with page.expect_navigation():
            page.tap(f"nav[aria-label='掌上办常用入口'] a:text-is('{name}')")  # tap 1
        assert re.search(url, page.url), page.url
    context.close()
