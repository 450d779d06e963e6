(function () {
  'use strict';
  // Filters, sorting and printing for the scim-doctor report. No network, no libraries.
  var boxes = Array.prototype.slice.call(document.querySelectorAll('#status-filter input[type=checkbox]'));
  var search = document.getElementById('check-search');
  var live = document.getElementById('filter-status');
  var checks = Array.prototype.slice.call(document.querySelectorAll('details.check'));
  function applyChecks() {
    var on = {};
    boxes.forEach(function (b) { on[b.value] = b.checked; });
    var q = search ? search.value.trim().toLowerCase() : '';
    var shown = 0;
    checks.forEach(function (c) {
      var ok = on[c.getAttribute('data-status')] !== false &&
        (!q || (c.getAttribute('data-search') || '').indexOf(q) >= 0);
      c.hidden = !ok;
      if (ok) { shown += 1; }
    });
    if (live) { live.textContent = shown + ' of ' + checks.length + ' checks shown'; }
  }
  boxes.forEach(function (b) { b.addEventListener('change', applyChecks); });
  if (search) { search.addEventListener('input', applyChecks); }
  Array.prototype.forEach.call(document.querySelectorAll('input.row-filter'), function (inp) {
    inp.addEventListener('input', function () {
      var table = document.getElementById(inp.getAttribute('aria-controls'));
      if (!table) { return; }
      var q = inp.value.trim().toLowerCase();
      Array.prototype.forEach.call(table.tBodies[0].rows, function (r) {
        r.hidden = q !== '' && r.textContent.toLowerCase().indexOf(q) < 0;
      });
    });
  });
  function key(cell) {
    var t = cell ? cell.textContent.trim() : '';
    var n = Number(t);
    return t !== '' && !isNaN(n) ? n : t.toLowerCase();
  }
  Array.prototype.forEach.call(document.querySelectorAll('th button.sort'), function (btn) {
    btn.addEventListener('click', function () {
      var th = btn.parentNode;
      var table = th.closest('table');
      var col = Array.prototype.indexOf.call(th.parentNode.children, th);
      var asc = th.getAttribute('aria-sort') !== 'ascending';
      Array.prototype.forEach.call(th.parentNode.children, function (o) { o.removeAttribute('aria-sort'); });
      th.setAttribute('aria-sort', asc ? 'ascending' : 'descending');
      var body = table.tBodies[0];
      var rows = Array.prototype.slice.call(body.rows);
      rows.sort(function (a, b) {
        var x = key(a.cells[col]), y = key(b.cells[col]);
        var r = x < y ? -1 : (x > y ? 1 : 0);
        return asc ? r : -r;
      });
      rows.forEach(function (r) { body.appendChild(r); });
    });
  });
  window.addEventListener('beforeprint', function () {
    checks.forEach(function (c) { c.setAttribute('data-was-open', c.open ? '1' : ''); c.open = true; });
  });
  window.addEventListener('afterprint', function () {
    checks.forEach(function (c) { c.open = c.getAttribute('data-was-open') === '1'; });
  });
  applyChecks();
}());
