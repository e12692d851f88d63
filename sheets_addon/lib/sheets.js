/**
 * The Google Sheets side of the functions the service computes: one POST
 * /api/v1/functions/<NAME> per use of a function (a range given for single values is one
 * request of many calls), through UrlFetchApp, with the service's address and token from the
 * document properties that the add-on's Settings keep (Code.gs: FUNNEL_KPI_SERVICE_URL,
 * FUNNEL_KPI_TOKEN). A custom function cannot ask for anything: a missing setting or a refused
 * request is an error whose message says what to do (the cell shows #ERROR! with it).
 */
var FunnelSheets = (function () {
  'use strict';
  var URL_KEY = 'FUNNEL_KPI_SERVICE_URL';
  var TOKEN_KEY = 'FUNNEL_KPI_TOKEN';
  var MAX_CALLS = 5000; // the service's FUNCTIONS_MAX_CALLS default

  function settings() {
    var props = PropertiesService.getDocumentProperties();
    var url = (props.getProperty(URL_KEY) || '').replace(/\/+$/, '');
    var token = props.getProperty(TOKEN_KEY) || '';
    if (!url || !token) {
      throw new Error('Set the service URL and token: Funnel KPI > Settings / ' +
        'Укажите адрес сервиса и токен: Funnel KPI > Настройки');
    }
    return { url: url, token: token };
  }

  function post(s, name, calls) {
    var response = UrlFetchApp.fetch(s.url + '/api/v1/functions/' + encodeURIComponent(name), {
      method: 'post', contentType: 'application/json', muteHttpExceptions: true,
      headers: { Authorization: 'Bearer ' + s.token }, payload: JSON.stringify({ calls: calls })
    });
    var code = response.getResponseCode();
    var body = null;
    try {
      body = JSON.parse(response.getContentText());
    } catch (e) {
      body = null;
    }
    if (code === 200 && body && Array.isArray(body.results)) return body.results;
    var message = body && body.error ? body.error.message : 'HTTP ' + code;
    if (code === 401) message = 'The service refused the token: set a new one in Funnel KPI > Settings / ' +
      'Сервис не принял токен: задайте новый в Funnel KPI > Настройки';
    throw new Error(name + ': ' + message);
  }

  /**
   * A date cell's day as the spreadsheet shows it: Sheets hands a custom function a Date at
   * midnight in the spreadsheet's time zone, which the script's own zone may put on another day.
   */
  function dateText() {
    var tz = null;
    try {
      tz = SpreadsheetApp.getActiveSpreadsheet().getSpreadsheetTimeZone();
    } catch (e) {
      tz = null;
    }
    if (!tz) return null;
    if (typeof Utilities !== 'undefined' && Utilities.formatDate) {
      return function (d) { return Utilities.formatDate(d, tz, 'yyyy-MM-dd'); };
    }
    var format = new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit' });
    return function (d) { return format.format(d); };
  }

  /** A function computed by the service, as a cell (or cells). */
  function remote(spec, args) {
    var batch = FunnelRun.calls(spec, args, dateText());
    var s = settings();
    var results = [];
    for (var i = 0; i < batch.calls.length; i += MAX_CALLS) {
      results = results.concat(post(s, spec.name, batch.calls.slice(i, i + MAX_CALLS)));
    }
    return FunnelRun.assemble(results, batch.shape);
  }

  return { remote: remote, settings: settings };
})();

if (typeof module !== 'undefined' && module.exports) module.exports = FunnelSheets;
