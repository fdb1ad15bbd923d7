// Package worker is `ensemble record-worker`: a process apart from the
// servers that records rooms, so that recording scales apart from forwarding.
//
// A server configured with recording.workers queues the recordings the API
// starts (jobs.Config.Queue). A worker polls the server's API: it claims the
// oldest queued recording (POST /api/v1/recording-jobs, atomic in the
// server's store) while it has room for one (its own max_concurrent and free
// space), records it with its own jobs.Runner (the recorder joins the room
// through the server's URL like any client), and reports every change of state
// (PUT /api/v1/recording-jobs/{id}); the server keeps the state and sends the
// webhooks. At each poll the worker renews its claim on every recording it
// runs (POST /api/v1/recording-jobs/{id}/lease, with the files written so
// far); a stop asked through the API reaches it as stop_requested in the
// answer. A worker that dies stops renewing, and the server marks its
// recordings failed once their lease lapses (30 s by default), their files
// listed as partial; a worker that finds its recording ended by the server
// (409) stops it. When the worker is stopped it ends its recordings and
// reports them complete before it exits.
package worker
