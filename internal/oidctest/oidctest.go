// Package oidctest starts a real OpenID provider for tests: the example provider of
// github.com/zitadel/oidc/v3 (authorisation code with PKCE, discovery, JWKS,
// userinfo, a username/password login form), on a loopback port, with the people and
// the client given. Only tests import it, so the provider is not in the binary.
package oidctest

import (
	"context"
	"errors"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/zitadel/oidc/v3/example/server/exampleop"
	"github.com/zitadel/oidc/v3/example/server/storage"
	"github.com/zitadel/oidc/v3/pkg/op"
	"golang.org/x/text/language"
)

// Password of every test person.
const Password = "verysecure"

// Person is an account of the test provider; Username is typed in its login form.
type Person struct {
	ID, Username, First, Last, Email string
}

// Host and Guest are the two default people: Hélène's email is in staff.example (the
// host domain the tests configure), Gaston's is not.
var (
	Host  = Person{ID: "u-helene", Username: "helene", First: "Hélène", Last: "Martin", Email: "helene@staff.example"}
	Guest = Person{ID: "u-gaston", Username: "gaston", First: "Gaston", Last: "Leroy", Email: "gaston@elsewhere.example"}
)

// Client credentials the provider knows; any http://127.0.0.1:<port>/auth/callback
// is an allowed redirect.
const (
	ClientID     = "ensemble"
	ClientSecret = "ensemble-test-secret"
)

// Provider is a running test provider.
type Provider struct {
	Issuer string // http://127.0.0.1:<port>
}

type people map[string]*storage.User

func (p people) GetUserByID(id string) *storage.User { return p[id] }
func (p people) GetUserByUsername(name string) *storage.User {
	for _, u := range p {
		if u.Username == name {
			return u
		}
	}
	return nil
}
func (p people) ExampleClientID() string { return storage.ServiceUserID }

// globStorage lets the client come back to any loopback port (the relying party's
// test server picks its port after the provider has started).
type globStorage struct{ *storage.Storage }

func (s globStorage) GetClientByClientID(ctx context.Context, id string) (op.Client, error) {
	c, err := s.Storage.GetClientByClientID(ctx, id)
	if err != nil {
		return nil, err
	}
	return globClient{c}, nil
}

type globClient struct{ op.Client }

func (globClient) RedirectURIGlobs() []string           { return []string{"http://127.0.0.1:*/auth/callback"} }
func (globClient) PostLogoutRedirectURIGlobs() []string { return []string{"http://127.0.0.1:*/**"} }

// Start starts the provider with Host and Guest (and extra people), stopped by
// t.Cleanup.
func Start(t testing.TB, extra ...Person) *Provider {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("oidctest: listen: %v", err)
	}
	issuer := "http://" + ln.Addr().String()
	users := people{}
	for _, p := range append([]Person{Host, Guest}, extra...) {
		users[p.ID] = &storage.User{ID: p.ID, Username: p.Username, Password: Password, FirstName: p.First,
			LastName: p.Last, Email: p.Email, EmailVerified: true, PreferredLanguage: language.English}
	}
	client := storage.WebClient(ClientID, ClientSecret, "http://127.0.0.1/auth/callback")
	st := globStorage{storage.NewStorageWithClients(users, map[string]*storage.Client{ClientID: client})}
	router := exampleop.SetupServer(issuer, st, nil, false)
	srv := &http.Server{Handler: router, ReadHeaderTimeout: 10 * time.Second}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("oidctest: serve: %v", err)
		}
	}()
	t.Cleanup(func() {
		_ = srv.Close()
		<-done
	})
	return &Provider{Issuer: issuer}
}
