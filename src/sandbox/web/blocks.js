// Block Kit → DOM, as Slack's client draws it: header, section (text, fields, accessory), context,
// divider, image, actions (buttons with primary/danger styles and confirm dialogs, overflow menus,
// static selects, date pickers), input blocks in modals, rich_text, markdown and table blocks.

import { escapeHtml, mrkdwn, plain, textObject } from "./mrkdwn.js";

/** Creates an element: h("div", {class: "x", onclick}, child, "text", …). */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") el.className = v;
    else if (k === "html") el.innerHTML = v;
    else if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "dataset") Object.assign(el.dataset, v);
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

const textHtml = (obj, ctx) => textObject(obj, ctx.dir);

/**
 * Asks for confirmation when the element has a `confirm` object (Slack's confirm dialog), then
 * calls `go`. The dialog is a real <dialog>: focus moves to it, Escape cancels.
 */
export function withConfirm(confirm, ctx, go) {
  if (!confirm) return go();
  const dlg = h(
    "dialog",
    { class: "confirm-dialog", "aria-label": confirm.title?.text ?? "Confirm" },
    h("h2", { class: "confirm-title", html: textHtml(confirm.title, ctx) }),
    h("div", { class: "confirm-text", html: textHtml(confirm.text, ctx) }),
    h(
      "div",
      { class: "confirm-buttons" },
      h("button", { class: "btn", type: "button", dataset: { role: "deny" }, onclick: () => dlg.close("deny") }, confirm.deny?.text ?? "Cancel"),
      h("button", { class: `btn ${confirm.style === "danger" ? "btn-danger" : "btn-primary"}`, type: "button", dataset: { role: "confirm" }, onclick: () => dlg.close("confirm") }, confirm.confirm?.text ?? "Yes"),
    ),
  );
  dlg.addEventListener("close", () => {
    dlg.remove();
    if (dlg.returnValue === "confirm") go();
  });
  document.body.append(dlg);
  dlg.showModal();
  dlg.querySelector('[data-role="confirm"]').focus();
}

function button(el, blockId, ctx) {
  const cls = ["btn", el.style === "primary" ? "btn-primary" : el.style === "danger" ? "btn-danger" : ""].join(" ").trim();
  return h(
    "button",
    {
      class: cls,
      type: "button",
      "aria-label": el.accessibility_label,
      dataset: { actionId: el.action_id ?? "", blockId, value: el.value ?? "" },
      onclick: () => {
        if (el.url) window.open(el.url, "_blank", "noopener");
        withConfirm(el.confirm, ctx, () => ctx.onAction({ block_id: blockId, action_id: el.action_id, value: el.value, element: el }));
      },
    },
    h("span", { html: plain(el.text?.text, el.text?.emoji !== false) }),
  );
}

/**
 * Slack's feedback buttons (👍 / 👎 in a context_actions block): two small icon buttons; the one
 * clicked stays pressed, as the Slack client shows it.
 */
function feedbackButtons(el, blockId, ctx) {
  const box = h("div", { class: "feedback-buttons", role: "group", "aria-label": "Feedback", dataset: { actionId: el.action_id ?? "", blockId } });
  for (const [side, b] of [
    ["positive", el.positive_button],
    ["negative", el.negative_button],
  ]) {
    if (!b) continue;
    const btn = h(
      "button",
      {
        class: `btn btn-feedback btn-feedback-${side}`,
        type: "button",
        "aria-pressed": "false",
        "aria-label": b.accessibility_label ?? (side === "positive" ? "Good response" : "Bad response"),
        dataset: { actionId: el.action_id ?? "", blockId, value: b.value ?? "", side },
        onclick: () => {
          for (const other of box.querySelectorAll("button")) other.setAttribute("aria-pressed", String(other === btn));
          ctx.onAction({ block_id: blockId, action_id: el.action_id, value: b.value, element: el });
        },
      },
      h("span", { html: plain(b.text?.text, b.text?.emoji !== false) }),
    );
    box.append(btn);
  }
  return box;
}

/** An icon button in a context_actions block (Slack draws its icon; the page shows its text). */
function iconButton(el, blockId, ctx) {
  return h(
    "button",
    { class: "btn btn-icon", type: "button", "aria-label": el.accessibility_label ?? el.text?.text, dataset: { actionId: el.action_id ?? "", blockId, value: el.value ?? "", icon: el.icon ?? "" }, onclick: () => withConfirm(el.confirm, ctx, () => ctx.onAction({ block_id: blockId, action_id: el.action_id, value: el.value, element: el })) },
    h("span", { html: plain(el.text?.text, el.text?.emoji !== false) }),
  );
}

