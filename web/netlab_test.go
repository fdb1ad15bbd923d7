package web_test

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ensemble-sfu/ensemble/internal/testcert"
)

// netLab is a server host of its own: a network namespace joined to this one by a
// veth pair, where the server runs as a process and nftables plays the firewall of
// a corporate network (no UDP, only some TCP ports). The browser and the Go client
// stay in the test's namespace and reach the server across the veth, as clients
// behind that firewall would.
type netLab struct {
	t                 *testing.T
	ns                string
	hostIf, nsIf      string
	hostIP, nsIP      string
	certFile, keyFile string // a certificate for nsIP, for TURN over TLS
}

var labSeq struct {
	sync.Mutex
	n int
}

// newNetLab creates the namespace; outside CI it skips when the test cannot (not
// root, no ip or nft), under CI=true it fails.
func newNetLab(t *testing.T) *netLab {
	t.Helper()
	need := func(why string) {
		if os.Getenv("CI") == "true" {
			t.Fatalf("network namespace tests: %s", why)
		}
		t.Skipf("network namespace tests need root, ip and nft: %s", why)
	}
	if os.Geteuid() != 0 {
		need("not root")
	}
	for _, tool := range []string{"ip", "nft"} {
		if _, err := exec.LookPath(tool); err != nil {
			need(tool + " not found")
		}
	}
	labSeq.Lock()
	labSeq.n++
	n := labSeq.n
	labSeq.Unlock()
	id := fmt.Sprintf("%d%d", os.Getpid()%10000, n)
	subnet := fmt.Sprintf("10.%d.%d", 100+os.Getpid()%100, n%250)
	l := &netLab{t: t, ns: "ens" + id, hostIf: "ensh" + id, nsIf: "enss" + id, hostIP: subnet + ".1", nsIP: subnet + ".2"}
	l.run("ip", "netns", "add", l.ns)
	t.Cleanup(func() { _ = exec.Command("ip", "netns", "del", l.ns).Run() })
	l.run("ip", "link", "add", l.hostIf, "type", "veth", "peer", "name", l.nsIf, "netns", l.ns)
	t.Cleanup(func() { _ = exec.Command("ip", "link", "del", l.hostIf).Run() })
	// No IPv6 link-local addresses on the link: the kernel would add them when
	// the link comes up and end their duplicate address detection a second or
	// two later, and Chromium takes that address change for a new network and
	// aborts the requests in flight (net::ERR_NETWORK_CHANGED): the page's
	// modules then never load. Everything in the lab is IPv4.
	l.run("ip", "link", "set", l.hostIf, "addrgenmode", "none")
	l.inNS("ip", "link", "set", l.nsIf, "addrgenmode", "none")
	l.run("ip", "addr", "add", l.hostIP+"/24", "dev", l.hostIf)
	l.run("ip", "link", "set", l.hostIf, "up")
	l.inNS("ip", "addr", "add", l.nsIP+"/24", "dev", l.nsIf)
	l.inNS("ip", "link", "set", l.nsIf, "up")
	l.inNS("ip", "link", "set", "lo", "up")
	l.certFile, l.keyFile = l.certificate()
	return l
}

func (l *netLab) run(name string, args ...string) {
	l.t.Helper()
	if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
		l.t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
}

func (l *netLab) inNS(name string, args ...string) {
	l.t.Helper()
	l.run("ip", append([]string{"netns", "exec", l.ns, name}, args...)...)
}

// firewall loads an nftables ruleset into the server's namespace: on its veth
// side, UDP is dropped both ways, and of TCP only the listed ports are let in.
func (l *netLab) firewall(tcpPorts ...int) {
	l.t.Helper()
	ports := make([]string, len(tcpPorts))
	for i, p := range tcpPorts {
		ports[i] = fmt.Sprint(p)
	}
	rules := fmt.Sprintf(`table inet corporate {
  chain in {
    type filter hook input priority 0; policy accept;
    iifname "%[1]s" ct state established,related accept
    iifname "%[1]s" tcp dport { %[2]s } accept
    iifname "%[1]s" drop
  }
  chain out {
    type filter hook output priority 0; policy accept;
    oifname "%[1]s" meta l4proto udp drop
  }
}
`, l.nsIf, strings.Join(ports, ", "))
	file := filepath.Join(l.t.TempDir(), "rules.nft")
	if err := os.WriteFile(file, []byte(rules), 0o600); err != nil {
		l.t.Fatal(err)
	}
	l.inNS("nft", "-f", file)
}

