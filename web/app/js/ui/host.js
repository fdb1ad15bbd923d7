// host: the signed-in host's home page: an instant meeting, the scheduling form
// (which also edits a meeting), the details of the meeting just made (link, SIP
// address, dial-in, "copy invitation", .ics), and the list of upcoming meetings with
// edit and cancel. Everything is a labelled control reachable with the keyboard.

import { t, language } from "../i18n.js";
import {
  listMeetings, createMeeting, updateMeeting, cancelMeeting, localParts, whenText, timeZones, browserZone, MeetingError,
} from "../meetings.js";

const $ = (id) => document.getElementById(id);

export class HostHome {
  /** @param {object} o name: who is signed in; exposed: test hooks (copied text) */
  constructor(o) {
    this.exposed = o.exposed || {};
    this.form = $("sch-form");
    this.title = $("sch-title");
    this.date = $("sch-date");
    this.start = $("sch-start");
    this.end = $("sch-end");
    this.tz = $("sch-tz");
    this.rec = $("sch-rec");
    this.lobby = $("sch-lobby");
    this.error = $("sch-error");
    this.submitBtn = $("sch-submit");
    this.stopEdit = $("sch-stop-edit");
    this.list = $("upcoming-list");
    this.listStatus = $("upcoming-status");
    this.editing = null; // the meeting being edited
    this.meetings = [];
    $("host-account").textContent = t("account.signedIn", { name: o.name });

    for (const zone of timeZones()) this.tz.add(new Option(zone, zone));
    this.tz.value = browserZone();
    if (!this.tz.value) this.tz.value = "UTC";
    this.resetWhen();

    $("host-instant").addEventListener("click", () => this.instant());
    this.form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      this.submit();
    });
    this.stopEdit.addEventListener("click", () => this.endEdit());
    $("details-copy").addEventListener("click", () => this.copyInvite());
  }

  async show() {
    this.title.focus();
    await this.refresh();
  }

  /** resetWhen proposes the next full hour, for an hour. */
  resetWhen() {
    const next = new Date(Date.now() + 3600e3);
    next.setMinutes(0, 0, 0);
    const s = localParts(next.toISOString(), this.tz.value || "UTC");
    const e = localParts(new Date(next.getTime() + 3600e3).toISOString(), this.tz.value || "UTC");
    this.date.value = s.date;
    this.start.value = s.time;
    this.end.value = e.time;
  }

  async refresh() {
    this.listStatus.textContent = t("host.loading");
    try {
      this.meetings = await listMeetings();
    } catch (err) {
      this.listStatus.textContent = this.errorText(err);
      return;
    }
    this.renderList();
  }

  renderList() {
    this.list.replaceChildren();
    this.listStatus.textContent = this.meetings.length ? "" : t("host.none");
    const lang = language();
    for (const m of this.meetings) {
      const li = document.createElement("li");
      li.className = "meeting-item";
      li.dataset.id = m.id;
      const h = document.createElement("h3");
      h.textContent = m.title;
      const when = document.createElement("p");
      when.className = "muted";
      when.textContent = whenText(m, lang);
      li.append(h, when);
      if (m.recurrence) {
        const r = document.createElement("p");
        r.className = "muted";
        r.textContent = t("host.recurring", { rule: recurrenceText(m.recurrence) });
        li.append(r);
      }
      const row = document.createElement("div");
      row.className = "row";
      const join = document.createElement("a");
      join.className = "btn btn-primary item-join";
      join.href = m.join_url;
      join.textContent = t("item.join");
      row.append(
        join,
        button(t("item.details"), t("item.detailsLabel", { title: m.title }), "item-details", () => this.showDetails(m)),
        button(t("item.edit"), t("item.editLabel", { title: m.title }), "item-edit", () => this.beginEdit(m)),
        button(t("item.cancel"), t("item.cancelLabel", { title: m.title }), "item-cancel", () => this.confirmCancel(li, m)),
      );
      li.append(row);
      this.list.append(li);
    }
  }

  /** confirmCancel asks in place, so that no modal dialog takes the keyboard. */
  confirmCancel(li, m) {
    li.querySelector(".confirm")?.remove();
    const box = document.createElement("div");
    box.className = "confirm stack";
    box.setAttribute("role", "group");
    const q = document.createElement("p");
    q.id = `confirm-${m.id}`;
    q.textContent = t("item.confirm", { title: m.title });
    box.setAttribute("aria-labelledby", q.id);
    const row = document.createElement("div");
    row.className = "row";
    const no = button(t("item.confirmNo"), "", "confirm-no", () => {
      box.remove();
      li.querySelector(".item-cancel")?.focus();
    });
    const yes = button(t("item.confirmYes"), "", "btn-primary confirm-yes", async () => {
      yes.disabled = true;
      try {
        await cancelMeeting(m.id);
      } catch (err) {
        q.textContent = this.errorText(err);
        yes.disabled = false;
        return;
      }
      if (this.editing?.id === m.id) this.endEdit();
      await this.refresh();
      this.listStatus.textContent = t("host.cancelled", { title: m.title });
      $("upcoming-heading").focus?.();
    });
    row.append(yes, no);
    box.append(q, row);
    li.append(box);
    yes.focus();
  }

  beginEdit(m) {
    this.editing = m;
    const s = localParts(m.start, m.time_zone);
    const e = localParts(m.end, m.time_zone);
    this.title.value = m.title;
    this.date.value = s.date;
    this.start.value = s.time;
    this.end.value = e.time;
    if (![...this.tz.options].some((o) => o.value === m.time_zone)) this.tz.add(new Option(m.time_zone, m.time_zone));
    this.tz.value = m.time_zone;
    if (![...this.rec.options].some((o) => o.value === m.recurrence)) {
      this.rec.add(new Option(t("rec.custom", { rule: m.recurrence }), m.recurrence));
    }
    this.rec.value = m.recurrence || "";
    this.lobby.disabled = true; // the room's lobby is set when it is made
    $("sch-heading").textContent = t("host.editing", { title: m.title });
    this.submitBtn.textContent = t("host.save");
    this.stopEdit.hidden = false;
    this.error.textContent = "";
    this.title.focus();
  }

  endEdit() {
    this.editing = null;
    this.form.reset();
    this.lobby.disabled = false;
    this.tz.value = browserZone();
    this.resetWhen();
    $("sch-heading").textContent = t("host.schedule");
    this.submitBtn.textContent = t("host.scheduleButton");
    this.stopEdit.hidden = true;
    this.error.textContent = "";
  }

  fieldsValid() {
    for (const el of [this.title, this.date, this.start, this.end]) el.removeAttribute("aria-invalid");
    if (!this.title.value.trim()) {
      this.fail(t("host.titleRequired"), this.title);
      return false;
    }
    for (const el of [this.date, this.start, this.end]) {
      if (!el.value) {
        this.fail(t("host.whenRequired"), el);
        return false;
      }
    }
    return true;
  }

  fail(text, el) {
    this.error.textContent = text;
    if (el) {
      el.setAttribute("aria-invalid", "true");
      el.focus();
    }
  }

  async submit() {
    this.error.textContent = "";
    if (!this.fieldsValid()) return;
    // An end before the start is on the next day (a meeting over midnight).
    let endDate = this.date.value;
    if (this.end.value <= this.start.value) {
      const d = new Date(`${this.date.value}T00:00:00Z`);
      d.setUTCDate(d.getUTCDate() + 1);
      endDate = d.toISOString().slice(0, 10);
    }
    const body = {
      title: this.title.value.trim(),
      start: `${this.date.value}T${this.start.value}`,
      end: `${endDate}T${this.end.value}`,
      time_zone: this.tz.value,
      recurrence: this.rec.value,
      lang: language(),
    };
    this.submitBtn.disabled = true;
    let m;
    try {
      if (this.editing) {
        m = await updateMeeting(this.editing.id, body);
      } else {
        m = await createMeeting({ ...body, lobby: this.lobby.checked });
      }
    } catch (err) {
      const field = { title: this.title, start: this.start, end: this.end, time_zone: this.tz, recurrence: this.rec }[err.field];
      this.fail(this.errorText(err), field);
      return;
    } finally {
      this.submitBtn.disabled = false;
    }
    const wasEditing = !!this.editing;
    this.endEdit();
    this.showDetails(m, t(wasEditing ? "host.saved" : "host.created"));
    await this.refresh();
  }

  async instant() {
    const btn = $("host-instant");
    btn.disabled = true;
    try {
      const m = await createMeeting({ instant: true, lang: language(), lobby: this.lobby.checked, time_zone: browserZone() });
      this.showDetails(m, t("host.created"));
      await this.refresh();
    } catch (err) {
      this.fail(this.errorText(err));
    } finally {
      btn.disabled = false;
    }
  }

  /** showDetails shows how to join m and how to invite people. */
  showDetails(m, status = "") {
    this.current = m;
    $("details").hidden = false;
    $("details-heading").textContent = m.title;
    $("details-when").textContent = whenText(m, language());
    const link = $("details-link");
    link.href = m.join_url;
    link.textContent = m.join_url;
    $("details-sip").textContent = m.sip_uri || "";
    $("details-sip").hidden = $("details-sip-label").hidden = !m.sip_uri;
    const phone = m.dial_in ? t("details.phoneValue", { number: m.dial_in.number, pin: m.dial_in.pin }) : "";
    $("details-phone").textContent = phone;
    $("details-phone").hidden = $("details-phone-label").hidden = !phone;
    $("details-join").href = m.join_url;
    $("details-ics").href = m.ics_url;
    $("details-status").textContent = status;
    $("details-heading").focus();
  }

  async copyInvite() {
    const text = this.current?.invite?.text || "";
    let ok = false;
    try {
      await navigator.clipboard.writeText(text);
      ok = true;
    } catch {
      // Without clipboard permission: copy through a selected text area.
      const area = document.createElement("textarea");
      area.value = text;
      area.setAttribute("readonly", "");
      area.className = "visually-hidden";
      document.body.append(area);
      area.select();
      try {
        ok = document.execCommand("copy");
      } catch {
        ok = false;
      }
      area.remove();
    }
    this.exposed.copied = text;
    $("details-status").textContent = t(ok ? "details.copied" : "details.copyFailed");
  }

  errorText(err) {
    if (err instanceof MeetingError) {
      if (err.status === 401) return t("host.sessionEnded");
      if (err.code === "not_a_host") return t("host.notHost");
      return t("host.error", { message: err.message });
    }
    return t("host.error", { message: String(err) });
  }
}

function button(text, label, cls, onClick) {
  const b = document.createElement("button");
  b.type = "button";
  b.className = `btn ${cls}`;
  b.textContent = text;
  if (label) b.setAttribute("aria-label", label);
  b.addEventListener("click", onClick);
  return b;
}

/** recurrenceText names a rule the form offers, or shows it as it is. */
function recurrenceText(rule) {
  const known = {
    "FREQ=DAILY": "rec.daily",
    "FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR": "rec.weekdays",
    "FREQ=WEEKLY": "rec.weekly",
    "FREQ=WEEKLY;INTERVAL=2": "rec.biweekly",
    "FREQ=MONTHLY": "rec.monthly",
  };
  return known[rule] ? t(known[rule]) : rule;
}