function options(el) {
  const flat = [...(el.options ?? [])];
  for (const g of el.option_groups ?? []) flat.push(...(g.options ?? []));
  return flat;
}

function staticSelect(el, blockId, ctx, { inModal = false } = {}) {
  const initial = ctx.state?.[blockId]?.[el.action_id]?.selected_option?.value ?? el.initial_option?.value;
  const sel = h("select", {
    class: "select",
    "aria-label": el.placeholder?.text ?? "Select",
    dataset: { actionId: el.action_id ?? "", blockId },
    onchange: () => {
      if (inModal && !el.dispatch_action) ctx.onInput?.(blockId, el.action_id, sel.value);
      else withConfirm(el.confirm, ctx, () => ctx.onAction({ block_id: blockId, action_id: el.action_id, value: sel.value, element: el }));
    },
  });
  sel.append(h("option", { value: "", disabled: true, selected: !initial }, el.placeholder?.text ?? "Select an item"));
  const add = (parent, o) => parent.append(h("option", { value: o.value, selected: o.value === initial }, o.text?.text ?? o.value));
  for (const o of el.options ?? []) add(sel, o);
  for (const g of el.option_groups ?? []) {
    const og = h("optgroup", { label: g.label?.text ?? "" });
    for (const o of g.options ?? []) add(og, o);
    sel.append(og);
  }
  return sel;
}

function overflow(el, blockId, ctx) {
  const wrap = h("div", { class: "overflow" });
  const menu = h("div", { class: "overflow-menu", role: "menu", hidden: true });
  const toggle = h("button", { class: "btn btn-overflow", type: "button", "aria-haspopup": "menu", "aria-label": "More actions", dataset: { actionId: el.action_id ?? "", blockId }, onclick: () => (menu.hidden = !menu.hidden) }, "⋯");
  for (const o of options(el)) {
    menu.append(
      h(
        "button",
        {
          class: "overflow-item",
          type: "button",
          role: "menuitem",
          dataset: { value: o.value },
          onclick: () => {
            menu.hidden = true;
            if (o.url) window.open(o.url, "_blank", "noopener");
            withConfirm(el.confirm, ctx, () => ctx.onAction({ block_id: blockId, action_id: el.action_id, value: o.value, element: el }));
          },
        },
        o.text?.text ?? o.value,
      ),
    );
  }
  wrap.addEventListener("keydown", (e) => {
    if (e.key === "Escape") {
      menu.hidden = true;
      toggle.focus();
    }
  });
  wrap.append(toggle, menu);
  return wrap;
}

function datepicker(el, blockId, ctx, { inModal = false } = {}) {
  const initial = ctx.state?.[blockId]?.[el.action_id]?.selected_date ?? el.initial_date ?? "";
  const input = h("input", {
    type: "date",
    class: "datepicker",
    value: initial,
    "aria-label": el.placeholder?.text ?? "Pick a date",
    dataset: { actionId: el.action_id ?? "", blockId },
    onchange: () => {
      if (inModal) ctx.onInput?.(blockId, el.action_id, input.value);
      else withConfirm(el.confirm, ctx, () => ctx.onAction({ block_id: blockId, action_id: el.action_id, value: input.value, element: el }));
    },
  });
  return input;
}

function choices(el, blockId, ctx, { inModal = false } = {}) {
  const multi = el.type === "checkboxes";
  const name = `${blockId}-${el.action_id}`;
  const initial = new Set((el.initial_options ?? (el.initial_option ? [el.initial_option] : [])).map((o) => o.value));
  const box = h("div", { class: "choices", role: multi ? "group" : "radiogroup", dataset: { actionId: el.action_id ?? "", blockId } });
  const changed = () => {
    const picked = [...box.querySelectorAll("input:checked")].map((i) => i.value);
    const value = multi ? picked : picked[0];
    if (inModal) ctx.onInput?.(blockId, el.action_id, value);
    else ctx.onAction({ block_id: blockId, action_id: el.action_id, value: multi ? picked.join(",") : value, element: el });
  };
  for (const o of el.options ?? []) {
    const input = h("input", { type: multi ? "checkbox" : "radio", name, value: o.value, checked: initial.has(o.value), onchange: changed });
    box.append(h("label", { class: "choice" }, input, h("span", { html: textHtml(o.text, ctx) })));
  }
  return box;
}

