// Package kubernetes checks the Kustomize layout of deploy/kubernetes: both the base
// and the production overlay render (with kustomize's own library, as `kubectl
// kustomize` does), and the rendered objects have what running Ensemble on several
// nodes needs. It is its own Go module so that kustomize stays out of the server's
// dependencies: run it with `cd deploy/kubernetes && go test ./...` (scripts/test does).
package kubernetes

import (
	"fmt"
	"strings"
	"testing"

	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/api/resmap"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"
)

// render runs kustomize on dir and returns the objects by "Kind/name".
func render(t *testing.T, dir string) map[string]map[string]any {
	t.Helper()
	k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	m, err := k.Run(filesys.MakeFsOnDisk(), dir)
	if err != nil {
		t.Fatalf("kustomize build %s: %v", dir, err)
	}
	return objects(t, m)
}

func objects(t *testing.T, m resmap.ResMap) map[string]map[string]any {
	t.Helper()
	out := map[string]map[string]any{}
	for _, r := range m.Resources() {
		b, err := r.AsYAML()
		if err != nil {
			t.Fatal(err)
		}
		var o map[string]any
		if err := yaml.Unmarshal(b, &o); err != nil {
			t.Fatalf("rendered %s is not YAML: %v", r.CurId(), err)
		}
		name := str(o, "metadata", "name")
		if i := strings.LastIndex(name, "-"); str(o, "kind") == "Secret" && i > 0 && len(name)-i-1 == 10 {
			name = name[:i] // a generated secret: by its name before kustomize's hash
		}
		out[str(o, "kind")+"/"+name] = o
	}
	return out
}

// get walks maps and lists ("0" indexes a list).
func get(o any, path ...string) any {
	for _, p := range path {
		switch v := o.(type) {
		case map[string]any:
			o = v[p]
		case []any:
			var i int
			if _, err := fmt.Sscan(p, &i); err != nil || i >= len(v) {
				return nil
			}
			o = v[i]
		default:
			return nil
		}
	}
	return o
}

func str(o any, path ...string) string {
	s, _ := get(o, path...).(string)
	return s
}

func need(t *testing.T, objs map[string]map[string]any, id string) map[string]any {
	t.Helper()
	o, ok := objs[id]
	if !ok {
		ids := make([]string, 0, len(objs))
		for k := range objs {
			ids = append(ids, k)
		}
		t.Fatalf("no %s among %v", id, ids)
	}
	return o
}

// env returns a container's environment by name (value, or "from:<field>").
func env(c any) map[string]string {
	out := map[string]string{}
	list, _ := get(c, "env").([]any)
	for _, e := range list {
		v := str(e, "value")
		if f := str(e, "valueFrom", "fieldRef", "fieldPath"); f != "" {
			v = "from:" + f
		}
		if k := str(e, "valueFrom", "secretKeyRef", "key"); k != "" {
			v = "secret:" + k
		}
		out[str(e, "name")] = v
	}
	return out
}

