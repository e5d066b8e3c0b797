/* 无障碍 toolbar (plain JavaScript, no inline code: it runs under the site's strict CSP).
   The toolbar's controls are in the server's HTML and work without this file (a form post sets
   cookies and server-side classes); this file makes the changes immediate, announces them in the
   #yw-status live region, and adds what needs a script: 读屏 (指读 / 连读 with the browser's
   speech synthesis), 十字光标, 大字幕, alt texts in 纯文本, and the Alt+Shift+A shortcut. */
(function () {
  "use strict";
  var doc = document, root = doc.documentElement;
  root.classList.add("js");

  function $(sel, ctx) { return (ctx || doc).querySelector(sel); }
  function $all(sel, ctx) { return Array.prototype.slice.call((ctx || doc).querySelectorAll(sel)); }
  function has(cls) { return root.classList.contains(cls); }

  var statusBox = null, form = null, panel = null;

  function announce(text) {
    if (!statusBox || !text) { return; }
    statusBox.textContent = "";
    window.setTimeout(function () { statusBox.textContent = text; }, 50);
  }

  // ---- settings: post to /prefs/ and apply the server's classes --------------------------------
  function csrf() {
    var input = form && form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function post(toggle, quiet) {
    var body = new FormData();
    body.append("csrfmiddlewaretoken", csrf());
    body.append("toggle", toggle);
    return fetch(form.action, {
      // keepalive: a change made just before following a link (closing the toolbar, say) still
      // reaches the server, so the next page does not come back with the old setting
      method: "POST", body: body, credentials: "same-origin", keepalive: true,
      headers: { "Accept": "application/json", "X-CSRFToken": csrf() }
    }).then(function (r) { return r.ok ? r.json() : null; }).then(function (data) {
      if (!data) { announce("设置未能保存，请稍后再试"); return null; }
      apply(data);
      if (!quiet) { announce(data.message); }
      return data;
    });
  }

  function apply(data) {
    var keep = ["js"];
    root.className = (keep.join(" ") + " " + data.classes).trim();
    $all("[data-pref]").forEach(function (el) {
      var key = el.getAttribute("data-pref");
      if (Object.prototype.hasOwnProperty.call(data.pressed, key)) {
        el.setAttribute("aria-pressed", data.pressed[key] ? "true" : "false");
      }
    });
    var label = $("[data-zoom-label]");
    if (label) { label.textContent = "当前 " + data.prefs.zoom + "%"; }
    prefs = data.prefs;
    if (!has("pref-speak")) { stopSpeech(); }
    textMode();
  }

  var prefs = { rate: "1", volume: "1" };

  // ---- 纯文本: pictures become their text ---------------------------------------------------------
  function textMode() {
    if (!has("pref-text")) { return; }
    $all("main img").forEach(function (img) {
      if (img.nextElementSibling && img.nextElementSibling.classList.contains("yw-alt")) { return; }
      var alt = (img.getAttribute("alt") || "").trim();
      if (!alt) { return; }
      var span = doc.createElement("span");
      span.className = "yw-alt";
      span.textContent = "［图片：" + alt + "］";
      img.parentNode.insertBefore(span, img.nextSibling);
    });
  }

  // ---- the text of an element (for 指读, 大字幕) ---------------------------------------------------
  function textOf(el) {
    if (!el || el.nodeType !== 1) { return ""; }
    if (el.closest && el.closest(".yw-caption, .yw-guide")) { return ""; }
    var label = el.getAttribute("aria-label");
    if (label) { return label; }
    if (el.id && /^(INPUT|SELECT|TEXTAREA)$/.test(el.tagName)) {
      var l = doc.querySelector("label[for='" + el.id.replace(/'/g, "") + "']");
      var value = el.tagName === "SELECT" && el.selectedIndex >= 0 ? el.options[el.selectedIndex].text : (el.value || "");
      return ((l ? l.textContent : "") + " " + value).trim();
    }
    if (el.tagName === "IMG") { return el.getAttribute("alt") || ""; }
    return (el.innerText || el.textContent || "").replace(/\s+/g, " ").trim().slice(0, 300);
  }

  // The smallest sensible block under the pointer: a control, link, heading, paragraph, cell…
  var BLOCKS = "a,button,summary,label,input,select,textarea,h1,h2,h3,h4,h5,h6,p,li,dt,dd,td,th,caption,legend,img,figcaption,blockquote";
  function blockAt(el) {
    return el && el.closest ? el.closest(BLOCKS) : null;
  }

  // ---- 读屏: speech synthesis -------------------------------------------------------------------
  var synth = window.speechSynthesis || null;
  function chineseVoice() {
    if (!synth) { return null; }
    var voices = synth.getVoices() || [];
    for (var i = 0; i < voices.length; i++) {
      if (/^zh|^cmn/i.test(voices[i].lang || "")) { return voices[i]; }
    }
    return null;
  }
  var NO_VOICE = "本浏览器没有可用的中文语音，无法朗读。请安装中文语音，或使用系统自带的读屏软件。";

  function speak(text, onend) {
    var voice = chineseVoice();
    if (!text) { return false; }
    if (!voice) { announce(NO_VOICE); return false; }
    var u = new window.SpeechSynthesisUtterance(text);
    u.voice = voice;
    u.lang = voice.lang;
    u.rate = parseFloat(prefs.rate || "1");
    u.volume = parseFloat(prefs.volume || "1");
    if (onend) { u.onend = onend; }
    synth.speak(u);
    return true;
  }

  var reading = null;
  function stopSpeech() {
    if (reading) { reading.classList.remove("yw-reading"); }
    reading = null;
    readQueue = [];
    if (synth) { synth.cancel(); }
  }

  var lastPointed = null;
  function pointRead(el) {
    if (!has("pref-speak") || reading) { return; }  // 连读 goes on until 停止 (or Esc)
    var block = blockAt(el);
    if (!block || block === lastPointed) { return; }
    lastPointed = block;
    if (synth) { synth.cancel(); }
    speak(textOf(block));
  }

  // 连读: from the focused element (or the start of the main content) to the end of the page.
  var readQueue = [];
  function continuousRead(from) {
    stopSpeech();
    if (!chineseVoice()) { announce(NO_VOICE); return; }
    var main = $("#main") || doc.body;
    var blocks = $all("h1,h2,h3,h4,h5,h6,p,li,dt,dd,th,td,label,legend,caption,figcaption,blockquote,a.button,button", main)
      .filter(function (b) { return !b.parentElement.closest("p,li,dd,td,th,label,legend,caption,blockquote") && b.offsetParent !== null; });
    var start = 0;
    if (from && main.contains(from)) {
      for (var i = 0; i < blocks.length; i++) {
        if (blocks[i] === from || blocks[i].contains(from) ||
            (from.compareDocumentPosition(blocks[i]) & Node.DOCUMENT_POSITION_FOLLOWING)) { start = i; break; }
      }
    }
    readQueue = blocks.slice(start);
    if (from && main.contains(from) && from !== main && !blocks.some(function (b) { return b === from || b.contains(from); })) {
      readQueue.unshift(from);  // the focused link or control itself first
    }
    next();
  }
  function next() {
    if (reading) { reading.classList.remove("yw-reading"); }
    var block = readQueue.shift();
    if (!block) { reading = null; return; }
    reading = block;
    block.classList.add("yw-reading");
    if (!speak(textOf(block), next)) { next(); }
  }

  // ---- 十字光标 and 大字幕 -----------------------------------------------------------------------
  var guideX = null, guideY = null, caption = null;
  function zoom() {
    var m = /(?:^|\s)zoom-(\d+)/.exec(root.className);
    return m ? parseInt(m[1], 10) / 100 : 1;
  }
  function guideAt(x, y) {
    if (!has("pref-guide") || !guideX) { return; }
    var z = zoom();
    guideX.style.top = Math.round(y / z) + "px";
    guideY.style.left = Math.round(x / z) + "px";
  }
  function captionOf(el) {
    if (!has("pref-caption") || !caption) { return; }
    var text = textOf(blockAt(el) || el);
    if (text) { caption.textContent = text; }
  }

  function init() {
    statusBox = $("#yw-status");
    form = $("#a11y-form");
    panel = $("#a11y");
    guideX = $(".yw-guide-x");
    guideY = $(".yw-guide-y");
    caption = $("#yw-caption");
    var rate = $("#a11y-rate"), volume = $("#a11y-volume");
    prefs = { rate: rate ? rate.value : "1", volume: volume ? volume.value : "1" };
    textMode();
    if (!form) { return; }

    // Toolbar buttons: change the setting in place (长辈版 reloads: its pages differ).
    doc.addEventListener("submit", function (e) {
      var f = e.target;
      if (!f.matches || !f.matches("form[action$='/prefs/']")) { return; }
      var btn = e.submitter;
      if (!btn || !btn.value || btn.value === "elder") { return; }
      e.preventDefault();
      post(btn.value).then(function () {
        if (btn.value === "panel.off" && panel) {
          panel.open = false;
          var opener = $("summary", panel);
          if (opener) { opener.focus(); }
        }
      });
    });
    $all("select[data-setting]").forEach(function (sel) {
      sel.addEventListener("change", function () { post(sel.getAttribute("data-setting") + "." + sel.value); });
    });
    if (panel) {
      // Opening the toolbar is for this page: the next page starts with it closed (on a phone an
      // open toolbar fills the first screens). Closing it also clears the open state a change
      // without JavaScript leaves behind.
      panel.addEventListener("toggle", function () { if (!panel.open) { post("panel.off", true); } });
    }
    $all("[data-action=read]").forEach(function (b) {
      b.addEventListener("click", function () { continuousRead(lastFocus); });
    });
    $all("[data-action=stop]").forEach(function (b) {
      b.addEventListener("click", function () { stopSpeech(); announce("已停止朗读"); });
    });

    // Alt+Shift+A opens the toolbar and puts the focus on it (documented in the README).
    doc.addEventListener("keydown", function (e) {
      if (e.altKey && e.shiftKey && (e.key === "A" || e.key === "a" || e.code === "KeyA")) {
        e.preventDefault();
        if (panel) {
          panel.open = true;
          var first = $("summary", panel);
          if (first) { first.focus(); }
          announce("无障碍工具栏已打开");
        }
      } else if (e.key === "Escape" && reading) {
        stopSpeech();
        announce("已停止朗读");
      }
    });

    var lastFocus = null;
    doc.addEventListener("focusin", function (e) {
      var t = e.target;
      if (!t.closest || !t.closest("#a11y")) { lastFocus = t; }
      pointRead(t);
      captionOf(t);
      if (has("pref-guide") && t.getBoundingClientRect) {
        var r = t.getBoundingClientRect(), z = zoom();
        guideAt((r.left + r.width / 2) * z, (r.top + r.height / 2) * z);
      }
    });
    var pending = null;
    doc.addEventListener("mouseover", function (e) {
      captionOf(e.target);
      if (pending) { window.clearTimeout(pending); }
      var t = e.target;
      pending = window.setTimeout(function () { pointRead(t); }, 250);
    });
    doc.addEventListener("mousemove", function (e) { guideAt(e.clientX, e.clientY); });
    if (synth && synth.addEventListener) { synth.addEventListener("voiceschanged", function () {}); }
  }

  if (doc.readyState === "loading") { doc.addEventListener("DOMContentLoaded", init); } else { init(); }
}());