// certificate writes a certificate for nsIP and returns the files.
func (l *netLab) certificate() (certFile, keyFile string) {
	l.t.Helper()
	return testcert.New(l.t, 1, net.ParseIP(l.nsIP)).Files(l.t, l.t.TempDir())
}

var ensembleBinary struct {
	once sync.Once
	path string
	err  error
}

// binary builds `ensemble` once per test process.
func (l *netLab) binary() string {
	l.t.Helper()
	return buildEnsemble(l.t)
}

// buildEnsemble builds `ensemble` once per test process and returns its path.
func buildEnsemble(t *testing.T) string {
	t.Helper()
	ensembleBinary.once.Do(func() {
		dir, err := os.MkdirTemp("", "ensemble-bin-")
		if err != nil {
			ensembleBinary.err = err
			return
		}
		ensembleBinary.path = filepath.Join(dir, "ensemble")
		out, err := exec.Command("go", "build", "-o", ensembleBinary.path, "github.com/ensemble-sfu/ensemble/cmd/ensemble").CombinedOutput()
		if err != nil {
			ensembleBinary.err = fmt.Errorf("%v\n%s", err, out)
		}
	})
	if ensembleBinary.err != nil {
		t.Fatalf("build ensemble: %v", ensembleBinary.err)
	}
	return ensembleBinary.path
}

// Ports of the server in the lab.
const (
	labHTTP    = 7880
	labICETCP  = 7881
	labUDP     = 7882
	labTURN    = 3478
	labTURNTLS = 5349
)

// logSockets logs the TCP sockets on both sides of the lab's link, when the
// test failed: a request that got no answer shows as a connection stuck in
// its handshake or with bytes left in a queue. Register it after the clients
// start, so that it runs while they still hold their connections.
func (l *netLab) logSockets() {
	if !l.t.Failed() {
		return
	}
	server, _ := exec.Command("ip", "netns", "exec", l.ns, "ss", "-tanoi").CombinedOutput()
	clients, _ := exec.Command("ss", "-tanoi", "dst", l.nsIP).CombinedOutput()
	l.t.Logf("TCP sockets of the server:\n%s\nof the clients, to the server:\n%s", server, clients)
}

// serve runs `ensemble serve --dev` in the namespace, on nsIP, with the embedded
// TURN relay on UDP and TLS, until the test ends; it returns the base URL.
func (l *netLab) serve() string {
	l.t.Helper()
	cmd := exec.Command("ip", "netns", "exec", l.ns, l.binary(), "serve", "--dev",
		"--bind", l.nsIP, "--http-port", fmt.Sprint(labHTTP), "--tcp-port", fmt.Sprint(labICETCP), "--udp-port", fmt.Sprint(labUDP),
		"--turn-udp-port", fmt.Sprint(labTURN), "--turn-tls-port", fmt.Sprint(labTURNTLS),
		"--turn-cert-file", l.certFile, "--turn-key-file", l.keyFile,
		"--data-dir", l.t.TempDir(), "--log-level", "warn")
	logFile, err := os.Create(filepath.Join(l.t.TempDir(), "serve.log"))
	if err != nil {
		l.t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		l.t.Fatal(err)
	}
	l.t.Cleanup(func() {
		stop := os.Interrupt
		if l.t.Failed() {
			// What the server's goroutines were doing: a request the page
			// waited for in vain shows there. SIGQUIT makes the Go runtime
			// print every goroutine's stack as it exits.
			stop = syscall.SIGQUIT
		}
		_ = cmd.Process.Signal(stop)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
		if l.t.Failed() {
			b, _ := os.ReadFile(logFile.Name())
			l.t.Logf("server log:\n%s", b)
		}
	})
	base := fmt.Sprintf("http://%s:%d", l.nsIP, labHTTP)
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(base + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return base
			}
		}
		if time.Now().After(deadline) {
			l.t.Fatalf("server in the namespace not ready: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
