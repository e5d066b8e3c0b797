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

  function save(fieldset) {
    var q = fieldset.getAttribute("data-question");
    fetch(api + q, {
      method: "PUT",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": token },
      body: JSON.stringify({ answer: valueOf(fieldset) })
    }).then(function (r) {
      if (r.ok) {
        status.textContent = "已自动保存" + fieldset.querySelector("legend").textContent.split("（")[0];
        fieldset.setAttribute("data-saved", "1");
      } else {
        return r.json().then(function (b) { status.textContent = b.message || "保存失败，请点击“保存答案”"; });
      }
    }).catch(function () { status.textContent = "网络中断，答案暂未保存；恢复后请点击“保存答案”。"; });
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
