/* tipline: nothing typed stays on a shared phone (SECURITY.md R39; src/web/assets.rs). Pages work without this. */
(function () {
  function wipe() {
    var f = document.querySelectorAll('input,textarea,select'), i, e;
    for (i = 0; i < f.length; i++) {
      e = f[i];
      if (e.type == 'checkbox' || e.type == 'radio') { e.checked = false; e.defaultChecked = false; }
      else if (e.tagName == 'SELECT') { e.selectedIndex = 0; }
      else { e.value = ''; e.defaultValue = ''; }
    }
    f = document.querySelectorAll('.text,.code');
    for (i = 0; i < f.length; i++) f[i].textContent = '';
  }
  addEventListener('pagehide', wipe);
  addEventListener('pageshow', function (ev) {
    if (ev.persisted) { wipe(); location.replace(location.href.split('#')[0]); }
  });
  document.addEventListener('click', function (ev) {
    var a = ev.target.closest && ev.target.closest('.errors a'), el, l;
    if (!a) return;
    el = document.getElementById(a.getAttribute('href').slice(1));
    if (!el) return;
    ev.preventDefault();
    l = el.type == 'radio' ? el.closest('fieldset') : document.querySelector('label[for="' + el.id + '"]');
    (l || el).scrollIntoView();
    el.focus({ preventScroll: true });
  });
})();
