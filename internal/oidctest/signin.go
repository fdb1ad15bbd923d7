package oidctest

import (
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// SignIn signs p in through an HTTP client with a cookie jar, as a browser would:
// it follows startURL (the relying party's login URL) to the provider's login form,
// posts the username and password, and follows the redirects back. It returns the
// last response's URL and body.
func SignIn(client *http.Client, startURL string, p Person) (*url.URL, string, error) {
	resp, err := client.Get(startURL)
	if err != nil {
		return nil, "", fmt.Errorf("oidctest: open %s: %w", startURL, err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	form := resp.Request.URL
	id := form.Query().Get("authRequestID")
	if resp.StatusCode != http.StatusOK || id == "" {
		return nil, "", fmt.Errorf("oidctest: expected the provider's login form, got %s at %s", resp.Status, form)
	}
	post := *form
	post.RawQuery = ""
	resp, err = client.PostForm(post.String(), url.Values{"id": {id}, "username": {p.Username}, "password": {Password}})
	if err != nil {
		return nil, "", fmt.Errorf("oidctest: post login form: %w", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if strings.Contains(resp.Request.URL.Path, "/login/") {
		return nil, "", fmt.Errorf("oidctest: login form refused %s: %s", p.Username, body)
	}
	return resp.Request.URL, string(body), nil
}
