/* 掌上办: registers the service worker (/sw.js, scope "/") when the home page loads. */
(function () {
  "use strict";
  if (!("serviceWorker" in navigator)) { return; }
  window.addEventListener("load", function () {
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).then(function (reg) {
      document.documentElement.setAttribute("data-sw", "registered");
      return reg;
    }).catch(function () {
      document.documentElement.setAttribute("data-sw", "failed");
    });
  });
}());
