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
})();
