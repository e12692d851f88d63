'use strict';
// The generated Google Sheets functions (functions.gs over lib/*.js) on the cases the Python
// answered (tests/addon/cases.json, written by tests/addon/cases.py): every function that runs
// in JavaScript must give the Excel function's answer, numbers to 1e-9, error texts and
// messages exactly. The files are loaded into one vm context, as Apps Script loads a project.
// The service's functions (FUNNEL, BOTTLENECK, ...) are checked over HTTP by
// office_addin/test/functions.test.js and by the Apps Script stand-in's tests.

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');

const ROOT = path.resolve(__dirname, '..', '..');
const ADDON = path.join(ROOT, 'sheets_addon');
const CASES = JSON.parse(fs.readFileSync(path.join(ROOT, 'tests', 'addon', 'cases.json'), 'utf8'));

function sheetsContext() {
  const context = vm.createContext({});
  for (const file of ['lib/cells.js', 'lib/formulas.js', 'lib/run.js', 'lib/sheets.js', 'functions.gs']) {
    vm.runInContext(fs.readFileSync(path.join(ADDON, file), 'utf8'), context, { filename: file });
  }
  return context;
}

function same(actual, expected, where) {
  if (typeof expected === 'number') {
    assert.equal(typeof actual, 'number', `${where}: ${JSON.stringify(actual)} is not a number`);
    const tolerance = 1e-9 * Math.max(1, Math.abs(expected));
    assert.ok(Math.abs(actual - expected) <= tolerance, `${where}: ${actual} != ${expected}`);
    return;
  }
  if (Array.isArray(expected)) {
    assert.ok(Array.isArray(actual), `${where}: ${JSON.stringify(actual)} is not rows`);
    assert.equal(actual.length, expected.length, `${where}: rows`);
    expected.forEach((row, r) => {
      assert.equal(actual[r].length, row.length, `${where}: row ${r}`);
      row.forEach((cell, c) => same(actual[r][c], cell, `${where} [${r}][${c}]`));
    });
    return;
  }
  assert.equal(actual, expected, where);
}

const context = sheetsContext();
const local = CASES.filter((c) => context.FUNNEL_SPEC[c.function].local);

test('every case of a JavaScript function gives the Python answer', () => {
  assert.ok(local.length > 1000, `only ${local.length} cases`);
  const seen = new Set();
  local.forEach((c, i) => {
    const fn = context[`FUNNEL_${c.function}`];
    same(fn(...c.args), c.expected, `case ${i} ${c.function}(${JSON.stringify(c.args)})`);
    seen.add(c.function);
  });
  const wanted = Object.keys(context.FUNNEL_SPEC).filter((n) => context.FUNNEL_SPEC[n].local);
  assert.deepEqual([...seen].sort(), wanted.sort(), 'a JavaScript function without cases');
});

test('the cases cover blanks, text in number cells and zero denominators', () => {
  const expected = local.map((c) => JSON.stringify(c.expected));
  for (const text of ['"#DIV/0!"', '"#VALUE!"', '"#N/A"', '"#NUM!"']) {
    assert.ok(expected.includes(text), `no case answers ${text}`);
  }
  assert.ok(local.some((c) => c.args.includes('')), 'no blank cell');
  assert.ok(local.some((c) => c.args.includes('abc')), 'no text in a number cell');
  assert.ok(local.some((c) => c.spread), 'no range given for single values');
});

test('the functions computed in JavaScript are exactly those lib/formulas.js has', () => {
  const spec = context.FUNNEL_SPEC;
  const local = Object.keys(spec).filter((n) => spec[n].local).sort();
  assert.deepEqual(local, Object.keys(context.FunnelFormulas.BY_FUNCTION).sort());
});

test('functions.gs gives every function its autocomplete help', () => {
  const source = fs.readFileSync(path.join(ADDON, 'functions.gs'), 'utf8');
  for (const name of Object.keys(context.FUNNEL_SPEC)) {
    const block = new RegExp(`/\\*\\*((?:(?!\\*/)[\\s\\S])*)\\*/\\nfunction FUNNEL_${name}\\(`).exec(source);
    assert.ok(block, `no JSDoc for FUNNEL_${name}`);
    assert.match(block[1], /@customfunction/);
    assert.match(block[1], /@return /);
    for (const arg of context.FUNNEL_SPEC[name].args) {
      assert.match(block[1], new RegExp(`@param \\{[^}]+\\} ${arg.name} .+ / .+`), `${name} ${arg.name}`);
    }
  }
});

