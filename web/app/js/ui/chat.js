// chat: the chat panel. Messages travel as reliable data messages on the topic
// "chat", with a JSON payload {id, timestamp, message} (plain UTF-8 text from other
// clients is accepted too).

import { t } from "../i18n.js";

export const CHAT_TOPIC = "chat";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** encodeChat makes the payload of a chat message. */
export function encodeChat(text) {
  const id = globalThis.crypto?.randomUUID ? crypto.randomUUID() : String(Math.random()).slice(2);
  return encoder.encode(JSON.stringify({ id, timestamp: Date.now(), message: text }));
}

/** decodeChat reads a chat payload: {message, timestamp}; null when empty. */
export function decodeChat(bytes) {
  const text = decoder.decode(bytes);
  try {
    const v = JSON.parse(text);
    if (v && typeof v.message === "string") return { message: v.message, timestamp: Number(v.timestamp) || Date.now() };
  } catch {
    // plain text
  }
  return text ? { message: text, timestamp: Date.now() } : null;
}

export class Chat {
  /** @param {object} o panel, log, form, input; send(text): Promise; onUnread(count) */
  constructor(o) {
    this.panel = o.panel;
    this.log = o.log;
    this.form = o.form;
    this.input = o.input;
    this.send = o.send;
    this.onUnread = o.onUnread || (() => {});
    this.unread = 0;
    this.form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      this.submit();
    });
  }

  get open() {
    return !this.panel.hidden;
  }

  setOpen(open) {
    this.panel.hidden = !open;
    if (open) {
      this.unread = 0;
      this.onUnread(0);
      this.input.focus();
      this.log.scrollTop = this.log.scrollHeight;
    }
  }

  async submit() {
    const text = this.input.value.trim();
    if (!text) return;
    this.input.value = "";
    const item = this.append({ name: "", mine: true, message: text, timestamp: Date.now() });
    try {
      await this.send(text);
    } catch {
      item.classList.add("failed");
      const err = document.createElement("span");
      err.className = "error";
      err.textContent = t("chat.failed");
      item.append(err);
    }
  }

  /** receive shows a message from someone else. */
  receive(name, bytes) {
    const msg = decodeChat(bytes);
    if (!msg) return;
    this.append({ name, mine: false, ...msg });
    if (!this.open) {
      this.unread++;
      this.onUnread(this.unread);
    }
  }

  append({ name, mine, message, timestamp }) {
    const li = document.createElement("li");
    li.className = mine ? "msg mine" : "msg";
    const head = document.createElement("div");
    head.className = "msg-head";
    const who = document.createElement("span");
    who.className = "msg-from";
    who.textContent = mine ? t("chat.you") : name;
    const when = document.createElement("time");
    const d = new Date(timestamp);
    when.dateTime = d.toISOString();
    when.textContent = d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
    head.append(who, when);
    const body = document.createElement("p");
    body.className = "msg-text";
    body.textContent = message; // never innerHTML: messages come from others
    li.append(head, body);
    // For screen readers the live region reads the whole item.
    li.setAttribute("aria-label", mine ? message : t("chat.from", { name, text: message }));
    this.log.append(li);
    this.log.scrollTop = this.log.scrollHeight;
    return li;
  }
}
