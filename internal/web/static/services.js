// govshare console, data services (数据服务): the copy button of a secret
// shown once (app.js draws the usage charts). No inline scripts: the CSP
// forbids them.
(function () {
  "use strict";
  document.addEventListener("click", function (e) {
    var btn = e.target.closest && e.target.closest("[data-copy]");
    if (!btn) return;
    var target = document.querySelector(btn.getAttribute("data-copy"));
    if (!target) return;
    var text = target.textContent.trim();
    var done = function () { btn.textContent = btn.getAttribute("data-copied") || btn.textContent; };
    // Select the text too, so Ctrl+C works where the clipboard API is not allowed.
    var range = document.createRange();
    range.selectNodeContents(target);
    var sel = window.getSelection();
    sel.removeAllRanges();
    sel.addRange(range);
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(text).then(done, function () {});
    }
  });
})();
