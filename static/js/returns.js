// The returns inbox: the ticked rows become the bulk form's selection, counted in a status region.
document.addEventListener("change", (event) => {
  if (!event.target.classList || !event.target.classList.contains("bulk-pick")) return;
  const picked = [...document.querySelectorAll(".bulk-pick:checked")];
  const ids = document.getElementById("bulk-ids");
  const count = document.getElementById("selected-count");
  if (ids) ids.value = picked.map((box) => box.value).join(",");
  if (count) count.textContent = `${picked.length} selected`;
});
