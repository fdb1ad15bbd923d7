// Package testcert makes the self-signed certificates tests serve TLS with (HTTPS,
// TURN over TLS, a lab server's address): one helper instead of one per package.
package testcert
