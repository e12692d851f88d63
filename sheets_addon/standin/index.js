'use strict';
// A small stand-in for the Apps Script globals the add-on uses, so its code runs in Node:
// SpreadsheetApp (the active spreadsheet, ranges, the Ui's menus, sidebars, dialogs and alerts),
// PropertiesService and CacheService in memory, HtmlService with the real .html files and their
// scriptlets, Session, ScriptApp.AuthMode, Logger, and UrlFetchApp doing real, synchronous HTTP
// (fetch_child.js run with execFileSync). The add-on's files are loaded into one vm context, in
// clasp's push order, so they share one global scope as they do in an Apps Script project.
//
// What it is not: Google's runtime. Quotas, the 30-second limit of custom functions, the
// authorization prompts and the sandboxed iframe of HtmlService are not modelled; see
// docs/addon.md for what is checked here and what only Google can check.

const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');
const os = require('node:os');
const { execFileSync } = require('node:child_process');
const template = require('./template');

const ADDON_DIR = path.resolve(__dirname, '..');
const FETCH_CHILD = path.join(__dirname, 'fetch_child.js');
// curl when the machine has it, else a node child (createStandin's transport, or
// STANDIN_FETCH=node|curl, picks one).
const CURL = ['/usr/bin/curl', '/bin/curl', '/usr/local/bin/curl'].find((p) => fs.existsSync(p))
  || null;
// Apps Script's own limits the stand-in enforces, so code that would fail there fails here
// (developers.google.com/apps-script/guides/services/quotas: URL Fetch POST size 50 MB).
const MAX_PAYLOAD = 50 * 1024 * 1024;

const AuthMode = Object.freeze({ NONE: 'NONE', CUSTOM_FUNCTION: 'CUSTOM_FUNCTION',
                                 LIMITED: 'LIMITED', FULL: 'FULL' });
const Button = Object.freeze({ OK: 'OK', CANCEL: 'CANCEL', YES: 'YES', NO: 'NO', CLOSE: 'CLOSE' });
const ButtonSet = Object.freeze({ OK: 'OK', OK_CANCEL: 'OK_CANCEL', YES_NO: 'YES_NO',
                                  YES_NO_CANCEL: 'YES_NO_CANCEL' });

/** The files clasp would push (appsscript.json aside), in its default, lexicographic order. */
function pushedFiles(dir = ADDON_DIR) {
  const ignored = new Set(['standin', 'test', 'node_modules']);
  const out = [];
  (function walk(rel) {
    for (const name of fs.readdirSync(path.join(dir, rel)).sort()) {
      const r = rel ? `${rel}/${name}` : name;
      if (fs.statSync(path.join(dir, r)).isDirectory()) {
        if (!ignored.has(name) && !name.startsWith('.')) walk(r);
      } else if (/\.(gs|js)$/.test(name)) {
        out.push(r);
      }
    }
  })('');
  return out.sort();
}

function colNumber(letters) {
  let n = 0;
  for (const ch of letters.toUpperCase()) n = n * 26 + (ch.charCodeAt(0) - 64);
  return n;
}

function colLetters(n) {
  let s = '';
  for (; n > 0; n = Math.floor((n - 1) / 26)) s = String.fromCharCode(65 + ((n - 1) % 26)) + s;
  return s;
}

