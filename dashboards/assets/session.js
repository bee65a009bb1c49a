/* When a session ends (sign-out elsewhere, expiry, account changed), Dash's callbacks answer 401 or
   403: send the browser to the sign-in page instead of leaving a half-updated page. */
(function () {
  var fetch0 = window.fetch;
  var leaving = false;
  window.fetch = function (input, init) {
    return fetch0.apply(this, arguments).then(function (response) {
      var url = typeof input === "string" ? input : (input && input.url) || "";
      if (!leaving && url.indexOf("/_dash-") !== -1 && (response.status === 401 || response.status === 403)) {
        leaving = true;
        var here = window.location.pathname + window.location.search;
        window.location.assign(response.status === 401 ? "/login?next=" + encodeURIComponent(here) : here);
      }
      return response;
    });
  };
})();
