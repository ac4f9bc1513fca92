// The portal's only script: a live character count, "换一张" without reloading, and one submit per form.
// Everything works without it (the server refreshes the captcha and refuses a second submission).
(function () {
  "use strict";

  function counters() {
    document.querySelectorAll("[data-count-for]").forEach(function (counter) {
      var box = document.getElementById(counter.getAttribute("data-count-for"));
      if (!box) return;
      var shown = counter.querySelector("b");
      var update = function () { shown.textContent = String(Array.from(box.value).length); };
      counter.hidden = false;
      box.addEventListener("input", update);
      update();
    });
  }

  function captchaRefresh() {
    document.querySelectorAll("[data-captcha-refresh]").forEach(function (button) {
      button.addEventListener("click", function (event) {
        var form = button.form;
        var image = form.querySelector("[data-captcha-image]");
        var status = form.querySelector("[data-captcha-status]");
        event.preventDefault();
        fetch(button.getAttribute("data-url") || "/portal/captcha/", {credentials: "same-origin", headers: {"Accept": "application/json"}})
          .then(function (response) { return response.json().then(function (body) { return {ok: response.ok, body: body}; }); })
          .then(function (result) {
            if (!result.ok) { status.textContent = result.body.detail || ""; return; }
            image.src = result.body.image;
            form.querySelector("input[name=captcha_id]").value = result.body.id;
            var input = form.querySelector("input[name=captcha]");
            input.value = "";
            input.focus();
            status.textContent = "已换一张新的验证码图片。";
          })
          .catch(function () { form.requestSubmit(button); });
      });
    });
  }

  function submitOnce() {
    document.querySelectorAll("form[data-once]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (event.submitter && event.submitter.hasAttribute("data-captcha-refresh")) return;
        if (form.dataset.sent) { event.preventDefault(); return; }
        form.dataset.sent = "1";
        var button = form.querySelector("[data-submit]");
        if (button) button.setAttribute("aria-busy", "true");
      });
    });
  }

  // Back from the next page (the browser's page cache): the form may be sent again.
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) return;
    document.querySelectorAll("form[data-once]").forEach(function (form) {
      delete form.dataset.sent;
      var button = form.querySelector("[data-submit]");
      if (button) button.removeAttribute("aria-busy");
    });
  });

  document.addEventListener("DOMContentLoaded", function () {
    counters();
    captchaRefresh();
    submitOnce();
  });
})();
