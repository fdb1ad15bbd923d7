package webhook_test

import (
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/ensemble-sfu/ensemble/signalling/webhook"
)

// A receiver that answers 307 (or 308) does not get the signed body re-posted to
// wherever it points: the event is counted as failed and the queue goes on.
func TestRedirectIsNotFollowed(t *testing.T) {
	for _, status := range []int{http.StatusTemporaryRedirect, http.StatusPermanentRedirect, http.StatusFound} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			var elsewhere atomic.Int32
			target := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { elsewhere.Add(1) }))
			defer target.Close()
			redirector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, target.URL+"/stolen", status)
			}))
			defer redirector.Close()

			cfg := fastConfig(redirector.URL)
			cfg.Client = &http.Client{} // a caller's client that would follow redirects
			n, err := webhook.New(t.Context(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer n.Close()
			sendRooms(n, 1, 2)
			drain(t, n)
			if got := elsewhere.Load(); got != 0 {
				t.Fatalf("the redirect target received %d posts", got)
			}
			if st := n.Stats()[0]; st.Failed != 2 || st.Delivered != 0 {
				t.Fatalf("stats = %+v, want 2 failed", st)
			}
			if cfg.Client.CheckRedirect != nil {
				t.Fatal("the caller's client was changed")
			}
		})
	}
}