test('a custom function needs no network: the service functions ask for settings first', () => {
  const ctx = sheetsContext();
  ctx.PropertiesService = { getDocumentProperties: () => ({ getProperty: () => null }) };
  assert.throws(() => ctx.FUNNEL_FUNNEL([['Leads'], ['Paid']], [[10], [2]]),
    /Set the service URL and token: Funnel KPI > Settings/);
});

const SERVICE = process.env.FUNNEL_SERVICE_URL || '';
const TOKEN = process.env.FUNNEL_TOKEN || '';

/** Apps Script's globals a service function uses, its UrlFetchApp doing real HTTP (curl). */
function withService(timeZone, token) {
  const { execFileSync } = require('node:child_process');
  const ctx = sheetsContext();
  const sent = [];
  ctx.PropertiesService = { getDocumentProperties: () => ({
    getProperty: (k) => ({ FUNNEL_KPI_SERVICE_URL: SERVICE + '/', FUNNEL_KPI_TOKEN: token })[k] || null
  }) };
  ctx.SpreadsheetApp = { getActiveSpreadsheet: () => ({ getSpreadsheetTimeZone: () => timeZone }) };
  ctx.UrlFetchApp = { fetch: (url, params) => {
    sent.push({ url, body: JSON.parse(params.payload) });
    const out = execFileSync('curl', ['-s', '-X', 'POST', '-H', `Content-Type: ${params.contentType}`,
      '-H', `Authorization: ${params.headers.Authorization}`, '--data-binary', '@-', '-w', '\n%{http_code}', url],
    { input: params.payload }).toString();
    const at = out.lastIndexOf('\n');
    return { getResponseCode: () => Number(out.slice(at + 1)), getContentText: () => out.slice(0, at) };
  } };
  return { ctx, sent };
}

const live = { skip: SERVICE ? false : 'FUNNEL_SERVICE_URL is not set (tests/addon/test_node.py sets it)' };

test('a service function: one request per use, dates as the spreadsheet\'s days', live, () => {
  // Sheets hands a date cell as a Date at midnight in the spreadsheet's zone: 2024-01-10 in
  // Tokyo is 15:00 UTC on the 9th, so a script reading days in UTC (these machines) would send
  // the day before. Stage times of 10 and 4 days: mean 7.
  const { ctx, sent } = withService('Asia/Tokyo', TOKEN);
  const tokyo = (iso) => new Date(`${iso}T00:00:00+09:00`);
  const days = ctx.FUNNEL_STAGETIME([[tokyo('2024-01-01')], [tokyo('2024-01-05')]],
    [[tokyo('2024-01-11')], [tokyo('2024-01-09')]]);
  assert.equal(days, 7);
  assert.deepEqual(sent[0].body, { calls: [{ args: [[['2024-01-01'], ['2024-01-05']],
    [['2024-01-11'], ['2024-01-09']]] }] });
  assert.equal(sent[0].url, `${SERVICE}/api/v1/functions/STAGETIME`);
  // a range where one value goes: one request, a call per cell, the answers in its shape
  const months = [];
  const values = [];
  for (const y of [2022, 2023]) {
    for (let m = 1; m <= 12; m++) {
      months.push([tokyo(`${y}-${String(m).padStart(2, '0')}-01`)]);
      values.push([m === 12 ? 30 : 10]);
    }
  }
  const index = ctx.FUNNEL_SEASONALINDEX(months, values, [[1, 12]]);
  assert.equal(sent.length, 2);
  assert.equal(sent[1].body.calls.length, 2);
  // December 30 against a mean month of (11 x 10 + 30) / 12: 30 / 11.666... = 2.5714...
  const plainIndex = JSON.parse(JSON.stringify(index));
  assert.ok(Math.abs(plainIndex[0][0] - 10 / (140 / 12)) < 1e-12, JSON.stringify(plainIndex));
  assert.ok(Math.abs(plainIndex[0][1] - 30 / (140 / 12)) < 1e-12, JSON.stringify(plainIndex));
});

test('a service function with a refused token says what to do', live, () => {
  const { ctx } = withService('UTC', 'wrong-token');
  assert.throws(() => ctx.FUNNEL_FUNNEL([['Leads'], ['Paid']], [[10], [2]]),
    /The service refused the token: set a new one in Funnel KPI > Settings/);
});
