// A recording stand-in for the part of Office.js that the Ensemble add-in calls, for
// the browser tests (Outlook itself cannot run there). It holds one appointment being
// organised, answers the callback APIs as Office does ({status, value}), records every
// call in window.__office.calls, opens Office dialogs as pop-up windows and relays
// Office.context.ui.messageParent from the dialog to the task pane.
(function () {
  const AsyncResultStatus = { Succeeded: "succeeded", Failed: "failed" };
  const EventType = {
    AppointmentTimeChanged: "olkAppointmentTimeChanged",
    DialogMessageReceived: "dialogMessageReceived",
    DialogEventReceived: "dialogEventReceived",
  };
  const calls = [];
  const record = (name, ...args) => calls.push({ name, args: JSON.parse(JSON.stringify(args)) });
  const answer = (cb, value) => setTimeout(() => cb && cb({ status: AsyncResultStatus.Succeeded, value }), 0);

  const state = {
    subject: "Budget review",
    start: "2030-05-02T09:00:00.000Z",
    end: "2030-05-02T10:00:00.000Z",
    location: "",
    bodyType: "html",
    body: "<p>Agenda: the numbers.</p>",
    custom: {},
    handlers: {},
  };

  const item = {
    itemType: "appointment",
    subject: { getAsync: (cb) => { record("subject.getAsync"); answer(cb, state.subject); } },
    start: { getAsync: (cb) => { record("start.getAsync"); answer(cb, new Date(state.start)); } },
    end: { getAsync: (cb) => { record("end.getAsync"); answer(cb, new Date(state.end)); } },
    location: {
      getAsync: (cb) => answer(cb, state.location),
      setAsync: (value, opts, cb) => {
        if (typeof opts === "function") cb = opts;
        record("location.setAsync", value);
        state.location = value;
        answer(cb);
      },
    },
    body: {
      getTypeAsync: (cb) => answer(cb, state.bodyType),
      getAsync: (type, opts, cb) => {
        if (typeof opts === "function") cb = opts;
        record("body.getAsync", type);
        answer(cb, state.body);
      },
      setAsync: (data, opts, cb) => {
        if (typeof opts === "function") cb = opts;
        record("body.setAsync", data, opts && opts.coercionType);
        state.body = data;
        answer(cb);
      },
    },
    loadCustomPropertiesAsync: (cb) => {
      record("loadCustomPropertiesAsync");
      const pending = {};
      answer(cb, {
        get: (k) => (k in pending ? pending[k] : state.custom[k]),
        set: (k, v) => { record("customProperties.set", k, v); pending[k] = v; },
        remove: (k) => { delete pending[k]; delete state.custom[k]; },
        saveAsync: (cb2) => { record("customProperties.saveAsync"); Object.assign(state.custom, pending); answer(cb2); },
      });
    },
    addHandlerAsync: (type, handler, opts, cb) => {
      if (typeof opts === "function") cb = opts;
      record("addHandlerAsync", type);
      state.handlers[type] = handler;
      answer(cb);
    },
  };

  let dialogHandlers = {};
  window.addEventListener("message", (ev) => {
    const d = ev.data;
    if (d && d.officeStandIn === "messageParent" && dialogHandlers[EventType.DialogMessageReceived]) {
      dialogHandlers[EventType.DialogMessageReceived]({ type: EventType.DialogMessageReceived, message: d.message, origin: ev.origin });
    }
  });

  const ui = {
    displayDialogAsync: (url, opts, cb) => {
      record("displayDialogAsync", url);
      const w = window.open(url, "office-dialog", "popup,width=480,height=640");
      if (!w) {
        setTimeout(() => cb({ status: AsyncResultStatus.Failed, error: { code: 12009, message: "pop-up blocked" } }), 0);
        return;
      }
      dialogHandlers = {};
      answer(cb, {
        addEventHandler: (type, h) => { dialogHandlers[type] = h; },
        close: () => { record("dialog.close"); w.close(); },
      });
    },
    messageParent: (message) => {
      record("messageParent");
      window.opener.postMessage({ officeStandIn: "messageParent", message }, "*");
    },
  };

  // "?nodialog" on the task pane: a host without the dialog API (the add-in then uses
  // a pop-up window); the add-in's own pop-up is a plain window, outside Office.
  if (new URLSearchParams(location.search).has("nodialog")) delete ui.displayDialogAsync;
  if (window.name === "ensemble-signin") delete ui.messageParent;

  window.Office = {
    AsyncResultStatus,
    EventType,
    CoercionType: { Html: "html", Text: "text" },
    HostType: { Outlook: "Outlook" },
    context: { displayLanguage: "en-US", mailbox: { item }, ui },
    onReady: (cb) => {
      const info = { host: "Outlook", platform: "OfficeOnline" };
      if (cb) setTimeout(() => cb(info), 0);
      return Promise.resolve(info);
    },
  };

  // The test's handle: the calls, the appointment, and moving it in time (as the
  // organiser does in Outlook, which fires AppointmentTimeChanged).
  window.__office = {
    calls,
    state,
    moveTo(start, end) {
      state.start = start;
      state.end = end;
      const h = state.handlers[EventType.AppointmentTimeChanged];
      if (h) h({ type: EventType.AppointmentTimeChanged, start: new Date(start), end: new Date(end) });
    },
  };
})();
