'use strict';
// HtmlService templates as Apps Script evaluates them: <? code ?>, <?= printed, escaped ?>,
// <?!= printed as is ?>; the template's own properties and the script's globals are in scope.
// Apps Script escapes <?= ?> by context; this stand-in escapes for HTML text and attributes,
// which is why the add-on's templates print into <script> only through <?!= ?> with JSON made
// safe by the add-on itself.

const vm = require('node:vm');

function escapeHtml(value) {
  return String(value === undefined || value === null ? '' : value)
    .replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** The template's text as the body of a function of (__vars, __esc) returning the HTML. */
function compile(source, filename) {
  const parts = ['var __out = [];'];
  const re = /<\?(!=|=)?([\s\S]*?)\?>/g;
  let last = 0;
  let m;
  while ((m = re.exec(source)) !== null) {
    if (m.index > last) parts.push(`__out.push(${JSON.stringify(source.slice(last, m.index))});`);
    const code = m[2];
    if (m[1] === '=') parts.push(`__out.push(__esc(${code}));`);
    else if (m[1] === '!=') parts.push(`__out.push(String(${code}));`);
    else parts.push(code);
    last = re.lastIndex;
  }
  if (/<\?/.test(source.slice(last))) {
    throw new Error(`${filename}: a scriptlet is opened with <? and never closed with ?>`);
  }
  parts.push(`__out.push(${JSON.stringify(source.slice(last))});`);
  parts.push("return __out.join('');");
  // `with` puts the template's properties in scope the way Apps Script does; it needs sloppy
  // mode, so the function is made here and not in a strict module.
  return `(function (__vars, __esc) { with (__vars) { ${parts.join('\n')} } })`;
}

/** Evaluates ``source`` in the script's context (its globals visible) with ``vars`` in scope. */
function evaluate(source, filename, vars, context) {
  const fn = vm.runInContext(compile(source, filename), context, { filename });
  return fn(vars, escapeHtml);
}

module.exports = { compile, evaluate, escapeHtml };
