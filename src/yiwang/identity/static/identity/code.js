/* 电子身份码 page: count down the code's lifetime and fetch a fresh code when it ends.
   Without JavaScript the page still works: the "刷新身份码" link loads a new code. */
(function () {
  "use strict";
  var card = document.getElementById("identity-card");
  if (!card || !window.fetch) { return; }
  var qr = document.getElementById("identity-qr");
  var text = document.getElementById("identity-text");
  var expiresEl = document.getElementById("identity-expires");
  var countdown = document.getElementById("identity-countdown");
  var status = document.getElementById("identity-status");
  // Count on this device's clock from the code's lifetime, not the server's expiry time: phones'
  // clocks are often off by more than a minute.
  var expires = Date.now() + parseInt(card.getAttribute("data-ttl"), 10) * 1000;
  var busy = false;

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function refresh() {
    if (busy) { return; }
    busy = true;
    fetch(card.getAttribute("data-api"), { credentials: "same-origin", cache: "no-store" })
      .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
      .then(function (data) {
        var d = new Date(data.expires_at);
        qr.innerHTML = data.qr_svg;
        if (text) { text.value = data.code; }
        expiresEl.setAttribute("datetime", data.expires_at);
        expiresEl.textContent = pad(d.getHours()) + ":" + pad(d.getMinutes()) + ":" + pad(d.getSeconds());
        expires = Date.now() + data.ttl_seconds * 1000;
        status.textContent = "已自动更新身份码";
      })
      .catch(function () { status.textContent = "身份码已过期，请点击“刷新身份码”。"; })
      .then(function () { busy = false; });
  }

  function tick() {
    var left = Math.round((expires - Date.now()) / 1000);
    if (left <= 0) {
      countdown.textContent = "";
      refresh();
    } else {
      countdown.textContent = "（剩余 " + left + " 秒）";
      if (left > 5 && status.textContent === "已自动更新身份码" && left < 50) { status.textContent = ""; }
    }
  }

  tick();
  window.setInterval(tick, 1000);
})();
