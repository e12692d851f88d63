/**
 * The Office add-in's side (Excel on the web, Mac and Windows): the functions made with
 * CustomFunctions.associate in functions.js run here. Every parameter is declared a matrix
 * (functions.json), so one cell arrives as [[x]] and is handed on as x; results go back as
 * matrices, and an error text becomes Excel's own error value (CustomFunctions.Error). The
 * service's functions are fetched (async) with the address and token the task pane saved.
 */
var FunnelOffice = (function () {
  'use strict';
  var URL_KEY = 'FUNNEL_KPI_SERVICE_URL';
  var TOKEN_KEY = 'FUNNEL_KPI_TOKEN';
  var MAX_CALLS = 5000;
  var CODES = {
    '#DIV/0!': 'divisionByZero', '#VALUE!': 'invalidValue', '#N/A': 'notAvailable',
    '#NUM!': 'invalidNumber', '#NULL!': 'nullReference', '#NAME?': 'invalidName',
    '#REF!': 'invalidReference'
  };

  function storage() {
    if (typeof OfficeRuntime !== 'undefined' && OfficeRuntime.storage) return OfficeRuntime.storage;
    return {
      getItem: function (k) { return Promise.resolve(localStorage.getItem(k)); },
      setItem: function (k, v) { localStorage.setItem(k, v); return Promise.resolve(); }
    };
  }

  function settings() {
    var store = storage();
    return Promise.all([store.getItem(URL_KEY), store.getItem(TOKEN_KEY)]).then(function (v) {
      return { url: (v[0] || '').replace(/\/+$/, ''), token: v[1] || '' };
    });
  }

  function saveSettings(url, token) {
    var store = storage();
    return Promise.all([store.setItem(URL_KEY, url.trim()),
      token ? store.setItem(TOKEN_KEY, token.trim()) : Promise.resolve()]);
  }

  /** One cell given as [[x]] is x (a matrix parameter); ranges stay ranges. Trailing
   *  arguments Excel passes as null were left out: their defaults apply. */
  function unwrap(args) {
    var n = args.length;
    while (n > 0 && (args[n - 1] === null || args[n - 1] === undefined)) n--;
    return args.slice(0, n).map(function (a) {
      return Array.isArray(a) && a.length === 1 && Array.isArray(a[0]) && a[0].length === 1 ? a[0][0] : a;
    });
  }

  function excelCell(x) {
    if (typeof x === 'string' && CODES[x] && typeof CustomFunctions !== 'undefined') {
      return new CustomFunctions.Error(CustomFunctions.ErrorCode[CODES[x]]);
    }
    return x === undefined ? null : x;
  }

  function matrix(result) {
    var rows = Array.isArray(result) ? result : [[result]];
    return rows.map(function (row) { return row.map(excelCell); });
  }

  function local(spec, args) {
    return matrix(FunnelRun.local(spec, unwrap(args)));
  }

  function post(s, name, calls) {
    return fetch(s.url + '/api/v1/functions/' + encodeURIComponent(name), {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Authorization: 'Bearer ' + s.token },
      body: JSON.stringify({ calls: calls })
    }).then(function (response) {
      return response.json().catch(function () { return null; }).then(function (body) {
        if (response.ok && body && Array.isArray(body.results)) return body.results;
        var message = body && body.error ? body.error.message : 'HTTP ' + response.status;
        throw new Error(name + ': ' + message);
      });
    });
  }

  function remote(spec, args) {
    var batch = FunnelRun.calls(spec, unwrap(args));
    return settings().then(function (s) {
      if (!s.url || !s.token) {
        throw new Error('Set the service URL and token in the Funnel KPI task pane / ' +
          'Укажите адрес сервиса и токен в панели Funnel KPI');
      }
      var posts = [];
      for (var i = 0; i < batch.calls.length; i += MAX_CALLS) {
        posts.push(post(s, spec.name, batch.calls.slice(i, i + MAX_CALLS)));
      }
      return Promise.all(posts);
    }).then(function (parts) {
      return matrix(FunnelRun.assemble([].concat.apply([], parts), batch.shape));
    });
  }

  return { local: local, remote: remote, settings: settings, saveSettings: saveSettings };
})();

if (typeof module !== 'undefined' && module.exports) module.exports = FunnelOffice;
