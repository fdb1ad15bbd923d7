// Package lobbye2e holds the end-to-end tests of the lobby (waiting room): a room
// created through the HTTP API with its lobby on, a room admin and guests joining
// over /rtc with the Go client and real WebRTC media on loopback, admissions over
// /rtc and over the HTTP API, refusals, and the room record's participant cap.
// The package has no code of its own; run its tests with
//
//	go test -race ./internal/e2e/lobby/
package lobbye2e
