// The runs list follows new runs: every two seconds it asks the API for the newest run and
// reloads the page when one appeared (a push, a webhook, a pull request build), so a list
// left open shows runs as they start. The page itself stays server-rendered and escaped.
(function () {
  "use strict";
  const list = document.getElementById("runs-live");
  if (!list) return;
  const newest = Number(list.dataset.newest || "0");
  const pipeline = list.dataset.pipeline || "";
  const query = "/api/runs?limit=1" + (pipeline ? "&pipeline=" + encodeURIComponent(pipeline) : "");
  function poll() {
    fetch(query, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : []; })
      .then(function (runs) {
        if (runs.length && Number(runs[0].id) !== newest) {
          window.location.reload();
        } else {
          window.setTimeout(poll, 2000);
        }
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 2000);
})();
