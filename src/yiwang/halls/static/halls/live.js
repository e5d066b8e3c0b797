/* Live updates for the window terminal (#window-status: waiting counts) and the phone's queue
   page (.queue-position): both follow the hall's public event stream. The phone shows its own
   call at once (number and window from the event); on other changes it re-reads its page once
   (debounced) — a read per change, never a timer. */
(function () {
  "use strict";
  var pos = document.querySelector(".queue-position[data-hall]");
  var win = document.getElementById("window-status");
  var el = pos || (win && win.dataset.hall ? win : null);
  if (!el || !window.EventSource) { return; }
  var url = "/api/v1/halls/" + encodeURIComponent(el.dataset.hall) + "/events";

  function setCounts(counts) {
    Object.keys(counts || {}).forEach(function (code) {
      var span = win.querySelector('.waiting-count[data-business="' + code + '"]');
      if (span) { span.textContent = String(counts[code]); }
    });
  }
  if (win && el === win) {
    YiwangStream(url, {
      queue: function (e) { setCounts(JSON.parse(e.data || "{}")); },
      state: function (e) { setCounts(JSON.parse(e.data || "{}").waiting); }
    });
    return;
  }

  var timer = null;
  function refresh() {
    clearTimeout(timer);
    timer = setTimeout(function () {
      fetch(window.location.href, { headers: { Accept: "text/html" }, credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.text() : null; })
        .then(function (html) {
          if (!html) { return; }
          var fresh = new DOMParser().parseFromString(html, "text/html").querySelector(".queue-position");
          if (fresh) { pos.innerHTML = fresh.innerHTML; }
        })
        .catch(function () {});
    }, 500);
  }
  function onCall(e) {
    var call = JSON.parse(e.data);
    if (call.number === pos.dataset.number) {
      pos.textContent = "";
      var p = document.createElement("p");
      p.appendChild(document.createTextNode("请 "));
      var n = document.createElement("strong"); n.textContent = call.number; p.appendChild(n);
      p.appendChild(document.createTextNode(" 号到 "));
      var w = document.createElement("strong"); w.textContent = call.window + " 号窗口"; p.appendChild(w);
      p.appendChild(document.createTextNode("办理。"));
      pos.appendChild(p);
    } else {
      refresh();
    }
  }
  YiwangStream(url, { call: onCall, queue: refresh });
}());
