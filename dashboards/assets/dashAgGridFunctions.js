// Value formatters for AG Grid columns (referenced from columnDefs as {"function": "zhDate(params.value, 'zh')"}).
var dagfuncs = (window.dashAgGridFunctions = window.dashAgGridFunctions || {});

function aoMissing(v) { return v === null || v === undefined || v === '' || (typeof v === 'number' && isNaN(v)); }

// Always `digits` decimals, so a column's numbers line up and read alike (19.60 beside 59.95).
dagfuncs.zhNumber = function (v, digits, lang) {
  if (aoMissing(v)) { return '—'; }
  return Number(v).toLocaleString(lang === 'en' ? 'en-US' : 'zh-CN',
    {minimumFractionDigits: digits, maximumFractionDigits: digits});
};
// The text of a markdown link cell ("[name](/organs/…)"), for its tooltip: long names are cut off.
dagfuncs.linkText = function (v) {
  var m = String(v === null || v === undefined ? '' : v).match(/^\[(.*)\]\(/);
  return m ? m[1] : v;
};
dagfuncs.zhPct = function (v, digits) {
  if (aoMissing(v)) { return '—'; }
  return (Number(v) * 100).toFixed(digits) + '%';
};
var AO_MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
dagfuncs.zhDate = function (v, lang) {
  if (aoMissing(v)) { return '—'; }
  var m = String(v).match(/^(\d{4})-(\d{2})-(\d{2})/);
  if (!m) { return String(v); }
  var y = m[1], mo = parseInt(m[2], 10), d = parseInt(m[3], 10);
  return lang === 'en' ? d + ' ' + AO_MONTHS[mo - 1] + ' ' + y : y + '年' + mo + '月' + d + '日';
};
dagfuncs.zhDateTime = function (v, lang) {
  if (aoMissing(v)) { return '—'; }
  var t = String(v).match(/T(\d{2}:\d{2})/);
  return dagfuncs.zhDate(v, lang) + (t ? ' ' + t[1] : '');
};
var AO_TIERS = {zh: {A: 'A 低', B: 'B 一般', C: 'C 较高', D: 'D 高'},
                en: {A: 'A low', B: 'B moderate', C: 'C elevated', D: 'D high'}};
// An English grid: a cell holding exactly one of the contract's values (i18n.VALUE_EN, in the grid's
// context) in English; any other text as it is.
dagfuncs.enLabel = function (v, context) {
  var labels = (context && context.valueEn) || {};
  return (typeof v === 'string' && Object.prototype.hasOwnProperty.call(labels, v)) ? labels[v] : v;
};
dagfuncs.tierLabel = function (v, lang) {
  if (aoMissing(v)) { return '—'; }
  return (AO_TIERS[lang === 'en' ? 'en' : 'zh'][v]) || v;
};
