'use strict';
// The generated Office add-in (taskpane.html's scripts, functions.json) as Excel's custom-functions
// runtime would load it: CustomFunctions.associate collects the functions, which are called with every
// argument a matrix, as functions.json declares. The cases are the Python's answers
// (tests/addon/cases.json): the JavaScript functions must give them to 1e-9, error texts as
// Excel's own errors (CustomFunctions.Error). With FUNNEL_SERVICE_URL and FUNNEL_TOKEN set
// (tests/addon/test_node.py starts the real service), the service's functions are fetched over
// real HTTP and must give the Python's answers too; without them those tests skip and say so.

const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');

const ROOT = path.resolve(__dirname, '..', '..');
const OFFICE = path.join(ROOT, 'office_addin');
const CASES = JSON.parse(fs.readFileSync(path.join(ROOT, 'tests', 'addon', 'cases.json'), 'utf8'));
const METADATA = JSON.parse(fs.readFileSync(path.join(OFFICE, 'functions.json'), 'utf8'));
// The scripts the task pane (the shared runtime's page) loads, in its order: the library
// (lib/ links to sheets_addon/lib), the Office transport, then functions.js.
const PAGE_SCRIPTS = [...fs.readFileSync(path.join(OFFICE, 'taskpane.html'), 'utf8')
  .matchAll(/<script src="([^":]+)"><\/script>/g)].map((m) => m[1]);
const SERVICE = process.env.FUNNEL_SERVICE_URL || '';
const TOKEN = process.env.FUNNEL_TOKEN || '';

const ERROR_CODES = {
  divisionByZero: '#DIV/0!', invalidValue: '#VALUE!', notAvailable: '#N/A', invalidNumber: '#NUM!',
  nullReference: '#NULL!', invalidName: '#NAME?', invalidReference: '#REF!'
};

class OfficeError {
  constructor(code, message) { this.code = code; this.message = message; }
}

function runtime(settings) {
  const associated = {};
  const stored = Object.assign({}, settings);
  const context = vm.createContext({
    CustomFunctions: {
      associate: (id, fn) => { associated[id] = fn; },
      Error: OfficeError,
      ErrorCode: Object.fromEntries(Object.keys(ERROR_CODES).map((k) => [k, k]))
    },
    OfficeRuntime: {
      storage: {
        getItem: async (k) => (k in stored ? stored[k] : null),
        setItem: async (k, v) => { stored[k] = v; }
      }
    },
    fetch: globalThis.fetch
  });
  for (const file of PAGE_SCRIPTS) {
    vm.runInContext(fs.readFileSync(path.join(OFFICE, file), 'utf8'), context, { filename: file });
  }
  return { associated, context };
}

/** A value of the vm's realm as one of this realm (deepEqual compares prototypes). */
function plain(x) { return JSON.parse(JSON.stringify(x)); }

/** A cell as Excel hands it to a matrix parameter: one value is [[x]], a range its rows. */
function asMatrix(arg) {
  if (Array.isArray(arg)) return Array.isArray(arg[0]) ? arg : [arg];
  return [[arg]];
}

/** What Excel would show: error objects as their texts, one cell [[x]] as x. */
function shown(result, expected) {
  const rows = result.map((row) => row.map((x) => (x instanceof OfficeError ? ERROR_CODES[x.code] : x)));
  return Array.isArray(expected) ? rows : rows[0][0];
}

function same(actual, expected, where) {
  if (typeof expected === 'number') {
    assert.equal(typeof actual, 'number', `${where}: ${JSON.stringify(actual)} is not a number`);
    assert.ok(Math.abs(actual - expected) <= 1e-9 * Math.max(1, Math.abs(expected)),
      `${where}: ${actual} != ${expected}`);
  } else if (Array.isArray(expected)) {
    assert.equal(actual.length, expected.length, `${where}: rows`);
    expected.forEach((row, r) => row.forEach((cell, c) => same(actual[r][c], cell, `${where} [${r}][${c}]`)));
  } else {
    assert.equal(actual, expected, where);
  }
}

const { associated, context } = runtime({});
const spec = context.FUNNEL_SPEC;

test('functions.json and functions.js declare the same functions, with the spec\'s arguments', () => {
  const ids = METADATA.functions.map((f) => f.id);
  assert.deepEqual(ids.sort(), Object.keys(associated).sort());
  assert.deepEqual(ids.sort(), Object.keys(spec).sort());
  for (const f of METADATA.functions) {
    assert.deepEqual(f.parameters.map((p) => p.name), plain(spec[f.id].args.map((a) => a.name)));
    assert.ok(f.description.includes(' / '), `${f.id}: English and Russian`);
    for (const p of f.parameters) assert.equal(p.dimensionality, 'matrix');
  }
});

test('every JavaScript function gives the Python answer, errors as Excel errors', () => {
  const local = CASES.filter((c) => spec[c.function].local);
  assert.ok(local.length > 1000);
  let errors = 0;
  local.forEach((c, i) => {
    const result = associated[c.function](...c.args.map(asMatrix));
    errors += result.flat().filter((x) => x instanceof OfficeError).length;
    same(shown(result, c.expected), c.expected, `case ${i} ${c.function}(${JSON.stringify(c.args)})`);
  });
  assert.ok(errors > 100, 'undefined results come back as CustomFunctions.Error');
});

test('an optional argument left out (null from Excel) takes its default', () => {
  // LTV(average check, purchases, lifetime[, margin]): margin 1 when left out.
  assert.deepEqual(plain(associated.LTV([[100]], [[2]], [[3]], null)), [[600]]);
  assert.deepEqual(plain(associated.CAC([[1000]], [[10]], null)), [[100]]);
});

test('the service\'s functions fetch the Python answers over HTTP',
  { skip: SERVICE ? false : 'FUNNEL_SERVICE_URL is not set (tests/addon/test_node.py sets it)' },
  async () => {
    const { associated: live } = runtime({ FUNNEL_KPI_SERVICE_URL: SERVICE, FUNNEL_KPI_TOKEN: TOKEN });
    const remote = CASES.filter((c) => !spec[c.function].local);
    assert.ok(remote.length >= 10);
    for (const [i, c] of remote.entries()) {
      const result = await live[c.function](...c.args.map(asMatrix));
      same(shown(result, c.expected), c.expected, `remote case ${i} ${c.function}`);
    }
  });

test('a refused token is a clear error, not a number',
  { skip: SERVICE ? false : 'FUNNEL_SERVICE_URL is not set' },
  async () => {
    const { associated: live } = runtime({ FUNNEL_KPI_SERVICE_URL: SERVICE, FUNNEL_KPI_TOKEN: 'wrong' });
    await assert.rejects(live.FUNNEL([['Leads'], ['Paid']], [[10], [2]]), /FUNNEL: This token is unknown/);
  });

test('without settings the service\'s functions say where to set them', async () => {
  await assert.rejects(associated.FUNNEL([['Leads'], ['Paid']], [[10], [2]]),
    /Set the service URL and token in the Funnel KPI task pane/);
});