function textInput(el, blockId, ctx) {
  const initial = ctx.state?.[blockId]?.[el.action_id]?.value ?? el.initial_value ?? "";
  const attrs = {
    class: "text-input",
    placeholder: el.placeholder?.text,
    maxlength: el.max_length,
    minlength: el.min_length,
    dataset: { actionId: el.action_id ?? "", blockId },
    oninput: (e) => ctx.onInput?.(blockId, el.action_id, e.target.value),
  };
  if (el.type === "plain_text_input" && el.multiline) return h("textarea", { ...attrs, rows: 4 }, initial);
  const type = { email_text_input: "email", url_text_input: "url", number_input: "number" }[el.type] ?? "text";
  return h("input", { ...attrs, type, value: initial });
}

function image(el, cls) {
  const src = el.image_url ?? el.slack_file?.url ?? "";
  return h("img", { class: cls, src, alt: el.alt_text ?? "", loading: "lazy" });
}

/** One interactive or display element (in actions, accessories or inputs). */
export function element(el, blockId, ctx, opts = {}) {
  switch (el.type) {
    case "button":
      return button(el, blockId, ctx);
    case "overflow":
      return overflow(el, blockId, ctx);
    case "static_select":
    case "external_select":
      return staticSelect(el, blockId, ctx, opts);
    case "datepicker":
      return datepicker(el, blockId, ctx, opts);
    case "checkboxes":
    case "radio_buttons":
      return choices(el, blockId, ctx, opts);
    case "plain_text_input":
    case "email_text_input":
    case "url_text_input":
    case "number_input":
      return textInput(el, blockId, ctx);
    case "image":
      return image(el, "accessory-image");
    case "feedback_buttons":
      return feedbackButtons(el, blockId, ctx);
    case "icon_button":
      return iconButton(el, blockId, ctx);
    default:
      return h("span", { class: "unsupported", title: JSON.stringify(el) }, `[${el.type}]`);
  }
}

function richTextElements(els, ctx) {
  return (els ?? [])
    .map((e) => {
      const st = e.style ?? {};
      let html;
      switch (e.type) {
        case "text":
          html = escapeHtml(e.text).replace(/\n/g, "<br>");
          break;
        case "link":
          html = `<a href="${escapeHtml(/^(https?:|mailto:)/.test(e.url) ? e.url : "#")}" target="_blank" rel="noopener noreferrer">${escapeHtml(e.text ?? e.url)}</a>`;
          break;
        case "user":
          return mrkdwn(`<@${e.user_id}>`, ctx.dir);
        case "channel":
          return mrkdwn(`<#${e.channel_id}>`, ctx.dir);
        case "usergroup":
          return mrkdwn(`<!subteam^${e.usergroup_id}>`, ctx.dir);
        case "broadcast":
          return mrkdwn(`<!${e.range}>`, ctx.dir);
        case "emoji":
          return e.unicode ? String.fromCodePoint(...e.unicode.split("-").map((x) => parseInt(x, 16))) : mrkdwn(`:${e.name}:`, ctx.dir);
        default:
          html = "";
      }
      if (st.code) html = `<code class="inline-code">${html}</code>`;
      if (st.bold) html = `<strong>${html}</strong>`;
      if (st.italic) html = `<em>${html}</em>`;
      if (st.strike) html = `<del>${html}</del>`;
      return html;
    })
    .join("");
}

function richText(block, ctx) {
  const out = h("div", { class: "rich-text" });
  for (const part of block.elements ?? []) {
    if (part.type === "rich_text_section") out.append(h("div", { class: "rt-section", html: richTextElements(part.elements, ctx) }));
    else if (part.type === "rich_text_preformatted") out.append(h("pre", { class: "code-block", html: richTextElements(part.elements, ctx) }));
    else if (part.type === "rich_text_quote") out.append(h("blockquote", { class: "quote", html: richTextElements(part.elements, ctx) }));
    else if (part.type === "rich_text_list") {
      const list = h(part.style === "ordered" ? "ol" : "ul", { class: "rt-list" });
      for (const item of part.elements ?? []) list.append(h("li", { html: richTextElements(item.elements, ctx) }));
      out.append(list);
    }
  }
  return out;
}

