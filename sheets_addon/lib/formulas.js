/**
 * The scalar KPI formulas, for the add-on's JavaScript: a mirror of funnel_kpi/formulas.py and
 * funnel_kpi/values.py (rate, ratio), the same operations in the same order, so a cell gives the
 * same double as the service, and the same "not defined" reasons. A value is
 * {value: number} or {value: null, reason: "<code>"}; errorFor(reason) is the error a cell shows
 * for it (excel_udfs/errors.py error_for). tests/addon/cases.json holds the Python's answers and
 * sheets_addon/test/functions.test.js wants these to give the same, to 1e-9.
 *
 * BY_FUNCTION maps a spreadsheet function of the registry (funnel_kpi/registry.py FUNCTIONS) to
 * its formula; `sheets-sync addon build` runs in JavaScript the functions listed here and sends
 * the others (FUNNEL, BOTTLENECK, the forecast, date ranges) to the service.
 */
var FunnelFormulas = (function () {
  'use strict';

  function undef(reason) { return { value: null, reason: reason }; }
  function val(x) { return { value: x, reason: null }; }
  function missing(x) { return x === null || x === undefined; }

  function finite(x) { return isFinite(x) ? val(x) : undef('not_finite'); }
  function checked(v) { return v.value === null || isFinite(v.value) ? v : undef('not_finite'); }

  function ratio(num, den, zeroReason) {
    if (missing(num) || missing(den)) return undef('missing_input');
    if (den === 0) return undef(zeroReason || 'zero_denominator');
    return val(num / den);
  }

  function rate(successes, trials) {
    if (missing(successes) || missing(trials)) return undef('missing_input');
    if (trials === 0) return undef('no_entries');
    if (!(isFinite(successes) && isFinite(trials))) return undef('not_finite');
    return val(successes / trials);
  }

  // --- conversions ---------------------------------------------------------------------------
  function conversion(from, to) { return checked(rate(to, from)); }

  function stepConversions(counts) {
    var out = [];
    for (var i = 1; i < counts.length; i++) out.push(conversion(counts[i - 1], counts[i]));
    return out;
  }

  function dropOff(from, to) {
    if (missing(from) || missing(to)) return undef('missing_input');
    return finite(from - to);
  }

  function dropOffs(counts) {
    var out = [];
    for (var i = 1; i < counts.length; i++) out.push(dropOff(counts[i - 1], counts[i]));
    return out;
  }

  function dropOffRate(from, to) {
    var step = conversion(from, to);
    return step.value === null ? step : val(1.0 - step.value);
  }

  function overallConversion(counts) {
    if (counts.length < 2) return undef('missing_input');
    return conversion(counts[0], counts[counts.length - 1]);
  }

  function lossShares(stepLosses, stepOwners, owners) {
    var all = [];
    owners.concat(stepOwners).forEach(function (o) { if (all.indexOf(o) < 0) all.push(o); });
    var out = {};
    if (stepLosses.some(missing)) {
      all.forEach(function (o) { out[o] = undef('missing_input'); });
      return out;
    }
    var lost = stepLosses.map(function (l) { return Math.max(0.0, l); });
    var total = 0;
    lost.forEach(function (l) { total += l; });
    var byOwner = {};
    all.forEach(function (o) { byOwner[o] = 0.0; });
    lost.forEach(function (l, i) { byOwner[stepOwners[i]] += l; });
    all.forEach(function (o) {
      out[o] = stepOwners.indexOf(o) < 0 ? undef('no_steps_owned')
        : total > 0 ? checked(rate(byOwner[o], total)) : undef('no_losses');
    });
    return out;
  }

  function lossShare(counts, owners, owner) {
    var losses = dropOffs(counts).map(function (d) { return d.value; });
    var shares = lossShares(losses, owners.slice(1), ['marketing', 'sales']);
    if (!Object.prototype.hasOwnProperty.call(shares, owner)) {
      throw new Error('no owner ' + owner); // Python: a KeyError, which Excel shows as #VALUE!
    }
    return shares[owner];
  }

  // --- money ---------------------------------------------------------------------------------
  function costPerUnit(spend, count) { return checked(ratio(spend, count)); }

  function cac(spend, customers, salesCost) {
    if (missing(spend)) return undef('missing_input');
    return checked(ratio(spend + (salesCost || 0.0), customers));
  }

  function lostLeadsCost(spend, leads, paid) {
    var perLead = costPerUnit(spend, leads);
    if (perLead.value === null || missing(paid) || missing(leads)) {
      return perLead.value === null ? perLead : undef('missing_input');
    }
    return finite(perLead.value * Math.max(0.0, leads - paid));
  }

  function winRate(won, lost) {
    if (missing(won) || missing(lost)) return undef('missing_input');
    if (won + lost === 0) return undef('no_closed_deals');
    return checked(rate(won, won + lost));
  }

  function ltv(check, purchases, lifetime, margin) {
    var parts = [check, purchases, lifetime, margin];
    if (parts.some(missing)) return undef('missing_input');
    var product = 1;
    parts.forEach(function (p) { product *= p; });
    return finite(product);
  }

  function ltvContractual(arpu, churn, margin) {
    if (missing(arpu) || missing(churn) || missing(margin)) return undef('missing_input');
    if (churn === 0) return undef('zero_churn');
    return finite(arpu * margin / churn);
  }

  function paybackMonths(cacValue, monthly, margin) {
    if (missing(monthly) || missing(margin)) return undef('missing_input');
    return checked(ratio(cacValue, monthly * margin));
  }

  // --- plan, growth, time --------------------------------------------------------------------
  function change(current, previous, kind) {
    if (missing(current) || missing(previous)) return undef('missing_input');
    var diff = current - previous;
    if (kind === 'absolute') return finite(diff);
    return previous === 0 ? undef('zero_denominator') : finite(diff / Math.abs(previous));
  }

  function runRate(fact, elapsed, days) {
    var perDay = ratio(fact, elapsed);
    if (perDay.value === null || missing(days)) return perDay.value === null ? perDay : undef('missing_input');
    return finite(perDay.value * days);
  }

  function pipelineVelocity(opportunities, winRateValue, averageDeal, cycleDays) {
    if (missing(opportunities) || missing(winRateValue) || missing(averageDeal)) {
      return undef('missing_input');
    }
    return checked(ratio(opportunities * winRateValue * averageDeal, cycleDays));
  }

  // excel_udfs/errors.py: the error a cell shows for an undefined value's reason.
  var DIV0 = ['zero_denominator', 'no_entries', 'zero_churn', 'no_closed_deals', 'no_losses',
    'no_won_deals'];
  function errorFor(reason) {
    if (DIV0.indexOf(reason) >= 0) return '#DIV/0!';
    if (reason === 'not_finite') return '#NUM!';
    return '#N/A';
  }

  var BY_FUNCTION = {
    CONVERSION: conversion,
    CONVERSIONS: stepConversions,
    OVERALL: overallConversion,
    DROPOFF: dropOff,
    DROPOFFRATE: dropOffRate,
    COSTPERUNIT: costPerUnit,
    LOSSSHARE: lossShare,
    LOSTLEADSCOST: lostLeadsCost,
    CPL: costPerUnit,
    CAC: cac,
    DEALSIZE: costPerUnit,
    ARPU: costPerUnit,
    WINRATE: winRate,
    LTV: ltv,
    LTV_CONTRACTUAL: ltvContractual,
    LTVCAC: costPerUnit,
    PAYBACK: paybackMonths,
    CHURN: function (churned, atStart) { return checked(rate(churned, atStart)); },
    PLANFACT: costPerUnit,
    RUNRATE: runRate,
    GROWTHRATE: change,
    PIPELINEVELOCITY: pipelineVelocity
  };

  return { BY_FUNCTION: BY_FUNCTION, errorFor: errorFor, stepConversions: stepConversions };
})();

if (typeof module !== 'undefined' && module.exports) module.exports = FunnelFormulas;
