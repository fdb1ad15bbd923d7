// prejoin: the screen before joining: name, camera preview, device choice, and
// joining with the camera or the microphone off. A denied camera or microphone is
// said clearly and the user can still join without it.

import { t } from "../i18n.js";
import { setIcon, initials, hueFor } from "./icons.js";
import { openCamera, openMicrophone, listDevices, mediaErrorKey, stopTrack } from "../media.js";

const NAME_KEY = "ensemble.name";

export class Prejoin {
  /** @param {object} o onJoin(choice): Promise — resolves when joined, rejects with a message */
  constructor(o) {
    this.onJoin = o.onJoin;
    this.form = document.getElementById("prejoin-form");
    this.nameInput = document.getElementById("pj-name");
    this.camSelect = document.getElementById("pj-camera-select");
    this.micSelect = document.getElementById("pj-mic-select");
    this.video = document.getElementById("preview-video");
    this.off = document.getElementById("preview-off");
    this.camBtn = document.getElementById("pj-cam");
    this.micBtn = document.getElementById("pj-mic");
    this.errorEl = document.getElementById("prejoin-error");
    this.joinBtn = document.getElementById("pj-join");
    this.camTrack = null;
    this.micTrack = null;
    this.camOn = true;
    this.micOn = true;
    this.errors = {};
    this.opening = new Set(); // device opens under way; joining waits for them

    this.camBtn.addEventListener("click", () => this.setCam(!this.camOn));
    this.micBtn.addEventListener("click", () => this.setMic(!this.micOn));
    this.camSelect.addEventListener("change", () => this.camOn && this.openCam());
    this.micSelect.addEventListener("change", () => this.micOn && this.openMic());
    this.nameInput.addEventListener("input", () => this.updateAvatar());
    this.form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      this.submit();
    });
  }

  /** show fills the screen; name is a suggestion (from the token). */
  async show({ room, name }) {
    document.getElementById("prejoin-room").textContent = t("prejoin.room", { room });
    let stored = "";
    try {
      stored = localStorage.getItem(NAME_KEY) || "";
    } catch {
      // storage disabled
    }
    this.nameInput.value = name || stored;
    this.updateAvatar();
    this.renderButtons();
    if (!navigator.mediaDevices?.getUserMedia || !globalThis.RTCPeerConnection) {
      this.setError(t("error.noWebRTC"));
      this.joinBtn.disabled = true;
      return;
    }
    await Promise.all([this.openCam(), this.openMic()]);
    await this.fillDevices();
    navigator.mediaDevices.addEventListener?.("devicechange", () => this.fillDevices());
  }

  /** track remembers a device open under way, so that joining waits for it. */
  track(promise) {
    this.opening.add(promise);
    promise.finally(() => this.opening.delete(promise));
    return promise;
  }

  openCam() {
    return this.track(this.doOpenCam());
  }

  openMic() {
    return this.track(this.doOpenMic());
  }

  async doOpenCam() {
    stopTrack(this.camTrack);
    this.camTrack = null;
    try {
      this.camTrack = await openCamera(this.camSelect.value);
      delete this.errors.camera;
    } catch (err) {
      this.errors.camera = err;
      this.camOn = false;
    }
    this.showPreview();
    this.renderButtons();
    this.renderErrors();
  }

  async doOpenMic() {
    stopTrack(this.micTrack);
    this.micTrack = null;
    try {
      this.micTrack = await openMicrophone(this.micSelect.value);
      delete this.errors.microphone;
    } catch (err) {
      this.errors.microphone = err;
      this.micOn = false;
    }
    this.renderButtons();
    this.renderErrors();
  }

  async fillDevices() {
    const { cameras, microphones } = await listDevices().catch(() => ({ cameras: [], microphones: [] }));
    fillSelect(this.camSelect, cameras, this.camTrack);
    fillSelect(this.micSelect, microphones, this.micTrack);
  }

  async setCam(on) {
    this.camOn = on;
    if (on) await this.openCam();
    else {
      stopTrack(this.camTrack);
      this.camTrack = null;
      delete this.errors.camera;
      this.showPreview();
      this.renderErrors();
    }
    this.renderButtons();
  }

  async setMic(on) {
    this.micOn = on;
    if (on) await this.openMic();
    else {
      stopTrack(this.micTrack);
      this.micTrack = null;
      delete this.errors.microphone;
      this.renderErrors();
    }
    this.renderButtons();
  }

  showPreview() {
    const show = this.camOn && this.camTrack;
    this.video.srcObject = show ? new MediaStream([this.camTrack]) : null;
    this.video.hidden = !show;
    this.off.hidden = !!show;
  }

  updateAvatar() {
    const av = this.off.querySelector(".avatar");
    const name = this.nameInput.value.trim();
    av.textContent = initials(name);
    av.style.setProperty("--hue", String(hueFor(name)));
  }

  renderButtons() {
    for (const [b, on, iconName, key] of [
      [this.camBtn, this.camOn, "cam", "prejoin.cameraOn"],
      [this.micBtn, this.micOn, "mic", "prejoin.micOn"],
    ]) {
      setIcon(b, iconName, !on);
      b.setAttribute("aria-pressed", String(on));
      b.classList.toggle("off", !on);
      b.setAttribute("aria-label", t(key));
      b.title = t(key);
    }
  }

  renderErrors() {
    const cam = this.errors.camera;
    const mic = this.errors.microphone;
    if (cam && mic && mediaErrorKey(cam, "camera") === "error.camDenied" && mediaErrorKey(mic, "microphone") === "error.micDenied") {
      this.setError(t("error.devDenied"));
    } else if (cam) {
      this.setError(t(mediaErrorKey(cam, "camera"), { name: cam.name }));
    } else if (mic) {
      this.setError(t(mediaErrorKey(mic, "microphone"), { name: mic.name }));
    } else {
      this.setError("");
    }
  }

  setError(text) {
    this.errorEl.textContent = text;
  }

  async submit() {
    const name = this.nameInput.value.trim();
    if (!name) {
      this.setError(t("prejoin.nameRequired"));
      this.nameInput.focus();
      return;
    }
    try {
      localStorage.setItem(NAME_KEY, name);
    } catch {
      // storage disabled
    }
    this.joinBtn.disabled = true;
    this.joinBtn.textContent = t("prejoin.joining");
    // A new try: the last join's error no longer holds, the devices' still do.
    this.renderErrors();
    try {
      while (this.opening.size > 0) await Promise.allSettled([...this.opening]);
      await this.onJoin({
        name,
        camTrack: this.camOn ? this.camTrack : null,
        micTrack: this.micOn ? this.micTrack : null,
        camDeviceId: this.camSelect.value,
        micDeviceId: this.micSelect.value,
      });
      // The tracks now belong to the meeting.
      this.camTrack = null;
      this.micTrack = null;
      this.video.srcObject = null;
    } catch (err) {
      this.setError(err.message || String(err));
    } finally {
      this.joinBtn.disabled = false;
      this.joinBtn.textContent = t("prejoin.join");
    }
  }

  /** release stops the preview tracks (leaving the page before joining). */
  release() {
    stopTrack(this.camTrack);
    stopTrack(this.micTrack);
  }
}

function fillSelect(select, devices, track) {
  const current = track?.getSettings?.().deviceId || select.value;
  select.replaceChildren();
  if (devices.length === 0) {
    const o = new Option(t("prejoin.noDevice"), "");
    select.append(o);
    select.disabled = true;
    return;
  }
  select.disabled = false;
  devices.forEach((d, i) => {
    const o = new Option(d.label || `${select.id.includes("camera") ? t("prejoin.camera") : t("prejoin.microphone")} ${i + 1}`, d.deviceId);
    if (d.deviceId === current) o.selected = true;
    select.append(o);
  });
}
