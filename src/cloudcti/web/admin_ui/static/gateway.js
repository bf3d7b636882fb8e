// "Verbindung prüfen": posts the form's current values (nothing is saved) and shows a green
// check next to the button, or the failed check as the system message at the top of the page.
// Each check's detail can be expanded.
const form = document.getElementById("gateway-form");
const button = document.getElementById("check-button");
const result = document.getElementById("check-result");
const details = document.getElementById("check-details");
const list = document.getElementById("check-list");
const message = document.getElementById("system-message");
const text = form.dataset;

function showMessage(value) {
  message.textContent = value;
  message.hidden = !value;
}

function render(checks) {
  list.replaceChildren();
  for (const check of checks) {
    const item = document.createElement("li");
    item.className = check.ok ? "ok" : "failed";
    const block = document.createElement("details");
    if (!check.ok) block.open = true;
    const summary = document.createElement("summary");
    summary.textContent = `${check.ok ? "✓" : "✗"} ${check.label}`;
    const detail = document.createElement("p");
    detail.textContent = check.detail;
    block.append(summary, detail);
    item.append(block);
    list.append(item);
  }
  details.hidden = checks.length === 0;
}

async function runCheck() {
  button.disabled = true;
  result.className = "check-result running";
  result.textContent = text.textRunning;
  showMessage("");
  try {
    const response = await fetch(form.dataset.checkUrl, {
      method: "POST",
      body: new URLSearchParams(new FormData(form)),
      credentials: "same-origin",
    });
    if (!response.ok) throw new Error(String(response.status));
    const outcome = await response.json();
    render(outcome.checks);
    if (outcome.ok) {
      result.className = "check-result ok";
      result.textContent = `✓ ${text.textOk}`;
    } else {
      result.className = "check-result failed";
      result.textContent = `✗ ${text.textFailed}`;
      const fields = Object.entries(outcome.errors ?? {}).map(([name, text]) => {
        const label = document.querySelector(`label[for="f-${name.replace(/_\d+$/, "")}"]`);
        return `${label ? label.textContent : name}: ${text}`;
      });
      showMessage([outcome.message, ...fields].join(" – "));
    }
  } catch (error) {
    result.className = "check-result failed";
    result.textContent = "";
    showMessage(`${text.textError} (${error.message})`);
  } finally {
    button.disabled = false;
  }
}

// Any edit invalidates an earlier result.
form.addEventListener("input", () => {
  result.className = "check-result";
  result.textContent = "";
});
button.hidden = false;
button.addEventListener("click", runCheck);

// "Proxy-Einstellungen": the link opens the gateway's proxy section and moves the focus there.
const proxy = document.getElementById("proxy");
function openProxy() {
  proxy.open = true;
  document.getElementById("f-proxy_url").focus();
}
document.getElementById("proxy-link").addEventListener("click", (event) => {
  event.preventDefault();
  openProxy();
});
if (window.location.hash === "#proxy") openProxy();
