package main

import (
	"bufio"
	"context"
	"crypto/tls"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/internal/testcert"
)

// With sip.tls_listen (here its flags), `ensemble serve` serves SIP over TLS
// with the configured certificate: an OPTIONS over a TLS connection that
// trusts it is answered 200.
func TestServeSIPOverTLS(t *testing.T) {
	needSIPCodecs(t)
	cert := testcert.New(t, 1)
	certFile, keyFile := cert.Files(t, t.TempDir())
	tlsPort := freePort(t)
	_, stop := startServe(t, freePort(t), "--dev", "--data-dir", t.TempDir(),
		"--sip-domain", "sip.test", "--sip-listen", "127.0.0.1:"+strconv.Itoa(freeSIPPort(t)),
		"--sip-tls-listen", "127.0.0.1:"+strconv.Itoa(tlsPort), "--sip-tls-cert-file", certFile, "--sip-tls-key-file", keyFile)
	defer stop()

	conn, err := tls.Dial("tcp", "127.0.0.1:"+strconv.Itoa(tlsPort), cert.Client())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	local := conn.LocalAddr().String()
	fmt.Fprintf(conn, "OPTIONS sip:sip.test SIP/2.0\r\nVia: SIP/2.0/TLS %s;branch=z9hG4bK-tls-1\r\n"+
		"From: <sip:probe@127.0.0.1>;tag=1\r\nTo: <sip:sip.test>\r\nCall-ID: tls-probe\r\nCSeq: 1 OPTIONS\r\n"+
		"Max-Forwards: 70\r\nContent-Length: 0\r\n\r\n", local)
	status, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil || !strings.HasPrefix(status, "SIP/2.0 200") {
		t.Fatalf("OPTIONS over TLS: %q, %v", status, err)
	}
}

// `ensemble sip` refuses a TLS listener without its key, naming what is
// missing, before it serves anything.
func TestSIPCommandRefusesTLSWithoutKey(t *testing.T) {
	needSIPCodecs(t)
	certFile, _ := testcert.New(t, 1).Files(t, t.TempDir())
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// The settings are refused before anything listens: the ports are never bound.
	err := runSIP(ctx, []string{"--dev", "--listen", "127.0.0.1:5060", "--domain", "sip.test",
		"--tls-listen", "127.0.0.1:5061", "--tls-cert-file", certFile})
	if err == nil || !strings.Contains(err.Error(), "sip.tls_listen needs sip.tls_cert_file and sip.tls_key_file") {
		t.Fatalf("error %v", err)
	}
}
