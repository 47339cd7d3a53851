// The returns inbox: the ticked rows become the bulk form's selection, counted in a status region;
// a change of selection or decision asks the server for the reject reasons they share.
document.addEventListener("change", (event) => {
  const classes = event.target.classList;
  if (!classes || !(classes.contains("bulk-pick") || classes.contains("bulk-decision"))) return;
  const picked = [...document.querySelectorAll(".bulk-pick:checked")];
  const ids = document.getElementById("bulk-ids");
  const count = document.getElementById("selected-count");
  if (ids) ids.value = picked.map((box) => box.value).join(",");
  if (count) count.textContent = `${picked.length} selected`;
  document.body.dispatchEvent(new Event("bulk-changed"));
});