function parseA1(a1) {
  const m = /^([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?$/i.exec(a1.trim());
  if (!m) throw new Error(`Range not found: ${a1}`);
  const row = Number(m[2]);
  const col = colNumber(m[1]);
  const lastRow = m[4] ? Number(m[4]) : row;
  const lastCol = m[3] ? colNumber(m[3]) : col;
  return { row, col, rows: lastRow - row + 1, cols: lastCol - col + 1 };
}

class Range {
  constructor(sheet, row, col, rows, cols) {
    if (rows < 1 || cols < 1) throw new Error('The number of rows and columns must be at least 1.');
    Object.assign(this, { sheet, row, col, rows, cols });
  }

  getSheet() { return this.sheet; }
  getRow() { return this.row; }
  getColumn() { return this.col; }
  getNumRows() { return this.rows; }
  getNumColumns() { return this.cols; }
  getA1Notation() {
    const first = `${colLetters(this.col)}${this.row}`;
    if (this.rows === 1 && this.cols === 1) return first;
    return `${first}:${colLetters(this.col + this.cols - 1)}${this.row + this.rows - 1}`;
  }

  getValues() {
    const out = [];
    for (let r = 0; r < this.rows; r++) {
      const src = this.sheet.cells[this.row - 1 + r] || [];
      const row = [];
      for (let c = 0; c < this.cols; c++) {
        const v = src[this.col - 1 + c];
        row.push(v === undefined || v === null ? '' : v);  // Sheets gives '' for an empty cell
      }
      out.push(row);
    }
    return out;
  }

  getValue() { return this.getValues()[0][0]; }

  setValues(values) {
    if (!Array.isArray(values) || values.length !== this.rows
        || values.some((r) => !Array.isArray(r) || r.length !== this.cols)) {
      const got = Array.isArray(values) ? values.length : 0;
      throw new Error(`The number of rows in the data does not match the number of rows in the `
                      + `range. The data has ${got} but the range has ${this.rows}.`);
    }
    for (let r = 0; r < this.rows; r++) {
      const dest = this.sheet.cells[this.row - 1 + r] || (this.sheet.cells[this.row - 1 + r] = []);
      for (let c = 0; c < this.cols; c++) dest[this.col - 1 + c] = values[r][c];
    }
    return this;
  }

  setValue(v) { return this.setValues([[v]]); }
}

class Sheet {
  constructor(spreadsheet, name, cells) {
    this.spreadsheet = spreadsheet;
    this.name = name;
    this.cells = (cells || []).map((r) => r.slice());
  }

  getName() { return this.name; }
  getParent() { return this.spreadsheet; }
  getLastRow() { return this.cells.length; }
  getLastColumn() { return this.cells.reduce((m, r) => Math.max(m, r.length), 0); }
  getDataRange() {
    return new Range(this, 1, 1, Math.max(1, this.getLastRow()), Math.max(1, this.getLastColumn()));
  }

  getRange(a, b, c, d) {
    if (typeof a === 'string') {
      const p = parseA1(a);
      return new Range(this, p.row, p.col, p.rows, p.cols);
    }
    return new Range(this, a, b, c === undefined ? 1 : c, d === undefined ? 1 : d);
  }
}

class Spreadsheet {
  constructor({ id, name, locale, timeZone, sheets }) {
    this.id = id;
    this.name = name || 'Untitled spreadsheet';
    this.locale = locale || 'en_US';
    this.timeZone = timeZone || 'Etc/UTC';
    this.sheets = Object.entries(sheets || { Sheet1: [] }).map(([n, v]) => new Sheet(this, n, v));
  }

  getId() { return this.id; }
  getName() { return this.name; }
  getUrl() { return `https://docs.google.com/spreadsheets/d/${this.id}/edit`; }
  getSpreadsheetLocale() { return this.locale; }
  getSpreadsheetTimeZone() { return this.timeZone; }
  getSheets() { return this.sheets.slice(); }
  getSheetByName(name) { return this.sheets.find((s) => s.name === name) || null; }
  getActiveSheet() { return this.sheets[0]; }
  getRange(a1) {
    const bang = a1.lastIndexOf('!');
    if (bang < 0) return this.getActiveSheet().getRange(a1);
    const name = a1.slice(0, bang).replace(/^'(.*)'$/, '$1').replace(/''/g, "'");
    const sheet = this.getSheetByName(name);
    if (!sheet) throw new Error(`Range not found: ${a1}`);
    return sheet.getRange(a1.slice(bang + 1));
  }
}

class Properties {
  constructor(initial) { this.map = new Map(Object.entries(initial || {}).map(([k, v]) => [k, String(v)])); }
  getProperty(key) { return this.map.has(key) ? this.map.get(key) : null; }
  setProperty(key, value) { this.map.set(String(key), String(value)); return this; }
  setProperties(props, deleteAllOthers) {
    if (deleteAllOthers) this.map.clear();
    for (const [k, v] of Object.entries(props)) this.map.set(k, String(v));
    return this;
  }
  getProperties() { return Object.fromEntries(this.map); }
  getKeys() { return [...this.map.keys()]; }
  deleteProperty(key) { this.map.delete(key); return this; }
  deleteAllProperties() { this.map.clear(); return this; }
}

class Cache {
  constructor() { this.map = new Map(); }
  get(key) { return this.map.has(key) ? this.map.get(key) : null; }
  getAll(keys) { return Object.fromEntries(keys.filter((k) => this.map.has(k)).map((k) => [k, this.map.get(k)])); }
  put(key, value) { this.map.set(key, String(value)); }
  putAll(values) { for (const [k, v] of Object.entries(values)) this.map.set(k, String(v)); }
  remove(key) { this.map.delete(key); }
  removeAll(keys) { keys.forEach((k) => this.map.delete(k)); }
}

class HtmlOutput {
  constructor(content, title) {
    this.content = content;
    this.title = title || '';
    this.width = null;
    this.height = null;
  }

  getContent() { return this.content; }
  setContent(c) { this.content = c; return this; }
  append(c) { this.content += c; return this; }
  getTitle() { return this.title; }
  setTitle(t) { this.title = t; return this; }
  setWidth(w) { this.width = w; return this; }
  setHeight(h) { this.height = h; return this; }
  setSandboxMode() { return this; }
  setXFrameOptionsMode() { return this; }
  addMetaTag() { return this; }
}

class HttpResponse {
  constructor(code, headers, body) { Object.assign(this, { code, headers, body }); }
  getResponseCode() { return this.code; }
  getContentText() { return this.body.toString('utf8'); }
  getContent() { return [...this.body].map((b) => (b > 127 ? b - 256 : b)); }
  getHeaders() { return { ...this.headers }; }
  getAllHeaders() { return { ...this.headers }; }
}

/**
 * A fresh Apps Script world.
 *   spreadsheet: {id, name, locale, timeZone, sheets: {name: rows}}
 *   userLocale:  what Session.getActiveUserLocale() answers ('' when Google does not know)
 *   addonName:   the title createAddonMenu() menus show (the add-on's listing name)
 */
function createStandin(options = {}) {
  const world = {
    spreadsheet: new Spreadsheet(options.spreadsheet || { id: 'standin-spreadsheet' }),
    userLocale: options.userLocale === undefined ? 'en' : options.userLocale,
    addonName: options.addonName || 'Funnel KPI',
    documentProperties: new Properties(options.documentProperties),
    userProperties: new Properties(options.userProperties),
    scriptProperties: new Properties(options.scriptProperties),
    caches: { document: new Cache(), script: new Cache(), user: new Cache() },
    authMode: AuthMode.FULL,
    menus: [],
    shown: [],  // {kind: 'sidebar'|'modal'|'modeless'|'alert', title, html?, text?}
    fetches: [],  // {url, method, code | error}
    logs: [],
    fetchTimeoutMs: options.fetchTimeoutMs || 60000,
    transport: options.transport || process.env.STANDIN_FETCH || (CURL ? 'curl' : 'node'),
    addonDir: options.addonDir || ADDON_DIR,
  };

  function authorized(what) {
    if (world.authMode === AuthMode.NONE) {
      // What Google says when an add-on touches a service in onOpen before it is enabled.
      throw new Error(`You do not have permission to call ${what}. Required permissions are `
                      + 'not available in AuthMode.NONE.');
    }
  }

  function record(kind, output, title) {
    const html = output instanceof HtmlOutput ? output.getContent() : String(output);
    world.shown.push({ kind, title: title || (output && output.getTitle && output.getTitle()) || '',
                       html });
  }

  function menu(title) {
    const m = { title, items: [] };
    const api = {
      addItem(caption, functionName) { m.items.push({ caption, functionName }); return api; },
      addSeparator() { m.items.push({ separator: true }); return api; },
      addSubMenu(sub) { m.items.push({ submenu: sub._menu }); return api; },
      addToUi() { world.menus.push(m); },
      _menu: m,
    };
    return api;
  }

  const ui = {
    Button,
    ButtonSet,
    createMenu: (title) => menu(title),
    createAddonMenu: () => menu(world.addonName),
    showSidebar(output) { record('sidebar', output); },
    showModalDialog(output, title) { record('modal', output, title); },
    showModelessDialog(output, title) { record('modeless', output, title); },
    alert(a, b) {
      const [title, text] = b === undefined || typeof b !== 'string' ? ['', a] : [a, b];
      world.shown.push({ kind: 'alert', title, text: String(text) });
      return Button.OK;
    },
  };

  function fileSource(name) {
    const file = path.join(world.addonDir, `${name}.html`);
    if (!fs.existsSync(file)) throw new Error(`No HTML file named ${name} was found.`);
    return fs.readFileSync(file, 'utf8');
  }

  const HtmlService = {
    SandboxMode: Object.freeze({ IFRAME: 'IFRAME', NATIVE: 'NATIVE', EMULATED: 'EMULATED' }),
    XFrameOptionsMode: Object.freeze({ ALLOWALL: 'ALLOWALL', DEFAULT: 'DEFAULT' }),
    createHtmlOutput: (html) => new HtmlOutput(html === undefined ? '' : String(html)),
    createHtmlOutputFromFile: (name) => new HtmlOutput(fileSource(name)),
    createTemplate: (source) => makeTemplate(String(source), 'template'),
    createTemplateFromFile: (name) => makeTemplate(fileSource(name), `${name}.html`),
  };

  function makeTemplate(source, filename) {
    const tpl = {};
    Object.defineProperty(tpl, 'evaluate', {
      enumerable: false,
      value() {
        const vars = {};
        for (const [k, v] of Object.entries(tpl)) vars[k] = v;
        return new HtmlOutput(template.evaluate(source, filename, vars, context));
      },
    });
    Object.defineProperty(tpl, 'getRawContent', { enumerable: false, value: () => source });
    return tpl;
  }

  function toRequest(url, params = {}) {
    if (typeof url !== 'string' || !/^https?:\/\//i.test(url)) {
      throw new Error(`Invalid argument: url (${url})`);
    }
    const method = String(params.method || 'get').toUpperCase();
    const headers = {};
    for (const [k, v] of Object.entries(params.headers || {})) headers[k] = String(v);
    let body = null;
    if (params.payload !== undefined && params.payload !== null && method !== 'GET') {
      if (typeof params.payload === 'string') {
        body = Buffer.from(params.payload, 'utf8');
        headers['Content-Type'] = params.contentType || 'application/x-www-form-urlencoded';
      } else {  // an object is sent as a form, as Apps Script does
        body = Buffer.from(new URLSearchParams(params.payload).toString(), 'utf8');
        headers['Content-Type'] = 'application/x-www-form-urlencoded';
      }
      if (body.length > MAX_PAYLOAD) throw new Error('Limit Exceeded: URLFetch POST Size.');
    }
    return { url, method, headers, body: body && body.toString('base64'),
             redirect: params.followRedirects === false ? 'manual' : 'follow',
             mute: Boolean(params.muteHttpExceptions) };
  }

  /** One request with curl (starts in milliseconds; node takes most of a second on a busy
   * machine): the status line and headers go to one file, the body to another. */
  function curlOne(req) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'standin-fetch-'));
    const head = path.join(dir, 'head');
    const body = path.join(dir, 'body');
    const args = ['-sS', '-X', req.method, '-D', head, '-o', body, '-H', 'Expect:', '--max-time',
                  String(world.fetchTimeoutMs / 1000)];
    if (req.redirect === 'follow') args.push('-L');
    for (const [k, v] of Object.entries(req.headers)) args.push('-H', `${k}: ${v}`);
    if (req.body !== null) args.push('--data-binary', '@-');
    args.push('--', req.url);
    try {
      if (!CURL) throw new Error('no curl on this machine: use the node transport');
      execFileSync(CURL, args, { input: req.body === null ? '' : Buffer.from(req.body, 'base64'),
                                 stdio: ['pipe', 'ignore', 'pipe'] });
      // after redirects curl writes every response's headers: the last block is the answer's
      const blocks = fs.readFileSync(head, 'latin1').split(/\r?\n\r?\n/).filter((b) => b.trim());
      const lines = blocks[blocks.length - 1].split(/\r?\n/);
      const code = Number(lines[0].split(' ')[1]);
      const headers = {};
      for (const line of lines.slice(1)) {
        const at = line.indexOf(':');
        if (at > 0) headers[line.slice(0, at).trim().toLowerCase()] = line.slice(at + 1).trim();
      }
      return { code, headers, body: fs.readFileSync(body).toString('base64') };
    } catch (err) {
      const kinds = { 6: 'dns', 28: 'timeout' };
      return { error: String(err.stderr || err.message).trim(), kind: kinds[err.status] || 'unavailable' };
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }

  function nodeAll(requests) {
    const out = execFileSync(process.execPath, [FETCH_CHILD], {
      input: JSON.stringify({ requests, timeoutMs: world.fetchTimeoutMs }),
      maxBuffer: 256 * 1024 * 1024,
      timeout: world.fetchTimeoutMs + 10000,
    });
    return JSON.parse(out.toString('utf8')).responses;
  }

  function exchange(requests) {
    const responses = world.transport === 'curl' ? requests.map(curlOne) : nodeAll(requests);
    return responses.map((res, i) => {
      const req = requests[i];
      if (res.error) {
        world.fetches.push({ url: req.url, method: req.method, error: res.error });
        // Apps Script's words for a connection that never happened
        const word = { dns: 'DNS error', timeout: 'Timeout' }[res.kind] || 'Address unavailable';
        throw new Error(`${word}: ${req.url}`);
      }
      world.fetches.push({ url: req.url, method: req.method, code: res.code });
      const response = new HttpResponse(res.code, res.headers, Buffer.from(res.body, 'base64'));
      if (res.code >= 400 && !req.mute) {
        const text = response.getContentText().slice(0, 200);
        throw new Error(`Request failed for ${req.url} returned code ${res.code}. Truncated `
                        + `server response: ${text} (use muteHttpExceptions option to examine `
                        + 'full response)');
      }
      return response;
    });
  }

  const UrlFetchApp = {
    fetch(url, params) {
      authorized('UrlFetchApp.fetch');
      return exchange([toRequest(url, params)])[0];
    },
    fetchAll(requests) {
      authorized('UrlFetchApp.fetchAll');
      return exchange(requests.map((r) => (typeof r === 'string' ? toRequest(r) : toRequest(r.url, r))));
    },
    getRequest(url, params) { return toRequest(url, params); },
  };

  const SpreadsheetApp = {
    getUi() {
      if (world.authMode === AuthMode.CUSTOM_FUNCTION) {  // Google's rule for custom functions
        throw new Error('You do not have permission to call SpreadsheetApp.getUi from a custom '
                        + 'function.');
      }
      return ui;
    },
    getActiveSpreadsheet() { authorized('SpreadsheetApp.getActiveSpreadsheet'); return world.spreadsheet; },
    getActive() { authorized('SpreadsheetApp.getActive'); return world.spreadsheet; },
    getActiveSheet() { authorized('SpreadsheetApp.getActiveSheet'); return world.spreadsheet.getActiveSheet(); },
    flush() {},
  };

  const PropertiesService = {
    getDocumentProperties() { authorized('PropertiesService.getDocumentProperties'); return world.documentProperties; },
    getUserProperties() { authorized('PropertiesService.getUserProperties'); return world.userProperties; },
    getScriptProperties() { authorized('PropertiesService.getScriptProperties'); return world.scriptProperties; },
  };

  const CacheService = {
    getDocumentCache: () => world.caches.document,
    getScriptCache: () => world.caches.script,
    getUserCache: () => world.caches.user,
  };

  const Session = {
    getActiveUserLocale: () => world.userLocale,
    getScriptTimeZone: () => world.spreadsheet.timeZone,
    getActiveUser: () => ({ getEmail: () => '' }),
    getEffectiveUser: () => ({ getEmail: () => '' }),
    getTemporaryActiveUserKey: () => 'standin-user-key',
  };

  const Logger = { log: (...a) => { world.logs.push(a.map(String).join(' ')); return Logger; } };

  const context = vm.createContext({
    SpreadsheetApp,
    PropertiesService,
    CacheService,
    HtmlService,
    UrlFetchApp,
    Session,
    Logger,
    ScriptApp: { AuthMode },
    console: { log: Logger.log, info: Logger.log, warn: Logger.log, error: Logger.log },
  });

  function load(files = pushedFiles(world.addonDir)) {
    for (const rel of files) {
      const file = path.isAbsolute(rel) ? rel : path.join(world.addonDir, rel);
      vm.runInContext(fs.readFileSync(file, 'utf8'), context, { filename: file });
    }
    return files;
  }

  /** Calls a global function of the loaded script, as a menu item or google.script.run does. */
  function call(name, ...args) {
    const fn = vm.runInContext(`typeof ${name} === 'function' ? ${name} : undefined`, context);
    if (!fn) throw new Error(`Script function not found: ${name}`);
    return fn(...args);
  }

  /** Runs a simple trigger (onOpen, onInstall) in the given authorization mode. */
  function trigger(name, authMode = AuthMode.LIMITED) {
    const before = world.authMode;
    world.authMode = authMode;
    try {
      return call(name, { authMode, source: world.spreadsheet });
    } finally {
      world.authMode = before;
    }
  }

  /** A value of this realm as the script's own (arrays, Dates, objects): Sheets hands a custom
   * function its own Arrays and Dates, and `x instanceof Date` in the script must hold. */
  function intoContext(value) {
    const own = vm.runInContext('({ Array, Date, Object })', context);
    function copy(v) {
      if (Array.isArray(v)) return own.Array.from(v, copy);
      if (v instanceof Date || Object.prototype.toString.call(v) === '[object Date]') {
        return new own.Date(v.getTime());
      }
      if (v && typeof v === 'object') {
        const o = new own.Object();
        for (const [k, x] of Object.entries(v)) o[k] = copy(x);
        return o;
      }
      return v;
    }
    return copy(value);
  }

  /** A custom function as a cell calls it: its arguments are the cells' values (a range is
   * rows of values), in AuthMode.CUSTOM_FUNCTION, where the Ui cannot be used. */
  function customFunction(name, ...args) {
    const before = world.authMode;
    world.authMode = AuthMode.CUSTOM_FUNCTION;
    try {
      return call(name, ...args.map(intoContext));
    } finally {
      world.authMode = before;
    }
  }

  /** JSON round trip: what google.script.run hands the page is a copy, never a live object. */
  function run(name, ...args) {
    const value = call(name, ...args.map((a) => (a === undefined ? a : JSON.parse(JSON.stringify(a)))));
    return value === undefined ? null : JSON.parse(JSON.stringify(value));
  }

  return { world, context, load, call, run, trigger, customFunction, intoContext, ui, AuthMode };
}

module.exports = { createStandin, pushedFiles, AuthMode, ADDON_DIR, CURL };
