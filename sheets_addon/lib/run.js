/**
 * How a spreadsheet function of the add-on runs, from the registry's spec (generated into
 * functions.gs / functions.js as FUNNEL_SPEC by `sheets-sync addon build`):
 *
 * - local(spec, args): in JavaScript, as excel_udfs/adapters.py `run` does in Python: each
 *   argument cleaned by its spec (FunnelCells), the arity and range lengths checked as
 *   funnel_kpi/registry.py `call` checks them, the formula (FunnelFormulas), the result as a
 *   cell: a number, an error text ("#DIV/0!"), or "<en> / <ru>" for a call that makes no sense;
 * - calls(spec, args) / assemble(results, shape): the body of POST /api/v1/functions/<NAME> for
 *   the functions the service computes (one request per range), and its answer as cells.
 *
 * Ranges in, arrays out: a function of single values given ranges (=FUNNEL_CPL(B2:B13; C2:C13))
 * runs once per cell of the ranges, which must be the same size, and returns that many cells.
 */
var FunnelRun = (function () {
  'use strict';
  // Found when first used: Apps Script runs the project's files in an order of its own.
  var C = null, F = null;
  function libs() {
    if (C === null) {
      C = typeof FunnelCells !== 'undefined' ? FunnelCells : require('./cells.js');
      F = typeof FunnelFormulas !== 'undefined' ? FunnelFormulas : require('./formulas.js');
    }
  }
  var NUMBER_UNITS = ['count', 'ratio', 'times', 'money', 'days', 'months', 'number'];

  function isNumberArg(a) { return NUMBER_UNITS.indexOf(a.unit) >= 0; }
  function blank(x) { return x === null || x === undefined; }

  function usage(spec) {
    return spec.name + '(' + spec.args.map(function (a) {
      return a.optional ? '[' + a.name + ']' : a.name;
    }).join(', ') + ')';
  }

  /** One argument as registry.call takes it (adapters.clean); only number and choice units
   *  run here: functions with dates or free texts are the service's. */
  function clean(a, raw) {
    if (a.array) {
      if (blank(raw) && a.optional) return null;
      var cells = C.vector(raw, a.name).cells;
      return isNumberArg(a) ? C.numbers(cells) : C.texts(cells);
    }
    if (isNumberArg(a)) return C.number(raw, a.name);
    if (blank(raw)) return null;
    return C.texts([C.single(raw, a.name)])[0];
  }

  /** registry._clean after adapters.clean: choices become their first spelling. */
  function choice(a, x) {
    if (!a.choices.length) return x;
    if (a.array) return x === null && a.optional ? null : x.map(function (v) { return C.choose(a, v); });
    return C.choose(a, x);
  }

  function value(v) { return v.value !== null ? v.value : F.errorFor(v.reason); }

  function conversions(spec, args) {
    if (args.length > 1) throw new C.CallError('use ' + usage(spec), 'вызов: ' + usage(spec));
    var raw = args.length ? args[0] : null;
    var v = C.vector(raw, 'stage_counts');
    var counts = C.numbers(v.cells);
    if (counts.length < 2) {
      throw new C.CallError('stage_counts: give at least two stages',
        'stage_counts: нужно не меньше двух стадий');
    }
    var cells = F.stepConversions(counts).map(value);
    return v.orientation === 'row' ? [cells] : cells.map(function (c) { return [c]; });
  }

  function callOne(spec, args) {
    if (spec.name === 'CONVERSIONS') return conversions(spec, args);
    var n = spec.args.length;
    var given = args.slice();
    for (var i = args.length; i < n; i++) {
      given.push(spec.args[i].default === undefined ? null : spec.args[i].default);
    }
    var cleaned = spec.args.map(function (a, j) { return clean(a, given[j]); });
    var required = spec.args.filter(function (a) { return !a.optional; }).length;
    if (given.length > n || given.length < required) {
      throw new C.CallError('use ' + usage(spec), 'вызов: ' + usage(spec));
    }
    var values = {};
    spec.args.forEach(function (a, j) { values[a.name] = choice(a, cleaned[j]); });
    spec.args.forEach(function (a) {
      var other = a.same_length_as ? values[a.same_length_as] : undefined;
      var mine = values[a.name];
      if (Array.isArray(other) && Array.isArray(mine) && other.length !== mine.length) {
        throw new C.CallError(
          a.same_length_as + ' and ' + a.name + ' must have as many cells (' + other.length +
          ' and ' + mine.length + ')',
          'в ' + a.same_length_as + ' и ' + a.name + ' должно быть поровну ячеек (' +
          other.length + ' и ' + mine.length + ')');
      }
    });
    var out = F.BY_FUNCTION[spec.name].apply(null, spec.args.map(function (a) { return values[a.name]; }));
    return value(out);
  }

  /** A call's cell, every failure a cell value (adapters.excel_function). */
  function safely(spec, args) {
    try {
      return callOne(spec, args);
    } catch (e) {
      if (e instanceof C.InputError) return e.error;
      if (e instanceof C.CallError) return e.message;
      return '#VALUE!';
    }
  }

  function size(arg) {
    var rows = C.grid(arg);
    var width = rows.length ? rows[0].length : 0;
    return { rows: rows.length, cols: width, cells: rows.length * width };
  }

  /** The shape single-value arguments given ranges spread over, or null (one call). */
  function shapeOf(spec, args) {
    if (spec.table) return null;
    var shape = null;
    for (var i = 0; i < Math.min(args.length, spec.args.length); i++) {
      if (spec.args[i].array || !Array.isArray(args[i])) continue;
      var s = size(args[i]);
      if (s.cells <= 1) continue;
      if (shape && (shape.rows !== s.rows || shape.cols !== s.cols)) {
        throw new C.CallError(
          'the ranges of ' + spec.name + ' must be the same size (' + shape.rows + 'x' +
          shape.cols + ' and ' + s.rows + 'x' + s.cols + ')',
          'диапазоны ' + spec.name + ' должны быть одного размера (' + shape.rows + 'x' +
          shape.cols + ' и ' + s.rows + 'x' + s.cols + ')');
      }
      shape = s;
    }
    return shape;
  }

  function argsAt(spec, args, r, c) {
    return args.map(function (arg, i) {
      if (i >= spec.args.length || spec.args[i].array || !Array.isArray(arg)) return arg;
      var rows = C.grid(arg);
      return rows.length * (rows[0] || []).length === 1 ? rows[0][0] : rows[r][c];
    });
  }

  function eachCell(shape, fn) {
    var out = [];
    for (var r = 0; r < shape.rows; r++) {
      var row = [];
      for (var c = 0; c < shape.cols; c++) row.push(fn(r, c));
      out.push(row);
    }
    return out;
  }

  /** Run a function in JavaScript; ranges given for single values spread (see above). */
  function local(spec, args) {
    libs();
    var shape;
    try {
      shape = shapeOf(spec, args);
    } catch (e) {
      return e.message;
    }
    if (!shape) return safely(spec, args);
    return eachCell(shape, function (r, c) { return safely(spec, argsAt(spec, args, r, c)); });
  }

  // --- the service's functions -----------------------------------------------------------------
  /** Cells as JSON: a date as its ISO day (``dateText``, else the runtime's local day). */
  function wire(x, dateText) {
    if (Array.isArray(x)) return x.map(function (v) { return wire(v, dateText); });
    if (Object.prototype.toString.call(x) === '[object Date]') return (dateText || C.isoDate)(x);
    if (x === undefined) return null;
    return x;
  }

  /** The calls of one use of a function, for one request: {calls, shape}. */
  function calls(spec, args, dateText) {
    libs();
    var shape = shapeOf(spec, args);
    if (!shape) return { calls: [{ args: wire(args, dateText) }], shape: null };
    var out = [];
    eachCell(shape, function (r, c) {
      out.push({ args: wire(argsAt(spec, args, r, c), dateText) });
    });
    return { calls: out, shape: shape };
  }

  /** A result of the service as a cell, the way the Excel function shows it. */
  function cellOf(result) {
    if (Object.prototype.hasOwnProperty.call(result, 'value')) return result.value;
    if (result.reason === 'bad_call') return result.message + ' / ' + result.message_ru;
    return result.error;
  }

  function assemble(results, shape) {
    libs();
    if (!shape) return cellOf(results[0]);
    var i = 0;
    return eachCell(shape, function () { return cellOf(results[i++]); });
  }

  return { local: local, calls: calls, assemble: assemble, cellOf: cellOf, usage: usage,
    shapeOf: shapeOf };
})();

if (typeof module !== 'undefined' && module.exports) module.exports = FunnelRun;
