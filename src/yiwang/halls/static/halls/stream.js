/* The hall's event stream (server-sent events) for the display, the window terminal and the
   phone, reconnecting for good. EventSource reconnects by itself after a dropped connection, but
   gives up (readyState CLOSED) when an answer is not 200 — a proxy's 502/503 while the app
   servers are being replaced or one has just died (docs/operations.md, "Scale-out"). Then a new
   stream is opened after a few seconds, asking for what was missed (`last_event_id`).
   YiwangStream(url, {event: handler, ...}, onLink) → onLink("open" | "error"). */
(function () {
  "use strict";
  window.YiwangStream = function (url, handlers, onLink) {
    var lastId = "";
    var retryMs = 3000;
    function connect() {
      var target = url;
      if (lastId) {
        target += (url.indexOf("?") < 0 ? "?" : "&") + "last_event_id=" + encodeURIComponent(lastId);
      }
      var source = new EventSource(target);
      source.addEventListener("open", function () { if (onLink) { onLink("open"); } });
      source.addEventListener("error", function () {
        if (onLink) { onLink("error"); }
        if (source.readyState === EventSource.CLOSED) { setTimeout(connect, retryMs); }
      });
      Object.keys(handlers).forEach(function (name) {
        source.addEventListener(name, function (e) {
          if (e.lastEventId) { lastId = e.lastEventId; }
          handlers[name](e);
        });
      });
    }
    connect();
  };
}());
