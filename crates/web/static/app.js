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
  // 法条检索 beside a request form: search the law base, insert a cited article (with
  // its version) into the text box last typed in.
  var lastText = null;
  document.addEventListener('focusin', function (e) {
    if (e.target.tagName === 'TEXTAREA') { lastText = e.target; }
  });
  document.querySelectorAll('[data-law-helper]').forEach(function (helper) {
    var form = helper.querySelector('form');
    var list = helper.querySelector('.law-helper-hits');
    var status = helper.querySelector('.law-helper-status');
    form.addEventListener('submit', function (e) {
      e.preventDefault();
      var q = form.q.value.trim();
      list.textContent = '';
      if (!q) { status.textContent = '请输入检索词'; return; }
      status.textContent = '检索中…';
      fetch('/api/v1/laws/search?limit=5&semantic=true&q=' + encodeURIComponent(q), { credentials: 'same-origin' })
        .then(function (r) { return r.json().then(function (body) { return { ok: r.ok, body: body }; }); })
        .then(function (res) {
          if (!res.ok) { status.textContent = (res.body.error && res.body.error.message) || '检索失败'; return; }
          status.textContent = res.body.hits.length ? '' : '没有找到相关条文';
          res.body.hits.forEach(function (h) {
            var li = document.createElement('li');
            var a = document.createElement('a');
            a.href = '/laws/' + encodeURIComponent(h.law) + '/' + h.anchor + (h.status === 'in_force' ? '' : '?version=' + h.version);
            a.target = '_blank';
            a.rel = 'noopener';
            a.textContent = '《' + h.law + '》' + h.label;
            var cite = document.createElement('button');
            cite.type = 'button';
            cite.className = 'secondary cite';
            cite.textContent = '引用';
            cite.addEventListener('click', function () {
              var box = lastText || document.querySelector('form textarea');
              if (!box) { return; }
              var quote = '《' + h.title + '》' + h.label + '（' + h.version + '版）：' + h.text.replace(/\n/g, ' ');
              box.value = box.value ? box.value.replace(/\s*$/, '') + '\n' + quote : quote;
              box.focus();
            });
            var text = document.createElement('div');
            text.className = 'small';
            text.textContent = h.text.length > 120 ? h.text.slice(0, 120) + '…' : h.text;
            li.appendChild(a);
            li.appendChild(cite);
            li.appendChild(text);
            list.appendChild(li);
          });
        })
        .catch(function () { status.textContent = '检索失败，请稍后再试'; });
    });
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
