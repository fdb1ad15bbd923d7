package web_test

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ensemble-sfu/ensemble/web"
)

// The app's pure modules, imported in the browser from the served files (so the
// CSP and the content types are exercised too) and checked one function at a time.
func TestE2EModules(t *testing.T) {
	p, base := openModulesPage(t)

	cases := []struct{ name, expr string }{
		{"both dictionaries have the same keys", `import("` + base + `i18n.js").then(m => {
			const en = Object.keys(m.dictionaries.en).sort(), fr = Object.keys(m.dictionaries.fr).sort();
			return JSON.stringify(en) === JSON.stringify(fr) && en.length > 50; })`},
		{"French for fr-*, English otherwise", `import("` + base + `i18n.js").then(m =>
			m.pickLanguage(["fr-CA"]) === "fr" && m.pickLanguage(["de-DE", "fr"]) === "fr" && m.pickLanguage(["de"]) === "en" && m.pickLanguage([]) === "en")`},
		{"placeholders are filled", `import("` + base + `i18n.js").then(m => { m.setLanguage("en"); return m.t("banner.joined", {name: "Zoé"}) === "Zoé joined."; })`},
		{"three layers from 960 px, two from 640, none below", `import("` + base + `layers.js").then(m => {
			const l = m.simulcastLayers(1280, 720);
			return l.length === 3 && l.map(x => x.rid).join() === "q,h,f" && l.map(x => x.scaleResolutionDownBy).join() === "4,2,1"
				&& l[0].width === 320 && l[2].height === 720 && l.map(x => x.quality).join() === "low,medium,high"
				&& m.simulcastLayers(640, 480).map(x => x.rid).join() === "h,f" && m.simulcastLayers(320, 240).length === 0; })`},
		{"an H.264 backup prefers constrained baseline in packetization-mode 1, and no other codec", `import("` + base + `backup.js").then(m => {
			const caps = {codecs: [
				{mimeType: "video/VP8"},
				{mimeType: "video/H264", sdpFmtpLine: "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=4d001f"},
				{mimeType: "video/H264", sdpFmtpLine: "level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=42e01f"},
				{mimeType: "video/H264", sdpFmtpLine: "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f"},
				{mimeType: "video/H264", sdpFmtpLine: "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f"},
				{mimeType: "video/rtx", sdpFmtpLine: "apt=96"}]};
			const got = m.backupCodecs("video/H264", caps).map(c => /profile-level-id=(\w+)/.exec(c.sdpFmtpLine)[1]).join();
			return got === "42e01f,42001f,4d001f" && m.backupCodecs("video/AV1", caps).length === 0
				&& m.backupCodecs("video/VP8", caps).length === 1 && m.backupCodecs("video/H264", null).length === 0; })`},
		{"a backup is at most 720 lines high", `import("` + base + `backup.js").then(m => {
			const big = m.backupEncoding(1920, 1080), small = m.backupEncoding(640, 360), unknown = m.backupEncoding(0, 0);
			return big.scaleResolutionDownBy === 1.5 && big.width === 1280 && big.height === 720 && big.maxBitrate === 1500000
				&& small.scaleResolutionDownBy === 1 && small.width === 640 && small.maxBitrate === 500000
				&& unknown.scaleResolutionDownBy === 1 && unknown.width === 0 && unknown.maxBitrate === 1500000; })`},
		{"a tile gets the smallest layer that covers it", `import("` + base + `layers.js").then(m => {
			const l = m.simulcastLayers(1280, 720);
			return m.qualityFor(320, 180, l) === "low" && m.qualityFor(600, 340, l) === "medium" && m.qualityFor(1200, 680, l) === "high"
				&& m.qualityFor(4000, 2000, l) === "high" && m.qualityFor(100, 100, []) === "low"; })`},
		{"rtc URL from the join answer or the page", `import("` + base + `signalling.js").then(m =>
			m.rtcURL("ws://h:1/rtc", "http://x/") === "ws://h:1/rtc" && m.rtcURL("https://h/base/", "http://x/") === "wss://h/base/rtc"
			&& m.rtcURL("", "http://x:7880/room") === "ws://x:7880/rtc")`},
		{"the rtc query names room and resume", `import("` + base + `signalling.js").then(m =>
			m.rtcQuery("T", "PA_1", "r-1") === "access_token=T&protocol=1&room=r-1&resume=PA_1")`},
		{"a guest waits in the lobby past the connect timeout, then joins or is refused", `import("` + base + `signalling.js").then(async m => {
			// A fake WebSocket that plays messages, each after its delay in ms.
			const run = async (script) => {
				class WS {
					constructor() { this.readyState = 1; this.sent = []; (async () => {
						for (const [ms, msg] of script) { await new Promise(r => setTimeout(r, ms)); this.onmessage({data: JSON.stringify(msg)}); }
					})(); }
					send(s) { this.sent.push(JSON.parse(s).type); }
					close() { this.readyState = 3; }
				}
				const c = new m.SignalClient("ws://h/rtc", "T", {WebSocket: WS, connectTimeoutMs: 100});
				let waited = false;
				c.addEventListener("lobby_waiting", () => { waited = c.waiting; });
				try { const msg = await c.connect(); c.close(); return waited + ":" + msg.type; }
				catch (e) { c.close(); return waited + ":" + e.code; }
			};
			const waiting = [0, {type: "lobby_waiting", data: {room: "r", identity: "g", ping_interval_ms: 50}}];
			const admitted = await run([waiting, [300, {type: "join", data: {participant: {sid: "PA_1"}}}]]);
			const refused = await run([waiting, [300, {type: "close", data: {reason: "lobby_refused", message: "no"}}]]);
			const full = await run([[0, {type: "error", data: {code: "lobby_full"}}]]);
			return admitted === "true:join" && refused === "true:lobby_refused" && full === "false:lobby_full"; })`},
		{"a 503's wait is its Retry-After within 1 to 10 s, plus at most a tenth", `import("` + base + `busy.js").then(m => {
			const busy = (ra) => ({status: 503, code: "server_overloaded", retryAfter: ra});
			return m.busyWaitMs(busy(10), () => 0) === 10000 && m.busyWaitMs(busy(10), () => 0.999) === 10999
				&& m.busyWaitMs(busy(0), () => 0) === 1000 && m.busyWaitMs(busy(3600), () => 0) === 10000
				&& m.busyWaitMs({status: 403, code: "room_full"}) === null && m.busyWaitMs({status: 429, retryAfter: 5}) === null
				&& m.sessionRetryWaitMs({status: 503, code: "server_draining", retryAfter: 5}, 300) === 300
				&& m.sessionRetryWaitMs({status: 503, code: "node_unavailable", retryAfter: 2}, 300) >= 2000
				&& m.parseRetryAfter("10") === 10 && m.parseRetryAfter("") === 0 && m.parseRetryAfter("soon") === 0
				&& m.parseRetryAfter(new Date(60000).toUTCString(), 0) === 60; })`},
		{"problem codes from RFC 9457 bodies", `import("` + base + `token.js").then(m =>
			m.problemCode({code: "guests_not_allowed"}) === "guests_not_allowed" && m.problemCode({type: "https://x/problems/room_full"}) === "room_full"
			&& m.problemCode({type: "about:blank"}) === "" && m.problemCode(null) === "")`},
		{"chat payloads: JSON or plain text", `import("` + base + `ui/chat.js").then(m => {
			const round = m.decodeChat(m.encodeChat("salut"));
			return round.message === "salut" && m.decodeChat(new TextEncoder().encode("plain")).message === "plain"
				&& m.decodeChat(new Uint8Array(0)) === null; })`},
		{"base64 payloads", `import("` + base + `session.js").then(m => {
			const b = new Uint8Array([0, 255, 1, 128]);
			return m.bytesToBase64(b) === "AP8BgA==" && m.base64ToBytes("AP8BgA==").join() === b.join() && m.base64ToBytes("***").length === 0; })`},
		{"initials", `import("` + base + `ui/icons.js").then(m =>
			m.initials("Chloé Dubois") === "CD" && m.initials("zoé") === "ZO" && m.initials("") === "?")`},
		{"the same icon is kept, another replaces it", `import("` + base + `ui/icons.js").then(m => {
			const b = document.createElement("button");
			m.setIcon(b, "mic", false);
			const first = b.firstChild;
			m.setIcon(b, "mic", false);
			const kept = b.firstChild === first;
			m.setIcon(b, "mic", true);
			const muted = b.firstChild !== first && b.firstChild.classList.contains("icon-off") && b.querySelectorAll("svg").length === 1;
			m.setIcon(b, "cam", true);
			return kept && muted && b.firstChild.classList.contains("icon-cam") && b.querySelectorAll("svg").length === 1; })`},
		{"media errors name the device", `import("` + base + `media.js").then(m =>
			m.mediaErrorKey({name: "NotAllowedError"}, "camera") === "error.camDenied" && m.mediaErrorKey({name: "NotFoundError"}, "camera") === "error.noDevice"
			&& m.mediaErrorKey({name: "NotReadableError"}, "microphone") === "error.deviceBusy")`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p.t = t
			if !eval[bool](p, c.expr) {
				t.Fatal("false")
			}
		})
	}
}

// openModulesPage opens the app's home page, served by the web handler alone
// (no server behind it), for tests that import its modules and call them; base
// is the path of the modules.
func openModulesPage(t *testing.T) (p *page, base string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), e2eTimeout)
	t.Cleanup(cancel)
	ts := httptest.NewServer(web.Handler())
	t.Cleanup(ts.Close)
	b := startBrowser(t, ctx)
	p = b.newPage("modules", true)
	p.do(chromedp.Navigate(ts.URL + "/"))
	p.waitJS("the app", `window.__ensemble && __ensemble.ready`, 10*time.Second)
	return p, "/static/" + web.Version() + "/js/"
}
