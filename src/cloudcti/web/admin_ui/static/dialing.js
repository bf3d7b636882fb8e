// Dialing parameters: derive the internal number length from the lines (REST
// derive-internal-length, which stores it) and the test box (REST explain), step by step.
import { api } from "./api.js";

const form = document.getElementById("dialing-form");
const base = form.dataset.api;
const derive = document.getElementById("derive-button");
const deriveResult = document.getElementById("derive-result");

if (base && derive) {
  derive.addEventListener("click", async () => {
    derive.disabled = true;
    try {
      const found = await api("POST", `${base}/derive-internal-length`);
      form.elements.internal_number_length.value = found.internal_number_length;
      deriveResult.className = "derive-result ok";
      deriveResult.textContent = form.dataset.textDerived
        .replace("{length}", found.internal_number_length)
        .replace("{extensions}", found.extensions_considered.join(", "));
    } catch (error) {
      deriveResult.className = "derive-result failed";
      deriveResult.textContent = `${form.dataset.textFailed} ${error.message}`;
    } finally {
      derive.disabled = false;
    }
  });
}

const explainForm = document.getElementById("explain-form");
if (base && explainForm) {
  const out = document.getElementById("explain-result");
  const labels = document.getElementById("explain-labels").content.firstElementChild.dataset;
  explainForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const params = new URLSearchParams({
      number: explainForm.elements.number.value,
      context: explainForm.elements.context.value,
    });
    out.replaceChildren();
    try {
      const found = await api("GET", `${base}/explain?${params}`);
      const table = document.createElement("table");
      const head = table.createTHead().insertRow();
      for (const label of [labels.rule, labels.value]) {
        const th = document.createElement("th");
        th.scope = "col";
        th.textContent = label;
        head.append(th);
      }
      const body = table.createTBody();
      for (const step of found.steps) {
        const row = body.insertRow();
        row.insertCell().textContent = step.rule;
        row.insertCell().textContent = step.result;
      }
      const result = document.createElement("p");
      result.className = "explain-final";
      result.textContent = `${labels.result}: ${found.result || "–"}`;
      out.append(table, result);
    } catch (error) {
      const p = document.createElement("p");
      p.className = "error";
      p.textContent = error.message;
      out.append(p);
    }
  });
}
