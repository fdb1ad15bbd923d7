// media: the local camera, microphone and screen, and the messages for their errors.

/** cameraConstraints asks for 720p (which allows three simulcast layers) from the
 * chosen camera. */
export function cameraConstraints(deviceId) {
  const c = { width: { ideal: 1280 }, height: { ideal: 720 }, frameRate: { ideal: 30, max: 30 } };
  if (deviceId) c.deviceId = { exact: deviceId };
  return c;
}

export function micConstraints(deviceId) {
  const c = { echoCancellation: true, noiseSuppression: true, autoGainControl: true };
  if (deviceId) c.deviceId = { exact: deviceId };
  return c;
}

/** openCamera returns a camera video track. */
export async function openCamera(deviceId) {
  const s = await navigator.mediaDevices.getUserMedia({ video: cameraConstraints(deviceId) });
  return s.getVideoTracks()[0];
}

/** openMicrophone returns a microphone audio track. */
export async function openMicrophone(deviceId) {
  const s = await navigator.mediaDevices.getUserMedia({ audio: micConstraints(deviceId) });
  return s.getAudioTracks()[0];
}

/** openScreen asks the user for a screen, window or tab; it must run from a click. */
export async function openScreen() {
  const s = await navigator.mediaDevices.getDisplayMedia({ video: { frameRate: { ideal: 15, max: 30 } }, audio: false });
  return s.getVideoTracks()[0];
}

/** listDevices returns the cameras and microphones (labels appear once access was granted). */
export async function listDevices() {
  if (!navigator.mediaDevices?.enumerateDevices) return { cameras: [], microphones: [] };
  const all = await navigator.mediaDevices.enumerateDevices();
  return {
    cameras: all.filter((d) => d.kind === "videoinput"),
    microphones: all.filter((d) => d.kind === "audioinput"),
  };
}

/** mediaErrorKey returns the i18n key and the variables for a getUserMedia error
 * from the camera ("camera"), the microphone ("microphone") or both. */
export function mediaErrorKey(err, what) {
  switch (err?.name) {
    case "NotAllowedError":
    case "SecurityError":
      return what === "camera" ? "error.camDenied" : what === "microphone" ? "error.micDenied" : "error.devDenied";
    case "NotFoundError":
    case "OverconstrainedError":
      return "error.noDevice";
    case "NotReadableError":
    case "AbortError":
      return "error.deviceBusy";
    default:
      return "error.device";
  }
}

/** stopTrack stops a track if there is one. */
export function stopTrack(track) {
  if (track && track.readyState !== "ended") track.stop();
}
