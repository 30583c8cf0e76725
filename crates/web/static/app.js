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
  // Print buttons (回执, documents) — no inline handlers, so the pages keep a strict
  // content security policy.
  document.querySelectorAll('[data-print]').forEach(function (b) {
    b.addEventListener('click', function () { window.print(); });
  });
  // A file chosen is read into the form's text box (the plan file): the form posts text,
  // and what was read can be looked at before it is sent.
  document.querySelectorAll('[data-file-into]').forEach(function (input) {
    input.addEventListener('change', function () {
      var target = document.getElementById(input.getAttribute('data-file-into'));
      var file = input.files && input.files[0];
      if (!target || !file) { return; }
      var reader = new FileReader();
      reader.onload = function () { target.value = reader.result; };
      reader.readAsText(file, 'utf-8');
    });
  });
  document.querySelectorAll('[data-back]').forEach(function (b) {
    b.addEventListener('click', function (e) { e.preventDefault(); window.history.back(); });
  });

  // The village picker: the township first, then its village, or a search by name that
  // shows “平台镇 · 民乐村”. The original select (grouped by township) stays in the form
  // and carries the choice; without this script it is used as it is.
  document.querySelectorAll('[data-place-picker]').forEach(function (box) {
    var select = box.querySelector('select');
    var groups = Array.prototype.slice.call(select.querySelectorAll('optgroup'));
    if (!groups.length) { return; }
    var label = box.querySelector('label');
    var steps = document.createElement('div');
    steps.className = 'place-steps';
    var town = document.createElement('select');
    town.id = select.id + '-township';
    town.setAttribute('aria-label', '乡镇（街道）');
    var village = document.createElement('select');
    village.id = select.id + '-village';
    village.setAttribute('aria-label', '村（社区）');
    var add = function (sel, value, text) {
      var o = document.createElement('option');
      o.value = value;
      o.textContent = text;
      sel.appendChild(o);
      return o;
    };
    add(town, '', '先选乡镇（街道）');
    Array.prototype.forEach.call(select.children, function (child) {
      if (child.tagName === 'OPTION' && child.value) { add(town, child.value, child.textContent); }
    });
    groups.forEach(function (g) { add(town, 'g:' + g.getAttribute('data-township'), g.label); });
    var fillVillages = function () {
      village.textContent = '';
      var g = town.value.indexOf('g:') === 0 ? select.querySelector('optgroup[data-township="' + town.value.slice(2) + '"]') : null;
      if (!g) {
        add(village, '', town.value ? '（无需选择）' : '再选村（社区）');
        village.disabled = true;
        select.value = town.value;
        return;
      }
      village.disabled = false;
      add(village, '', '再选村（社区）');
      Array.prototype.forEach.call(g.querySelectorAll('option'), function (o) { add(village, o.value, o.textContent); });
      select.value = '';
    };
    town.addEventListener('change', fillVillages);
    village.addEventListener('change', function () { select.value = village.value; });
    var search = document.createElement('input');
    search.type = 'search';
    search.className = 'place-search';
    search.id = select.id + '-search';
    search.placeholder = '或输入村（社区）名称查找，如：民乐村';
    search.setAttribute('aria-label', '按名称查找村（社区）');
    var matches = document.createElement('ul');
    matches.className = 'place-matches';
    var choose = function (townCode, value) {
      town.value = 'g:' + townCode;
      fillVillages();
      village.value = value;
      select.value = value;
      matches.textContent = '';
      search.value = '';
    };
    search.addEventListener('input', function () {
      var q = search.value.trim();
      matches.textContent = '';
      if (!q) { return; }
      var found = 0;
      groups.forEach(function (g) {
        Array.prototype.forEach.call(g.querySelectorAll('option:not([data-township-itself])'), function (o) {
          if (found >= 12 || o.textContent.indexOf(q) < 0) { return; }
          found += 1;
          var li = document.createElement('li');
          var b = document.createElement('button');
          b.type = 'button';
          b.textContent = g.label + ' · ' + o.textContent;
          b.addEventListener('click', function () { choose(g.getAttribute('data-township'), o.value); });
          li.appendChild(b);
          matches.appendChild(li);
        });
      });
      if (!found) {
        var none = document.createElement('li');
        none.className = 'muted small';
        none.textContent = '没有找到，请按乡镇（街道）选择';
        matches.appendChild(none);
      }
    });
    // Start from what is chosen already (a form that came back, a kiosk's township).
    var current = select.options[select.selectedIndex];
    if (current && current.value) {
      var parent = current.parentNode;
      if (parent.tagName === 'OPTGROUP') {
        town.value = 'g:' + parent.getAttribute('data-township');
        fillVillages();
        village.value = current.value;
        select.value = current.value;
      } else {
        town.value = current.value;
        fillVillages();
      }
    } else {
      fillVillages();
    }
    steps.appendChild(town);
    steps.appendChild(village);
    select.hidden = true;
    select.setAttribute('aria-hidden', 'true');
    select.tabIndex = -1;
    if (label) { label.setAttribute('for', town.id); }
    if (select.getAttribute('aria-describedby')) {
      town.setAttribute('aria-describedby', select.getAttribute('aria-describedby'));
      town.setAttribute('aria-invalid', 'true');
    }
    select.parentNode.insertBefore(steps, select);
    select.parentNode.insertBefore(search, select);
    select.parentNode.insertBefore(matches, select);
  });

  // A kiosk (智能终端) keeps nothing a citizen typed: no autofill suggestions, and
  // after a while without a touch a warning, then every form is emptied and the
  // terminal goes back to its start page.
  var kiosk = document.body.getAttribute('data-kiosk-home');
  if (kiosk) {
    var clearForms = function () {
      document.querySelectorAll('form').forEach(function (f) {
        f.querySelectorAll('input, textarea, select').forEach(function (el) {
          if (el.type === 'hidden' || el.type === 'submit' || el.type === 'button') { return; }
          if (el.type === 'checkbox' || el.type === 'radio') { el.checked = false; return; }
          if (el.tagName === 'SELECT') { el.selectedIndex = 0; return; }
          el.value = '';
        });
      });
    };
    document.querySelectorAll('form').forEach(function (f) { f.setAttribute('autocomplete', 'off'); });
    // The back button of a public terminal leads to the start, never to the page an
    // earlier citizen left (their question, their answer).
    var nav = window.performance && performance.getEntriesByType ? performance.getEntriesByType('navigation')[0] : null;
    if (nav && nav.type === 'back_forward' && window.location.pathname !== '/') {
      window.location.replace(kiosk);
      return;
    }
    window.addEventListener('pageshow', function (e) {
      if (e.persisted) { clearForms(); if (window.location.pathname !== '/') { window.location.replace(kiosk); } }
    });
    var idleSeconds = parseInt(document.body.getAttribute('data-idle-seconds') || '90', 10);
    var warning = document.getElementById('kiosk-warning');
    var countdown = warning ? warning.querySelector('.kiosk-countdown') : null;
    var idleTimer = null;
    var tick = null;
    var goHome = function () {
      clearForms();
      window.location.replace(kiosk);
    };
    var warn = function () {
      if (!warning) { goHome(); return; }
      var left = parseInt(document.body.getAttribute('data-warn-seconds') || '15', 10);
      warning.hidden = false;
      countdown.textContent = left;
      tick = setInterval(function () {
        left -= 1;
        countdown.textContent = left;
        if (left <= 0) { clearInterval(tick); goHome(); }
      }, 1000);
    };
    var restart = function () {
      clearTimeout(idleTimer);
      clearInterval(tick);
      if (warning) { warning.hidden = true; }
      idleTimer = setTimeout(warn, idleSeconds * 1000);
    };
    var stay = document.getElementById('kiosk-stay');
    if (stay) { stay.addEventListener('click', restart); }
    ['click', 'keydown', 'touchstart', 'scroll', 'input'].forEach(function (ev) {
      document.addEventListener(ev, function () { if (!warning || warning.hidden) { restart(); } }, { passive: true });
    });
    restart();
  }
})();
