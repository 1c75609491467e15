/* tipline: the proof of work of the "under attack" mode (issue 18; src/web/assets.rs, src/domain/guard/work.rs).
   On Send, find a counter n with SHA-256(prefix ":" n) starting with `bits` zero bits, then send. Without this script the waiting page asks for a short wait instead. */
(function () {
  var K = [0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2];
  var W = new Array(64);
  function rotr(x, n) { return (x >>> n) | (x << (32 - n)); }
  /* The first word of SHA-256 of an ASCII text of at most 55 characters (one block); the
     rest of the digest is not needed for up to 32 zero bits. */
  function firstWord(s) {
    var i, a, b, c, d, e, f, g, h, t1, t2, n = s.length;
    for (i = 0; i < 16; i++) W[i] = 0;
    for (i = 0; i < n; i++) W[i >> 2] |= s.charCodeAt(i) << (24 - (i & 3) * 8);
    W[n >> 2] |= 0x80 << (24 - (n & 3) * 8);
    W[15] = n * 8;
    for (i = 16; i < 64; i++) {
      a = W[i - 15]; b = W[i - 2];
      W[i] = ((rotr(a, 7) ^ rotr(a, 18) ^ (a >>> 3)) + W[i - 16] + (rotr(b, 17) ^ rotr(b, 19) ^ (b >>> 10)) + W[i - 7]) | 0;
    }
    a = 0x6a09e667; b = 0xbb67ae85; c = 0x3c6ef372; d = 0xa54ff53a;
    e = 0x510e527f; f = 0x9b05688c; g = 0x1f83d9ab; h = 0x5be0cd19;
    for (i = 0; i < 64; i++) {
      t1 = (h + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K[i] + W[i]) | 0;
      t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) | 0;
      h = g; g = f; f = e; e = (d + t1) | 0; d = c; c = b; b = a; a = (t1 + t2) | 0;
    }
    return (a + 0x6a09e667) >>> 0;
  }
  function solve(prefix, bits, done) {
    var n = 0, limit = Math.pow(2, 32 - bits);
    (function slice() {
      var end = n + 20000;
      for (; n < end; n++) if (firstWord(prefix + ':' + n) < limit) return done(n);
      setTimeout(slice, 0); /* let the page breathe between slices */
    })();
  }
  var busy = false, clicked = null;
  /* Browsers without `submitter` (before 2020): the button last clicked; Enter in a field clicks
     the form's default button too. Not knowing which was pressed, leave it to the waiting page. */
  document.addEventListener('click', function (ev) {
    var b = ev.target;
    while (b && b.nodeName != 'BUTTON') b = b.parentNode;
    if (b) clicked = b;
  }, true);
  document.addEventListener('submit', function (ev) {
    var f = ev.target, w = f.querySelector('input[name=work_pass]'), p = f.querySelector('input[name=work_proof]'),
      s = 'submitter' in ev ? ev.submitter : clicked, st = document.getElementById('work-status'), bits;
    if (!w || !p || p.value || !s || (s.name == 'step' && s.value != 'send')) return;
    bits = +w.getAttribute('data-bits');
    if (!(bits >= 0 && bits <= 32)) return;
    ev.preventDefault();
    if (busy) return;
    busy = true;
    if (st) st.textContent = st.getAttribute('data-text');
    solve(w.getAttribute('data-prefix'), bits, function (n) {
      var step = document.createElement('input');
      p.value = String(n);
      step.type = 'hidden'; step.name = 'step'; step.value = 'send';
      f.appendChild(step);
      f.submit();
    });
  });
})();
