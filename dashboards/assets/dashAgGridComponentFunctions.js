// Cell renderers for AG Grid (referenced by name from columnDefs "cellRenderer").
var dagcomponentfuncs = (window.dashAgGridComponentFunctions = window.dashAgGridComponentFunctions || {});

// The risk score's seven components as one stacked bar (row fields pts_<component>, max 100 points).
var AO_COMPONENTS = [
  ['inspections', '#e8590c'], ['evaluations', '#1c7ed6'], ['incidents', '#c92a2a'],
  ['qualifications', '#862e9c'], ['flags', '#5f3dc4'], ['rectifications', '#f59f00'], ['exposure', '#868e96']];

dagcomponentfuncs.StackedBar = function (props) {
  var row = props.data || {};
  var labels = row.component_labels || {};
  var parts = AO_COMPONENTS.map(function (c) {
    var v = Number(row['pts_' + c[0]] || 0);
    return React.createElement('span', {
      key: c[0], title: (labels[c[0]] || c[0]) + ' ' + v.toFixed(1),
      style: {width: Math.max(0, Math.min(100, v)) + '%', background: c[1]}
    });
  });
  return React.createElement('div', {className: 'stacked-bar'}, parts);
};