func checkCluster(t *testing.T, objs map[string]map[string]any) {
	t.Helper()
	ds := need(t, objs, "DaemonSet/ensemble")
	pod := get(ds, "spec", "template", "spec")
	if get(pod, "hostNetwork") != true {
		t.Error("the Ensemble pods do not use the host's network: clients could not reach their media ports")
	}
	c := get(pod, "containers", "0")
	e := env(c)
	for _, k := range []string{"ENSEMBLE_REDIS_ADDRESS", "ENSEMBLE_NODE_ID", "ENSEMBLE_NODE_URL", "ENSEMBLE_DRAIN_TIMEOUT"} {
		if e[k] == "" {
			t.Errorf("the Ensemble container has no %s", k)
		}
	}
	if e["ENSEMBLE_NODE_ID"] != "$(POD_NAME)" || e["POD_NAME"] != "from:metadata.name" {
		t.Errorf("node id %q from %q, want the pod's name", e["ENSEMBLE_NODE_ID"], e["POD_NAME"])
	}
	if str(c, "readinessProbe", "httpGet", "path") != "/readyz" {
		t.Error("readiness does not follow /readyz (which turns 503 while draining)")
	}
	keys := need(t, objs, "Secret/ensemble-keys")
	if ref := str(c, "envFrom", "0", "secretRef", "name"); ref != str(keys, "metadata", "name") {
		t.Errorf("the API keys come from secret %q, not the generated %q", ref, str(keys, "metadata", "name"))
	}
	// The pod is given the drain time before SIGKILL.
	var drain, grace float64
	fmt.Sscanf(e["ENSEMBLE_DRAIN_TIMEOUT"], "%gs", &drain)
	grace, _ = get(pod, "terminationGracePeriodSeconds").(float64)
	if drain <= 0 || grace <= drain {
		t.Errorf("terminationGracePeriodSeconds %v does not exceed the drain timeout %v s", grace, drain)
	}
	udp := false
	for _, p := range get(c, "ports").([]any) {
		if str(p, "protocol") == "UDP" && get(p, "containerPort") == float64(7882) && e["ENSEMBLE_UDP_PORT"] == "7882" {
			udp = true
		}
	}
	if !udp {
		t.Error("the media UDP port 7882 is not declared and configured")
	}

	pdb := need(t, objs, "PodDisruptionBudget/ensemble")
	if get(pdb, "spec", "maxUnavailable") != float64(1) {
		t.Errorf("PodDisruptionBudget maxUnavailable %v, want 1", get(pdb, "spec", "maxUnavailable"))
	}
	if str(pdb, "spec", "selector", "matchLabels", "app.kubernetes.io/name") != str(ds, "spec", "template", "metadata", "labels", "app.kubernetes.io/name") {
		t.Error("the PodDisruptionBudget does not select the Ensemble pods")
	}

	redis := need(t, objs, "StatefulSet/ensemble-redis")
	svc := need(t, objs, "Service/ensemble-redis")
	if host, _, _ := strings.Cut(e["ENSEMBLE_REDIS_ADDRESS"], ":"); host != str(svc, "metadata", "name") {
		t.Errorf("the nodes reach Redis at %q, not its Service", e["ENSEMBLE_REDIS_ADDRESS"])
	}
	if !strings.Contains(fmt.Sprint(get(redis, "spec", "template", "spec", "containers", "0", "args")), "--appendonly yes") {
		t.Error("Redis keeps no append-only file: meetings would not survive its restart")
	}
	need(t, objs, "Service/ensemble")
}

func TestBaseRenders(t *testing.T) {
	checkCluster(t, render(t, "base"))
}

// The production overlay adds TLS (an ingress with a certificate), the public HTTPS
// URL and a Redis password, and keeps everything the base has.
func TestProductionRendersWithTLS(t *testing.T) {
	objs := render(t, "production")
	checkCluster(t, objs)
	ing := need(t, objs, "Ingress/ensemble")
	host := str(ing, "spec", "tls", "0", "hosts", "0")
	if host == "" || str(ing, "spec", "tls", "0", "secretName") == "" {
		t.Fatal("the ingress has no TLS host and certificate secret")
	}
	if str(ing, "spec", "rules", "0", "host") != host {
		t.Errorf("the ingress serves %q, its certificate names %q", str(ing, "spec", "rules", "0", "host"), host)
	}
	if str(ing, "spec", "rules", "0", "http", "paths", "0", "backend", "service", "name") != "ensemble" {
		t.Error("the ingress does not lead to the ensemble Service")
	}
	e := env(get(need(t, objs, "DaemonSet/ensemble"), "spec", "template", "spec", "containers", "0"))
	if e["ENSEMBLE_PUBLIC_URL"] != "https://"+host {
		t.Errorf("public URL %q, want https://%s", e["ENSEMBLE_PUBLIC_URL"], host)
	}
	redis := need(t, objs, "StatefulSet/ensemble-redis")
	if !strings.Contains(fmt.Sprint(get(redis, "spec", "template", "spec", "containers", "0", "args")), "--requirepass") {
		t.Error("the production Redis takes no password")
	}
	for id, o := range objs {
		if ns := str(o, "metadata", "namespace"); ns != "ensemble" && str(o, "kind") != "Namespace" {
			t.Errorf("%s is in namespace %q, want ensemble", id, ns)
		}
	}
}