/** The `markdown` block: standard markdown, drawn with the mrkdwn renderer after a light translation. */
function markdownBlock(block, ctx) {
  const text = String(block.text ?? "")
    .replace(/\*\*(.+?)\*\*/g, "*$1*")
    .replace(/^#{1,6}\s+(.*)$/gm, "*$1*")
    .replace(/\[([^\]]+)\]\((https?:[^)]+)\)/g, "<$2|$1>")
    .replace(/^[-*]\s+/gm, "• ");
  return h("div", { class: "block-markdown", html: mrkdwn(text, ctx.dir) });
}

function table(block, ctx) {
  const t = h("table", { class: "block-table" });
  (block.rows ?? []).forEach((row, i) => {
    const tr = h("tr");
    for (const cell of row) {
      const content = cell.type === "raw_text" ? escapeHtml(cell.text) : cell.type === "rich_text" ? richText(cell, ctx).innerHTML : escapeHtml(JSON.stringify(cell));
      tr.append(h(i === 0 ? "th" : "td", { html: content }));
    }
    t.append(tr);
  });
  return t;
}

function inputBlock(block, ctx) {
  const id = `in-${block.block_id}`;
  const err = ctx.errors?.[block.block_id];
  const el = element(block.element ?? {}, block.block_id, ctx, { inModal: true });
  if (el.matches?.("input, textarea, select")) el.id = id;
  if (err) el.setAttribute?.("aria-invalid", "true");
  return h(
    "div",
    { class: `block block-input${err ? " has-error" : ""}`, dataset: { blockId: block.block_id } },
    h("label", { class: "input-label", for: id }, plain(block.label?.text), block.optional ? h("span", { class: "optional" }, " (optional)") : null),
    el,
    block.hint ? h("div", { class: "input-hint", html: textHtml(block.hint, ctx) }) : null,
    err ? h("div", { class: "input-error", role: "alert" }, err) : null,
  );
}

/** Renders one block. */
export function block(b, ctx) {
  const blockId = b.block_id ?? "";
  switch (b.type) {
    case "header":
      return h("div", { class: "block block-header", role: "heading", "aria-level": "3", html: plain(b.text?.text, b.text?.emoji !== false) });
    case "section": {
      const body = h("div", { class: "section-body" });
      if (b.text) body.append(h("div", { class: "section-text", html: textHtml(b.text, ctx) }));
      if (b.fields?.length) body.append(h("div", { class: "section-fields" }, b.fields.map((f) => h("div", { class: "section-field", html: textHtml(f, ctx) }))));
      const acc = b.accessory ? h("div", { class: "section-accessory" }, element(b.accessory, blockId, ctx, { inModal: ctx.surface === "modal" && !b.accessory.dispatch_action && b.accessory.type !== "button" && b.accessory.type !== "overflow" })) : null;
      return h("div", { class: "block block-section", dataset: { blockId } }, body, acc);
    }
    case "context":
      return h(
        "div",
        { class: "block block-context" },
        (b.elements ?? []).map((e) => (e.type === "image" ? image(e, "context-image") : h("span", { class: "context-text", html: textHtml(e, ctx) }))),
      );
    case "divider":
      return h("hr", { class: "block block-divider" });
    case "image":
      return h("figure", { class: "block block-image" }, b.title ? h("figcaption", { html: plain(b.title.text) }) : null, image(b, "image-full"));
    case "actions":
      return h("div", { class: "block block-actions", dataset: { blockId } }, (b.elements ?? []).map((e) => element(e, blockId, ctx, { inModal: false })));
    case "context_actions":
      return h("div", { class: "block block-context-actions", dataset: { blockId } }, (b.elements ?? []).map((e) => element(e, blockId, ctx)));
    case "input":
      return inputBlock(b, ctx);
    case "rich_text":
      return h("div", { class: "block block-rich-text" }, richText(b, ctx));
    case "markdown":
      return h("div", { class: "block" }, markdownBlock(b, ctx));
    case "table":
      return h("div", { class: "block block-table-wrap" }, table(b, ctx));
    default:
      return h("details", { class: "block block-unknown" }, h("summary", {}, `Unsupported block: ${b.type}`), h("pre", {}, JSON.stringify(b, null, 2)));
  }
}

/** Renders a blocks array into a container. */
export function renderBlocks(blocks, ctx) {
  return h("div", { class: "blocks" }, (blocks ?? []).map((b) => block(b, ctx)));
}
