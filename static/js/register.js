// Registration form: add petitioners, link a repeat with one click, and stop double submits.
(function () {
  var form = document.getElementById("register-form");
  if (!form) return;
  var people = document.getElementById("people");
  var total = form.querySelector("input[name='p-TOTAL_FORMS']");
  document.getElementById("add-person").addEventListener("click", function () {
    var index = parseInt(total.value, 10);
    var html = document.getElementById("person-template").innerHTML
      .replace(/__prefix__/g, index).replace(/__no__/g, index + 1);
    people.insertAdjacentHTML("beforeend", html);
    total.value = index + 1;
    people.lastElementChild.querySelector("input").focus();
  });
  document.addEventListener("click", function (event) {
    var number = event.target.getAttribute && event.target.getAttribute("data-repeat");
    if (number) {
      var field = document.getElementById("id_repeat_of");
      field.value = number;
      field.focus();
    }
  });
  form.addEventListener("submit", function () {
    // The server also ignores a second submit with the same key; this only spares the click.
    var button = document.getElementById("submit-register");
    setTimeout(function () { button.disabled = true; button.textContent = "正在保存……"; }, 0);
  });
})();
