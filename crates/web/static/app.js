// 公道: small progressive enhancements; every page works without this file.
(function () {
  // Ask before destructive actions.
  document.addEventListener('submit', function (e) {
    var form = e.target;
    var question = form.getAttribute('data-confirm');
    if (question && !window.confirm(question)) { e.preventDefault(); }
  });
  // Filter selects submit their form when changed.
  document.querySelectorAll('form.auto-submit select').forEach(function (select) {
    select.addEventListener('change', function () { select.form.submit(); });
  });
  // Kiosk pages return to their start after a while without a touch or a key.
  var idle = document.querySelector('[data-idle-reset]');
  if (idle) {
    var seconds = parseInt(idle.getAttribute('data-idle-seconds') || '90', 10);
    var timer;
    var reset = function () {
      clearTimeout(timer);
      timer = setTimeout(function () { window.location.href = idle.getAttribute('data-idle-reset'); }, seconds * 1000);
    };
    ['click', 'keydown', 'touchstart', 'scroll', 'input'].forEach(function (ev) {
      document.addEventListener(ev, reset, { passive: true });
    });
    reset();
  }
})();
