/* Hall display: live calls over server-sent events, each announced in Mandarin, one after another.
   Speech: the browser's speechSynthesis when it has a zh-CN voice; otherwise the platform's offline
   audio (espeak-ng, /halls/speech.wav). Announcements are queued, never cut off by the next one,
   and logged in #announce-log (aria-live) with their state: 等待播报 → 正在播报 → 已播报. */
(function () {
  "use strict";
  var root = document.getElementById("hall-display");
  if (!root) { return; }
  var names = JSON.parse(document.getElementById("business-names").textContent || "{}");
  var current = document.getElementById("current-call");
  var recent = document.getElementById("recent-calls");
  var waiting = document.getElementById("waiting");
  var log = document.getElementById("announce-log");
  var modeLabel = document.getElementById("speech-mode");
  var linkState = document.getElementById("link-state");
  var DIGITS = "零一二三四五六七八九";
  var MAX_RECENT = 8, MAX_LOG = 30, SAFETY_MS = 20000;
  var seen = {};
  var queue = [];
  var busy = false;
  var voice = null;

  Array.prototype.forEach.call(recent.querySelectorAll("tr[data-key]"), function (tr) { seen[tr.dataset.key] = true; });

  function pickVoice() {
    if (!("speechSynthesis" in window)) { voice = null; return; }
    var voices = window.speechSynthesis.getVoices() || [];
    voice = null;
    for (var i = 0; i < voices.length; i++) {
      var lang = (voices[i].lang || "").toLowerCase().replace("_", "-");
      if (lang === "zh-cn" || lang.indexOf("cmn") === 0 || lang === "zh-hans") { voice = voices[i]; break; }
    }
    modeLabel.textContent = voice ? "语音：浏览器中文语音（" + voice.name + "）" : "语音：平台离线语音（espeak-ng）";
    root.dataset.speechMode = voice ? "browser" : "platform";
  }
  pickVoice();
  if ("speechSynthesis" in window) { window.speechSynthesis.onvoiceschanged = pickVoice; }

  function phrase(call) { return "请 " + call.number + " 号到 " + call.window + " 号窗口办理"; }
  function spoken(call) {
    var letters = call.number.replace(/[^A-Za-z]/g, "");
    var digits = call.number.replace(/[^0-9]/g, "").split("").map(function (d) { return DIGITS[+d]; }).join("");
    return "请 " + letters + " " + digits + " 号，到 " + call.window + " 号窗口办理";
  }
  function hhmm(at) { return (at || "").slice(11, 16); }

  function cell(text) { var td = document.createElement("td"); td.textContent = text; return td; }

  function showCall(call) {
    current.textContent = "";
    current.appendChild(document.createTextNode("请 "));
    var n = document.createElement("strong"); n.textContent = call.number; current.appendChild(n);
    current.appendChild(document.createTextNode(" 号到 "));
    var w = document.createElement("strong"); w.textContent = call.window; current.appendChild(w);
    current.appendChild(document.createTextNode(" 号窗口办理"));
    var tr = document.createElement("tr");
    tr.dataset.key = key(call);
    tr.appendChild(cell(call.number)); tr.appendChild(cell(call.window + " 号窗口")); tr.appendChild(cell(hhmm(call.at)));
    recent.insertBefore(tr, recent.firstChild);
    while (recent.children.length > MAX_RECENT) { recent.removeChild(recent.lastChild); }
  }

  function showWaiting(counts) {
    waiting.textContent = "";
    Object.keys(counts).forEach(function (code) {
      var li = document.createElement("li");
      li.dataset.business = code;
      var name = document.createElement("span"); name.className = "w-name"; name.textContent = names[code] || code;
      var n = document.createElement("span"); n.className = "w-count"; n.textContent = String(counts[code]);
      li.appendChild(name); li.appendChild(document.createTextNode(" ")); li.appendChild(n); li.appendChild(document.createTextNode(" 人"));
      waiting.appendChild(li);
    });
  }

  function key(call) { return call.number + "|" + call.window + "|" + call.at; }

  function showState(state) {
    // a snapshot: what is on screen now; earlier calls are not announced again
    (state.calling || []).slice().reverse().forEach(function (call) {
      if (!seen[key(call)]) { seen[key(call)] = true; showCall(call); }
    });
    if (state.waiting) { showWaiting(state.waiting); }
  }

  function setState(item, state, label) {
    item.li.dataset.state = state;
    item.status.textContent = label;
    item.li.dataset[state === "speaking" ? "started" : "ended"] = String(performance.now());
  }

  function announce(call) {
    var li = document.createElement("li");
    li.dataset.number = call.number;
    li.dataset.window = call.window;
    li.appendChild(document.createTextNode(phrase(call)));
    var status = document.createElement("span"); status.className = "status"; li.appendChild(status);
    log.appendChild(li);
    while (log.children.length > MAX_LOG && log.firstChild.dataset.state === "done") { log.removeChild(log.firstChild); }
    var item = { call: call, li: li, status: status };
    item.li.dataset.state = "queued"; status.textContent = "（等待播报）";
    queue.push(item);
    next();
  }

  function next() {
    if (busy || !queue.length) { return; }
    busy = true;
    var item = queue.shift();
    var finished = false;
    setState(item, "speaking", "（正在播报）");
    var safety = setTimeout(function () { done("（已播报）"); }, SAFETY_MS);
    function done(label) {
      if (finished) { return; }
      finished = true;
      clearTimeout(safety);
      setState(item, "done", label || "（已播报）");
      busy = false;
      next();
    }
    if (voice) {
      var u = new SpeechSynthesisUtterance(spoken(item.call));
      u.lang = "zh-CN"; u.voice = voice; u.rate = 0.9;
      u.onend = function () { done(); };
      u.onerror = function () { done("（播报失败）"); };
      window.speechSynthesis.speak(u);  // never cancel(): the previous one has ended already
      return;
    }
    var audio = new Audio(root.dataset.speech + "?number=" + encodeURIComponent(item.call.number) +
                          "&window=" + encodeURIComponent(item.call.window));
    audio.onended = function () { done(); };
    audio.onerror = function () { setTimeout(function () { done("（语音不可用，仅显示）"); }, 3000); };
    var played = audio.play();
    if (played && played.catch) {
      played.catch(function () {
        // autoplay refused until someone presses the start button: keep the order, show the text
        setTimeout(function () { done("（未能自动播放，请按“开启语音播报”）"); }, 3000);
      });
    }
  }

  document.getElementById("start").addEventListener("click", function () {
    if ("speechSynthesis" in window) { pickVoice(); }
    var el = document.documentElement;
    if (el.requestFullscreen) { el.requestFullscreen().catch(function () {}); }
  });

  function tick() { var d = new Date(); document.getElementById("clock").textContent = d.toLocaleTimeString("zh-CN", { hour12: false }); }
  tick(); setInterval(tick, 1000);

  function reload() {
    fetch(root.dataset.display, { headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (state) { if (state) { showState(state); } })
      .catch(function () {});
  }

  YiwangStream(root.dataset.events, {
    state: function (e) { showState(JSON.parse(e.data)); },
    reset: function () { reload(); },
    queue: function (e) {
      var counts = JSON.parse(e.data || "{}");
      if (Object.keys(counts).length) { showWaiting(counts); }
    },
    call: function (e) {
      var call = JSON.parse(e.data);
      var k = key(call);
      if (seen[k]) { return; }
      seen[k] = true;
      showCall(call);
      announce(call);
    }
  }, function (link) {
    linkState.dataset.state = link;
    linkState.textContent = link === "open" ? "已连接" : "重新连接中";
  });
}());
