/* 四邻联动 on the member's phone: the outbox of notebook entries, their sync, the service
 * worker, and clearing what the phone keeps at logout.
 *
 * The outbox is an IndexedDB store (through idb, static/vendor/idb). Every entry has an id
 * made on the phone (a UUID) and belongs to the user who wrote it. The visit form
 * (static/js/visit-form.js) puts an entry here *before* it posts it, so an entry typed as
 * the signal drops is never lost; the entries still here are sent to the server one by one
 * (casebook:visit-sync) on every page load, when the signal returns, and again with growing
 * pauses while any is left. The server records each id once: a resend is answered, not
 * written twice. An entry the server refuses stays here, with the server's message, under
 * "needs attention" until it is corrected or discarded.
 *
 * Logging out sends what it can, asks before deleting what is still unsent, then empties the
 * outbox and the kept pages. The login page deletes the kept pages too (a session that
 * ended without a logout); unsent entries stay, shown to and sent by their author only.
 */
(function () {
  "use strict";
  var config = document.getElementById("offline-config");
  if (!config) return;
  var text = config.dataset;
  var user = text.user || "";
  var PAGES_CACHE = "liaison-pages";
  var RETRY_MIN = 10 * 1000;
  var RETRY_MAX = 5 * 60 * 1000;

  var canKeep = !!(window.indexedDB && window.idb);
  // WeChat's in-app browser (and iOS in-app browsers generally) run no service worker.
  var canWork =
    "serviceWorker" in navigator && window.isSecureContext && !/MicroMessenger/i.test(navigator.userAgent);

  var dbPromise = null;
  function db() {
    if (!dbPromise) {
      dbPromise = idb.openDB("liaison", 1, {
        upgrade: function (database) {
          var store = database.createObjectStore("outbox", { keyPath: "id" });
          store.createIndex("user", "user");
        },
      });
    }
    return dbPromise;
  }

  var outbox = {
    entries: async function () {
      if (!canKeep || !user) return [];
      var rows = await (await db()).getAllFromIndex("outbox", "user", user);
      return rows.sort(function (a, b) { return a.created - b.created; });
    },
    get: async function (id) {
      var entry = canKeep ? await (await db()).get("outbox", id) : undefined;
      return entry && entry.user === user ? entry : undefined;
    },
    put: async function (entry) {
      entry.user = user;
      await (await db()).put("outbox", entry);
      render();
    },
    remove: async function (id) {
      await (await db()).delete("outbox", id);
      render();
    },
    clear: async function () {
      if (canKeep) await (await db()).clear("outbox");
    },
  };

  function newId() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var bytes = crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) { return (b + 0x100).toString(16).slice(1); }).join("");
    return [hex.slice(0, 8), hex.slice(8, 12), hex.slice(12, 16), hex.slice(16, 20), hex.slice(20)].join("-");
  }

  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  // --- Sending ------------------------------------------------------------------------------

  var note = "";
  // One entry to the server: "recorded", "replayed" (the server had it already: the form's
  // own post got through), "refused", "login" (the session ended) or "retry".
  async function send(entry) {
    var body = new URLSearchParams();
    entry.fields.forEach(function (pair) { body.append(pair[0], pair[1]); });
    body.set("client_id", entry.id);
    var response = await fetch(text.syncUrl, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      redirect: "manual",
      cache: "no-store",
      headers: { "X-CSRFToken": csrfToken() },
    });
    if (response.type === "opaqueredirect") return "login";
    var type = response.headers.get("Content-Type") || "";
    var answer = type.indexOf("application/json") === 0 ? await response.json() : null;
    if (answer && (answer.status === "recorded" || answer.status === "replayed")) {
      await outbox.remove(entry.id);
      return answer.status;
    }
    if (answer && answer.status === "refused") {
      entry.status = "refused";
      entry.message = answer.message;
      await outbox.put(entry);
      return "refused";
    }
    return "retry";
  }

  var syncing = null;
  var retryDelay = RETRY_MIN;
  var retryTimer = null;
  function sync() {
    if (syncing) return syncing;
    syncing = (async function () {
      var pending = (await outbox.entries()).filter(function (e) { return e.status === "pending"; });
      var outcome = "recorded";
      var sent = 0;
      var arrived = 0;
      for (var i = 0; i < pending.length && outcome !== "login" && outcome !== "retry"; i++) {
        try {
          outcome = await send(pending[i]);
        } catch (error) {
          outcome = "retry"; // no network: try again later
        }
        if (outcome === "recorded") sent++;
        if (outcome === "recorded" || outcome === "replayed") arrived++;
      }
      if (outcome === "login") note = text.msgLogin;
      else if (outcome === "retry") note = text.msgRetry;
      else if (sent) note = text.msgSent;
      else note = "";
      retryDelay = outcome === "retry" ? Math.min(retryDelay * 2, RETRY_MAX) : RETRY_MIN;
      return arrived;
    })()
      .catch(function () { return 0; })
      .then(async function (arrived) {
        if (arrived) await refreshCounts();
        syncing = null;
        await render();
        schedule();
      });
    return syncing;
  }
  async function schedule() {
    clearTimeout(retryTimer);
    var left = (await outbox.entries()).some(function (e) { return e.status === "pending"; });
    if (left) retryTimer = setTimeout(sync, retryDelay);
  }

  // --- What the pages show ------------------------------------------------------------------

  // Entries reached the server: the page's own figures (visited this month, still to visit)
  // counted without them. Read the page afresh and put its marked parts in place
  // ([data-sync-refresh] with an id), so the counts are the server's, not guessed here.
  async function refreshCounts() {
    var parts = document.querySelectorAll("[data-sync-refresh][id]");
    if (!parts.length) return;
    try {
      var response = await fetch(location.href, { credentials: "same-origin", cache: "no-store" });
      if (!response.ok || response.redirected) return;
      var fresh = new DOMParser().parseFromString(await response.text(), "text/html");
      parts.forEach(function (part) {
        var replacement = fresh.getElementById(part.id);
        if (replacement && replacement.hasAttribute("data-sync-refresh")) {
          part.replaceWith(document.importNode(replacement, true));
        }
      });
    } catch (error) {
      // No signal after all: the next sync tries again.
    }
  }

  function setCount(selector, n) {
    document.querySelectorAll(selector).forEach(function (badge) {
      badge.textContent = n;
      badge.hidden = n === 0;
    });
  }

  async function render() {
    var entries = await outbox.entries();
    var byStatus = { pending: [], refused: [] };
    entries.forEach(function (e) { (byStatus[e.status] || byStatus.pending).push(e); });
    setCount('[data-outbox-count="all"]', entries.length);
    document.querySelectorAll("[data-outbox]").forEach(function (box) {
      box.hidden = entries.length === 0 && !note;
      var noteLine = box.querySelector("[data-outbox-note]");
      if (noteLine) noteLine.textContent = note;
      var template = box.querySelector("template[data-outbox-row]");
      ["pending", "refused"].forEach(function (status) {
        var group = box.querySelector('[data-outbox-group="' + status + '"]');
        var list = box.querySelector('[data-outbox-list="' + status + '"]');
        if (!group || !list || !template) return;
        group.hidden = byStatus[status].length === 0;
        box.querySelectorAll('[data-outbox-count="' + status + '"]').forEach(function (b) {
          b.textContent = byStatus[status].length;
        });
        list.replaceChildren.apply(list, byStatus[status].map(function (entry) { return row(template, entry); }));
      });
    });
    // The households with an entry waiting are visited, whatever the kept page says.
    var waiting = {};
    entries.forEach(function (e) { waiting[field(e, "household")] = true; });
    document.querySelectorAll("[data-household-id]").forEach(function (item) {
      var isWaiting = !!waiting[item.dataset.householdId];
      item.classList.toggle("outbox-waiting", isWaiting);
      item.querySelectorAll("[data-waiting]").forEach(function (badge) { badge.hidden = !isWaiting; });
    });
  }

  function field(entry, name) {
    var pair = entry.fields.find(function (p) { return p[0] === name; });
    return pair ? pair[1] : "";
  }

  // 2026-11-28 reads 2026年11月28日 in Chinese, as the server's dates do.
  function dayLabel(day) {
    var parts = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day || "");
    if (!parts || document.documentElement.lang.indexOf("zh") !== 0) return day;
    return parts[1] + "年" + Number(parts[2]) + "月" + Number(parts[3]) + "日";
  }

  function row(template, entry) {
    var item = template.content.firstElementChild.cloneNode(true);
    item.dataset.entryId = entry.id;
    item.dataset.status = entry.status;
    item.querySelector('[data-field="household"]').textContent = entry.label || "";
    item.querySelector('[data-field="date"]').textContent = dayLabel(field(entry, "visited_on"));
    item.querySelector('[data-field="message"]').textContent = entry.status === "refused" ? entry.message : "";
    var actions = item.querySelector("[data-refused-only]");
    if (entry.status !== "refused") {
      actions.remove();
    } else {
      var correct = actions.querySelector('[data-action="correct"]');
      correct.href = text.formUrl + "?draft=" + encodeURIComponent(entry.id);
      actions.querySelector('[data-action="discard"]').addEventListener("click", function () {
        if (window.confirm(text.msgDiscard)) outbox.remove(entry.id);
      });
    }
    return item;
  }

  // --- Clearing ----------------------------------------------------------------------------

  async function deleteKeptPages() {
    if (window.caches) await caches.delete(PAGES_CACHE);
  }

  function hookLogout(form) {
    form.addEventListener("submit", function (event) {
      if (form.dataset.cleared) return;
      event.preventDefault();
      (async function () {
        try {
          if (navigator.onLine) await Promise.race([sync(), new Promise(function (r) { setTimeout(r, 5000); })]);
          var left = (await outbox.entries()).length;
          if (left && !window.confirm(text.msgLogout)) return;
          await outbox.clear();
          await deleteKeptPages();
        } catch (error) {
          // Never keep anyone from logging out.
        }
        form.dataset.cleared = "1";
        form.submit();
      })();
    });
  }

  // --- Start -------------------------------------------------------------------------------

  window.liaisonOffline = { canKeep: canKeep, canWork: canWork, outbox: outbox, sync: sync, newId: newId, csrfToken: csrfToken, render: render, text: text };

  if (!user) {
    deleteKeptPages().catch(function () {});
    return;
  }
  document.querySelectorAll('form[action="' + text.logoutUrl + '"]').forEach(hookLogout);
  if (!navigator.onLine) {
    // A kept copy of a page: yesterday's "saved" notices no longer apply.
    document.querySelectorAll(".alert.flash").forEach(function (alert) { alert.hidden = true; });
  }
  if (!canWork) {
    document.querySelectorAll("[data-offline-hint]").forEach(function (hint) { hint.hidden = false; });
  }
  document.addEventListener("click", function (event) {
    if (event.target.closest('[data-action="sync"]')) sync();
  });
  window.addEventListener("online", function () { retryDelay = RETRY_MIN; sync(); });
  if (canKeep) sync();

  if (canWork) {
    navigator.serviceWorker
      .register(text.workerUrl, { scope: "/" })
      .then(function () { return navigator.serviceWorker.ready; })
      .then(function (registration) {
        if (navigator.serviceWorker.controller) return;
        // First visit: the worker was not yet in charge of this page. Ask it to keep the
        // visit form now, so that it opens without a signal from the start (the other
        // daily pages are kept from the next time they are opened).
        var worker = registration.active;
        if (worker && text.formUrl) worker.postMessage({ type: "CACHE_URLS", payload: { urlsToCache: [text.formUrl] } });
      })
      .catch(function () {});
  }
})();
