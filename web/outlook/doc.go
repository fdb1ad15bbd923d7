// Package outlook serves the Ensemble add-in for Outlook under /addins/outlook/: the
// XML manifest an administrator deploys (manifest.xml, its URLs filled from the
// server's public URL), the task pane ("Add an Ensemble meeting" in an appointment
// being organised), the sign-in dialog, and their icons. The pages are plain
// JavaScript modules with no build step; they load Office.js from Microsoft's CDN
// (Options.OfficeJSURL), which their Content-Security-Policy allows besides 'self',
// and they may be framed by Outlook on the web only.
//
// The task pane authenticates to /api/host/meetings with a session token of its own
// (POST /auth/addin-token from the sign-in dialog, which runs first-party on this
// server), because Outlook frames the pane where the session cookie may not be sent.
// See docs/outlook-addin.md for deployment.
package outlook
