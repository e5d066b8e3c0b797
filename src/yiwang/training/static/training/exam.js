// Saves each answer as the candidate goes (PUT /api/v1/training/attempts/{id}/answers/{q}, the
// session's CSRF token), and shows the time left by the server's end time. The form still posts
// every answer on 保存答案 / 交卷, so nothing depends on this script.
(function () {
  "use strict";
  var form = document.getElementById("paper");
  if (!form) return;
  var status = document.getElementById("save-status");
  var token = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  var api = form.getAttribute("data-api");

  function valueOf(fieldset) {
    var kind = fieldset.getAttribute("data-kind");
    if (kind === "multiple") {
      return Array.prototype.map.call(fieldset.querySelectorAll("input:checked"), function (i) { return i.value; });
    }
    if (kind === "single" || kind === "true_false") {
      var c = fieldset.querySelector("input:checked");
      return c ? c.value : null;
    }
    var t = fieldset.querySelector("input[type=text], textarea");
    return t ? t.value : null;
  }

  // One save in flight per question: a change made meanwhile is sent when it returns, so an older
  // value can never land after a newer one (each request reads the field when it is sent). A
  // network failure or a restarting server (502/503/504) is retried after a growing, randomised
  // pause (1 s, 2 s, 4 s, 8 s, then every 10 s; each × 0.5–1.5): after a server restart the
  // candidates' browsers come back spread out, not all in the same instant. A refusal (time up,
  // handed in, invalid) is shown and not retried.
  var inflight = {};
  var again = {};
  function save(fieldset, tries) {
    var q = fieldset.getAttribute("data-question");
    if (inflight[q]) {
      again[q] = true;
      return;
    }
    inflight[q] = true;
    tries = tries || 0;
    function done() {
      inflight[q] = false;
      if (again[q]) {
        again[q] = false;
        save(fieldset);
      }
    }
    function retry() {
      status.textContent = "网络中断，答案暂未保存，正在自动重试…";
      inflight[q] = false;
      again[q] = false;
      var pause = Math.min(10000, 1000 * Math.pow(2, tries)) * (0.5 + Math.random());
      setTimeout(function () { save(fieldset, tries + 1); }, pause);
    }
    fetch(api + q, {
      method: "PUT",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": token },
      body: JSON.stringify({ answer: valueOf(fieldset) })
    }).then(function (r) {
      if (r.ok) {
        status.textContent = "已自动保存" + fieldset.querySelector("legend").textContent.split("（")[0];
        fieldset.setAttribute("data-saved", "1");
        return done();
      }
      if (r.status === 502 || r.status === 503 || r.status === 504) return retry();
      return r.json().then(function (b) { status.textContent = b.message || "保存失败，请点击“保存答案”"; done(); });
    }).catch(retry);
  }

  form.addEventListener("change", function (e) {
    var fs = e.target.closest("fieldset.question");
    if (fs) save(fs);
  });

  var timer = document.getElementById("timer");
  var left = parseInt(timer.getAttribute("data-left"), 10);
  var end = Date.now() + left * 1000;
  function tick() {
    var s = Math.max(0, Math.round((end - Date.now()) / 1000));
    var m = Math.floor(s / 60);
    timer.textContent = "剩余时间 " + m + " 分 " + (s % 60) + " 秒（以服务器时间为准）";
    if (s === 0) {
      status.textContent = "考试时间已到，请交卷。";
      return;
    }
    setTimeout(tick, 1000);
  }
  tick();
})();
