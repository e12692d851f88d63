/**
 * Cells as the spreadsheet functions read them: a mirror, for the add-on's JavaScript, of
 * excel_udfs/coerce.py (ranges, error cells, one cell or a range) and of the number reading of
 * funnel_kpi/parse/cells.py (parse_number with no locale, parse_text). A test runs this file
 * and the Python on the same cases (tests/addon/cases.json) and wants the same answers.
 *
 * Plain script, no modules: Apps Script loads every file of the project into one global scope,
 * and the Office add-in's functions.js is these files put one after the other. In Node the
 * tests require it (module.exports at the end).
 */
var FunnelCells = (function () {
  'use strict';

  /** A call that cannot be made sense of: the cell shows "<en> / <ru>", as in Excel. */
  function CallError(en, ru) {
    this.en = en;
    this.ru = ru;
    this.message = en + ' / ' + ru;
  }

  /** An input cell holds an error (or a text where a number goes): the result is that error. */
  function InputError(text) {
    this.error = text;
    this.message = text;
  }

  // excel_udfs/errors.py CellError: the errors a cell can hold, by text and by COM code.
  var ERRORS = ['#NULL!', '#DIV/0!', '#VALUE!', '#REF!', '#NAME?', '#NUM!', '#N/A',
    '#GETTING_DATA', '#SPILL!', '#CALC!'];
  var CODES = [2000, 2007, 2015, 2023, 2029, 2036, 2042, 2043, 2045, 2050];
  var BY_SCODE = {};
  for (var i = 0; i < ERRORS.length; i++) {
    BY_SCODE[((0x800A0000 | CODES[i]) >>> 0) - 4294967296] = ERRORS[i];
  }
  var LOWEST_SCODE = ((0x800A0000 | 2000) >>> 0) - 4294967296 - 100;

  function isString(x) { return typeof x === 'string'; }
  function isNumber(x) { return typeof x === 'number'; }
  function isBlank(x) { return x === null || x === undefined; }

  function looksLikeError(s) {
    return s.length > 2 && s[0] === '#' && (s[s.length - 1] === '!' || s[s.length - 1] === '?') &&
      /^\p{L}+$/u.test(s.slice(1, -1).split('/').join(''));
  }

  /** The error text a cell stands for, or null (coerce.cell_error). */
  function cellError(x) {
    if (isString(x)) {
      var s = pyStrip(x);
      var upper = s.toUpperCase();
      if (ERRORS.indexOf(upper) >= 0) return upper;
      return looksLikeError(s) ? '#VALUE!' : null;
    }
    if (isNumber(x) && Number.isInteger(x) && x < -2146826000 && x > LOWEST_SCODE) {
      return BY_SCODE[x] || null;
    }
    return null;
  }

  // Python's str.strip(): every character str.isspace() calls a space.
  var SPACE = /^[\s\x1c-\x1f\x85]+|[\s\x1c-\x1f\x85]+$/g;
  function pyStrip(s) { return s.replace(SPACE, ''); }

  /** Any argument as rows of cells: a scalar is one cell, a flat array one row (coerce.grid). */
  function grid(arg) {
    if (Array.isArray(arg)) {
      if (arg.length === 0) return [];
      if (Array.isArray(arg[0])) return arg;
      return [arg];
    }
    return [[arg]];
  }

  /** The cells of a one-row or one-column argument and which it was (coerce.vector). */
  function vector(arg, name) {
    var rows = grid(arg);
    if (rows.length <= 1) return { cells: rows.length ? rows[0].slice() : [], orientation: 'row' };
    var widest = 0;
    for (var r = 0; r < rows.length; r++) widest = Math.max(widest, rows[r].length);
    if (widest === 1) return { cells: rows.map(function (row) { return row[0]; }), orientation: 'column' };
    throw new CallError(name + ': give one row or one column',
      name + ': нужна одна строка или один столбец');
  }

  function single(arg, name) {
    if (Array.isArray(arg)) {
      var cells = vector(arg, name).cells;
      if (cells.length !== 1) throw new CallError(name + ': give one cell', name + ': нужна одна ячейка');
      return cells[0];
    }
    return arg;
  }

  // --- parse_number (funnel_kpi/parse/cells.py), no locale: "1,234" is 1234 ---------------------
  var NOT_A_NUMBER = { issue: 'not_a_number' };
  var FORMULA_ERROR = { issue: 'formula_error' };
  var EXCEL_ERRORS = ['#DIV/0!', '#N/A', '#VALUE!', '#REF!', '#NAME?', '#NUM!', '#NULL!', '#ERROR!',
    '#SPILL!', '#CALC!', '#GETTING_DATA', '#FIELD!', '#BLOCKED!', '#CONNECT!', '#BUSY!',
    '#UNKNOWN!', '#EXTERNAL!', '#PYTHON!'];
  var TRANS = {
    '\u00a0': ' ', '\u2007': ' ', '\u2009': ' ', '\u202f': ' ', '\u2002': ' ', '\u2003': ' ',
    '\u2004': ' ', '\u2005': ' ', '\u2006': ' ', '\u2008': ' ', '\u200a': ' ', '\t': ' ',
    '\u2212': '-', '\u2013': '-', '\u2014': '-', '\u2012': '-', '\u2019': "'",
    '\u200b': '', '\ufeff': '', '\u200e': '', '\u200f': ''
  };
  var TRANS_RE = new RegExp('[' + Object.keys(TRANS).join('') + ']', 'g');
  var CUR = "[$€£¥₽₴₸]|(?:usd|eur|rub|руб|грн|тг|долл|дол|р)\\.?";
  var TEXT_NUMBER = new RegExp('^(?:(?<s1>[-+]?) *(?<c1>' + CUR + ')? *(?<s2>[-+]?) *' +
    "(?<num>[0-9][0-9.,' ]*|[.,][0-9]+)(?:e(?<exp>[-+]?[0-9]{1,4}))? *" +
    '(?<pct>%)? *(?<c2>' + CUR + ')? *(?<pct2>%)?)$');

  function digits(s) { return /^[0-9]+$/.test(s); }

  function count(s, ch) { return s.split(ch).length - 1; }

  /** "1 234,5" -> "1234.5"; null when the separators do not make a number. */
  function canonicalDigits(num) {
    var dots = count(num, '.'), commas = count(num, ',');
    var dec = null, whole, frac;
    if (dots && commas) {
      dec = num.lastIndexOf('.') > num.lastIndexOf(',') ? '.' : ',';
    } else if (commas === 1) {
      var parts = num.split(',');
      var head = parts[0], tail = parts[1];
      var ambiguous = tail.length === 3 && digits(head) && head.length <= 3 && head[0] !== '0';
      dec = !ambiguous ? ',' : null;
    } else if (dots === 1) {
      dec = '.';
    }
    if (dec !== null) {
      var at = num.lastIndexOf(dec);
      whole = num.slice(0, at);
      frac = num.slice(at + 1);
      if (frac && !digits(frac)) return null;
    } else {
      whole = num;
      frac = '';
    }
    var seps = {};
    for (var i = 0; i < whole.length; i++) {
      if (!(whole[i] >= '0' && whole[i] <= '9')) seps[whole[i]] = true;
    }
    var sepList = Object.keys(seps);
    if (sepList.length > 1) return null;
    if (sepList.length) {
      var groups = whole.split(sepList[0]);
      if (!(groups[0].length >= 1 && groups[0].length <= 3 && digits(groups[0]))) return null;
      for (var g = 1; g < groups.length; g++) {
        if (!(groups[g].length === 3 && digits(groups[g]))) return null;
      }
      whole = groups.join('');
    } else if (whole && !digits(whole)) {
      return null;
    }
    if (!whole && !frac) return null;
    return (whole || '0') + '.' + (frac || '0');
  }

  function numberFromText(text) {
    var s = pyStrip(text.replace(TRANS_RE, function (ch) { return TRANS[ch]; }));
    if (!s) return null;
    if (s[0] === '#' && EXCEL_ERRORS.indexOf(s.toUpperCase()) >= 0) return FORMULA_ERROR;
    var negative = false;
    if (s[0] === '(' && s[s.length - 1] === ')') {
      negative = true;
      s = pyStrip(s.slice(1, -1));
    }
    var m = TEXT_NUMBER.exec(s.toLowerCase());
    if (m === null) return NOT_A_NUMBER;
    var g = m.groups;
    var sign = (g.s1 || '') + (g.s2 || '');
    if (sign.length > 1 || (negative && sign) || (g.c1 && g.c2) || (g.pct && g.pct2)) {
      return NOT_A_NUMBER;
    }
    var percent = Boolean(g.pct || g.pct2);
    if (percent && (g.c1 || g.c2)) return NOT_A_NUMBER;
    var canon = canonicalDigits(pyStrip(g.num));
    if (canon === null) return NOT_A_NUMBER;
    var exp = parseInt(g.exp || '0', 10) - (percent ? 2 : 0);
    var result = Number(canon + 'e' + exp);
    if (!isFinite(result)) return NOT_A_NUMBER;
    return negative || sign === '-' ? -result : result;
  }

  /** A number, null for a blank, or an issue (parse_number). */
  function parseNumber(x) {
    if (isNumber(x)) return isFinite(x) ? x : NOT_A_NUMBER;
    if (isBlank(x)) return null;
    if (isString(x)) return numberFromText(x);
    return NOT_A_NUMBER; // booleans, dates
  }

  function isIssue(n) { return n !== null && typeof n === 'object'; }

  /** A single-cell number: blank null, an error cell thrown, text not a number #VALUE!. */
  function number(arg, name) {
    var x = single(arg, name);
    var err = cellError(x);
    if (err !== null) throw new InputError(err);
    var n = parseNumber(x);
    if (isIssue(n)) throw new InputError('#VALUE!');
    return n;
  }

  /** The numbers of a range's cells; blank or unreadable cells null, an error cell thrown. */
  function numbers(cells) {
    return cells.map(function (x) {
      var err = cellError(x);
      if (err !== null) throw new InputError(err);
      var n = parseNumber(x);
      return isIssue(n) ? null : n;
    });
  }

  /** Text of a cell, stripped; blank null (parse_text). */
  function parseText(x) {
    if (isString(x)) return pyStrip(x) || null;
    if (isBlank(x)) return null;
    if (typeof x === 'boolean') return x ? 'TRUE' : 'FALSE';
    if (isNumber(x)) {
      if (isNaN(x)) return null;
      if (!isFinite(x)) return x > 0 ? 'inf' : '-inf';
      return Number.isInteger(x) ? BigInt(x).toString() : pyFloat(x);
    }
    if (Object.prototype.toString.call(x) === '[object Date]') return isoDate(x);
    return pyStrip(String(x)) || null;
  }

  function texts(cells) {
    return cells.map(function (x) {
      var err = cellError(x);
      if (err !== null) throw new InputError(err);
      return parseText(x);
    });
  }

  /** repr() of a Python float: the shortest text that reads back, as JS's, in Python's form. */
  function pyFloat(x) {
    var s = String(x);
    var m = /^(-?)(\d)(?:\.(\d+))?e([-+])(\d+)$/.exec(s);
    if (m) return m[1] + m[2] + (m[3] ? '.' + m[3] : '') + 'e' + m[4] + (m[5].length < 2 ? '0' : '') + m[5];
    return s.indexOf('.') >= 0 ? s : s + '.0';
  }

  /** repr() of a Python str or None, for messages that quote a cell. */
  function pyRepr(s) {
    if (s === null || s === undefined) return 'None';
    var quote = s.indexOf("'") >= 0 && s.indexOf('"') < 0 ? '"' : "'";
    var out = '';
    for (var i = 0; i < s.length; i++) {
      var ch = s[i], code = s.charCodeAt(i);
      if (ch === '\\') out += '\\\\';
      else if (ch === quote) out += '\\' + quote;
      else if (ch === '\n') out += '\\n';
      else if (ch === '\r') out += '\\r';
      else if (ch === '\t') out += '\\t';
      else if (code < 0x20 || code === 0x7f) out += '\\x' + code.toString(16).padStart(2, '0');
      else out += ch;
    }
    return quote + out + quote;
  }

  function isoDate(d) {
    return d.getFullYear() + '-' + String(d.getMonth() + 1).padStart(2, '0') + '-' +
      String(d.getDate()).padStart(2, '0');
  }

  /**
   * The choice a text spells (registry.Arg.choose): a blank is the default, except inside a
   * range; an unknown spelling is a CallError naming the ones allowed.
   */
  function allowedOf(arg) {
    var allowed = [];
    arg.choices.forEach(function (spellings) {
      spellings.forEach(function (sp) { if (/^[\x00-\x7f]*$/.test(sp)) allowed.push(sp); });
    });
    return allowed.join(', ');
  }

  function choose(arg, text) {
    var blank = text === null || text === undefined || !pyStrip(text);
    var noDefault = arg.default === null || arg.default === undefined;
    if (blank && !arg.array && noDefault && !arg.optional) {  // LOSSSHARE's owner: whose share?
      throw new CallError(arg.name + ': give one of ' + allowedOf(arg),
        arg.name + ': укажите одно из ' + allowedOf(arg));
    }
    if (blank && !arg.array) return noDefault ? null : String(arg.default);
    var key = pyStrip(text || '').toLowerCase();
    for (var c = 0; c < arg.choices.length; c++) {
      for (var s = 0; s < arg.choices[c].length; s++) {
        if (arg.choices[c][s].toLowerCase() === key) return arg.choices[c][0];
      }
    }
    var allowed = allowedOf(arg);
    throw new CallError(arg.name + ': ' + pyRepr(text) + ' is not one of ' + allowed,
      arg.name + ': ' + pyRepr(text) + ' — допустимо ' + allowed);
  }

  return {
    CallError: CallError, InputError: InputError, cellError: cellError, grid: grid,
    vector: vector, single: single, parseNumber: parseNumber, number: number, numbers: numbers,
    parseText: parseText, texts: texts, choose: choose, pyRepr: pyRepr, isoDate: isoDate,
    ERRORS: ERRORS
  };
})();

if (typeof module !== 'undefined' && module.exports) module.exports = FunnelCells;
