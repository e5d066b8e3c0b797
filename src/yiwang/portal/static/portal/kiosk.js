/* Kiosk mode: idle timeout — after data-idle-seconds without a touch or key, a warning with a
   15-second countdown; then every form is cleared and the session is ended (POST /kiosk/logout/),
   which reloads a blank home page. Also: [data-print] buttons print the page. */
(function () {
  "use strict";
  var body = document.body;
  var idle = parseInt(body.dataset.idleSeconds || "120", 10) * 1000;
  var WARN_MS = 15000;
  var warning = document.getElementById("idle-warning");
  var count = document.getElementById("idle-count");
  var stay = document.getElementById("idle-stay");
  var logout = document.getElementById("kiosk-logout");
  var idleTimer = null, tickTimer = null, left = 0, warned = false;

  function clearTyped() {
    Array.prototype.forEach.call(document.querySelectorAll("form"), function (f) { f.reset(); });
    Array.prototype.forEach.call(document.querySelectorAll("input:not([type=hidden])"), function (i) { i.value = ""; });
  }

  function endSession() {
    clearTyped();
    body.dataset.idle = "ended";
    if (logout) { logout.submit(); } else { window.location.replace("/kiosk/"); }
  }

  function showWarning() {
    warned = true;
    left = WARN_MS / 1000;
    count.textContent = String(left);
    warning.hidden = false;
    stay.focus();
    tickTimer = setInterval(function () {
      left -= 1;
      count.textContent = String(Math.max(left, 0));
      if (left <= 0) { clearInterval(tickTimer); endSession(); }
    }, 1000);
  }

  function activity() {
    if (warned) { return; }  // only the button dismisses the warning
    clearTimeout(idleTimer);
    idleTimer = setTimeout(showWarning, Math.max(idle - WARN_MS, 1000));
  }

  stay.addEventListener("click", function () {
    clearInterval(tickTimer);
    warning.hidden = true;
    warned = false;
    activity();
  });
  ["pointerdown", "keydown", "touchstart", "input"].forEach(function (ev) {
    document.addEventListener(ev, activity, { passive: true });
  });
  activity();

  Array.prototype.forEach.call(document.querySelectorAll("[data-print]"), function (b) {
    b.addEventListener("click", function () { window.print(); });
  });
}());
