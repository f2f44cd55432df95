package deploy

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"
)

// production is every service the suite runs in production, each in a
// process of its own, with the gRPC service its health check asks for.
var production = map[string]string{
	"consent":       "stafett.consent.v1.ConsentService",
	"referral":      "stafett.referral.v1.ReferralService",
	"pathway":       "stafett.pathway.v1.PathwayService",
	"continuity":    "stafett.continuity.v1.ContinuityService",
	"handoffs":      "stafett.handoffs.v1.HandoffService",
	"subscriptions": "stafett.subscriptions.v1.SubscriptionAdminService",
}

// suiteServices reads suite.AllServices from its source, so that a service
// added to the suite and forgotten here fails this test, without this
// module depending on the suite's.
func suiteServices(t *testing.T) []string {
	t.Helper()
	path := filepath.Join("..", "services", "suite", "suite.go")
	f, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	ast.Inspect(f, func(n ast.Node) bool {
		spec, ok := n.(*ast.ValueSpec)
		if !ok || len(spec.Names) != 1 || spec.Names[0].Name != "AllServices" || len(spec.Values) != 1 {
			return true
		}
		lit, ok := spec.Values[0].(*ast.CompositeLit)
		if !ok {
			return true
		}
		for _, e := range lit.Elts {
			if b, ok := e.(*ast.BasicLit); ok && b.Kind == token.STRING {
				s, err := strconv.Unquote(b.Value)
				if err != nil {
					t.Fatal(err)
				}
				names = append(names, s)
			}
		}
		return false
	})
	if len(names) == 0 {
		t.Fatalf("no AllServices list found in %s", path)
	}
	return names
}

func TestProductionRunsEveryServiceOfTheSuite(t *testing.T) {
	t.Parallel()
	for _, name := range suiteServices(t) {
		if _, ok := production[name]; !ok {
			t.Errorf("the suite runs %q but the production layouts do not: add it to compose.yaml, k8s/services and this table", name)
		}
	}
}

func loadCompose(t *testing.T) *types.Project {
	t.Helper()
	opts, err := cli.NewProjectOptions([]string{"compose.yaml"},
		cli.WithWorkingDirectory("."),
		cli.WithName("stafett"),
		// What deploy/.env holds on a real host; never read here.
		cli.WithEnv([]string{"NATS_PASSWORD=test-password"}),
		cli.WithProfiles([]string{"observability"}),
	)
	if err != nil {
		t.Fatal(err)
	}
	project, err := opts.LoadProject(t.Context())
	if err != nil {
		t.Fatalf("compose.yaml does not load: %v", err)
	}
	return project
}

func TestComposeRunsEachServiceInItsOwnProcessWithLimitsAndItsOwnHealthCheck(t *testing.T) {
	t.Parallel()
	project := loadCompose(t)
	for name, grpcService := range production {
		t.Run(name, func(t *testing.T) {
			svc, ok := project.Services[name]
			if !ok {
				t.Fatalf("no compose service %q", name)
			}
			env := func(k string) string {
				if v := svc.Environment[k]; v != nil {
					return *v
				}
				return ""
			}
			if got := env("STAFETT_SERVICES"); got != name {
				t.Errorf("STAFETT_SERVICES = %q, want only %q", got, name)
			}
			if got := env("OTEL_SERVICE_NAME"); got != "stafett-"+name {
				t.Errorf("OTEL_SERVICE_NAME = %q, want stafett-%s", got, name)
			}
			if !slices.Equal(svc.Command, types.ShellCommand{"serve"}) {
				t.Errorf("command %v, want serve", svc.Command)
			}
			if env("STAFETT_STREAM_REPLICAS") != "3" || !strings.Contains(env("STAFETT_NATS_URL"), "nats-3") {
				t.Errorf("not against the three-node cluster with R3 streams: %q, replicas %q", env("STAFETT_NATS_URL"), env("STAFETT_STREAM_REPLICAS"))
			}
			if name != "consent" && env("STAFETT_CONSENT_ADDR") != "consent:7000" {
				t.Errorf("STAFETT_CONSENT_ADDR = %q, want the consent service", env("STAFETT_CONSENT_ADDR"))
			}
			if svc.Deploy == nil || svc.Deploy.Resources.Limits == nil ||
				svc.Deploy.Resources.Limits.MemoryBytes <= 0 || svc.Deploy.Resources.Limits.NanoCPUs <= 0 {
				t.Errorf("no CPU and memory limits: %+v", svc.Deploy)
			}
			hc := svc.HealthCheck
			if hc == nil || hc.Disable || !slices.Contains(hc.Test, "-service="+grpcService) || !slices.Contains(hc.Test, "/grpc_health_probe") {
				t.Errorf("health check %+v does not ask grpc.health.v1 for %s", hc, grpcService)
			}
		})
	}
	// One process per service: nothing else runs stafett serve.
	for name, svc := range project.Services {
		if _, ok := production[name]; !ok && slices.Contains(svc.Command, "serve") {
			t.Errorf("compose service %q also runs stafett serve", name)
		}
	}
}

func TestComposeObservabilityProfileCarriesTheDashboardAlertsAndCollector(t *testing.T) {
	t.Parallel()
	project := loadCompose(t)
	mounts := map[string]string{}
	for _, name := range []string{"otel-collector", "jaeger", "prometheus", "grafana"} {
		svc, ok := project.Services[name]
		if !ok {
			t.Errorf("no %s in the observability profile", name)
			continue
		}
		for _, v := range svc.Volumes {
			mounts[filepath.Base(v.Source)] = name
		}
	}
	for file, want := range map[string]string{"collector.yaml": "otel-collector", "alerts.yaml": "prometheus", "stafett-dashboard.json": "grafana"} {
		if mounts[file] != want {
			t.Errorf("%s is mounted into %q, want %s", file, mounts[file], want)
		}
	}
}

// kubeObject is one rendered object, strictly decoded into its k8s.io/api type.
type kubeObject struct {
	kind, name string
	obj        any
}

func renderKustomize(t *testing.T) []kubeObject {
	t.Helper()
	k := krusty.MakeKustomizer(krusty.MakeDefaultOptions())
	resources, err := k.Run(filesys.MakeFsOnDisk(), "k8s")
	if err != nil {
		t.Fatalf("kustomize build k8s: %v", err)
	}
	var out []kubeObject
	for _, r := range resources.Resources() {
		y, err := r.AsYAML()
		if err != nil {
			t.Fatal(err)
		}
		var obj any
		switch r.GetKind() {
		case "Namespace":
			obj = &corev1.Namespace{}
		case "ConfigMap":
			obj = &corev1.ConfigMap{}
		case "Service":
			obj = &corev1.Service{}
		case "Deployment":
			obj = &appsv1.Deployment{}
		case "StatefulSet":
			obj = &appsv1.StatefulSet{}
		case "PodDisruptionBudget":
			obj = &policyv1.PodDisruptionBudget{}
		case "NetworkPolicy":
			obj = &networkingv1.NetworkPolicy{}
		default:
			t.Errorf("%s %s: no k8s.io/api type to check it against", r.GetKind(), r.GetName())
			continue
		}
		// Strict: an unknown or misspelt field is an error, as the API
		// server's strict field validation would make it.
		if err := yaml.UnmarshalStrict(y, obj); err != nil {
			t.Errorf("%s %s does not decode strictly: %v", r.GetKind(), r.GetName(), err)
			continue
		}
		out = append(out, kubeObject{kind: r.GetKind(), name: r.GetName(), obj: obj})
	}
	return out
}

func find[T any](objs []kubeObject, kind, name string) (T, bool) {
	for _, o := range objs {
		if o.kind == kind && o.name == name {
			v, ok := o.obj.(T)
			return v, ok
		}
	}
	var zero T
	return zero, false
}

func TestKubernetesRunsEachServiceInItsOwnDeploymentWithLimitsAndItsOwnProbes(t *testing.T) {
	t.Parallel()
	objs := renderKustomize(t)
	for name, grpcService := range production {
		t.Run(name, func(t *testing.T) {
			full := "stafett-" + name
			d, ok := find[*appsv1.Deployment](objs, "Deployment", full)
			if !ok {
				t.Fatalf("no Deployment %s", full)
			}
			if d.Spec.Replicas == nil || *d.Spec.Replicas < 1 {
				t.Errorf("replicas %v", d.Spec.Replicas)
			}
			pod := d.Spec.Template
			if !matches(d.Spec.Selector.MatchLabels, pod.Labels) || pod.Labels["app.kubernetes.io/component"] != name {
				t.Errorf("selector %v does not pick this service's pods only (%v)", d.Spec.Selector.MatchLabels, pod.Labels)
			}
			if len(pod.Spec.Containers) != 1 {
				t.Fatalf("%d containers, want one stafett process", len(pod.Spec.Containers))
			}
			c := pod.Spec.Containers[0]
			env := map[string]string{}
			for _, e := range c.Env {
				env[e.Name] = e.Value
			}
			if env["STAFETT_SERVICES"] != name || env["OTEL_SERVICE_NAME"] != full {
				t.Errorf("STAFETT_SERVICES %q, OTEL_SERVICE_NAME %q; want %q and %q", env["STAFETT_SERVICES"], env["OTEL_SERVICE_NAME"], name, full)
			}
			if !slices.Equal(c.Args, []string{"serve"}) {
				t.Errorf("args %v, want serve", c.Args)
			}
			if c.Resources.Limits.Memory().IsZero() || c.Resources.Requests.Memory().IsZero() || c.Resources.Requests.Cpu().IsZero() {
				t.Errorf("resources %+v: want memory limit and CPU and memory requests", c.Resources)
			}
			if env["GOMEMLIMIT"] == "" {
				t.Error("no GOMEMLIMIT under the memory limit")
			}
			for probeName, p := range map[string]*corev1.Probe{"startup": c.StartupProbe, "readiness": c.ReadinessProbe, "liveness": c.LivenessProbe} {
				if p == nil || p.GRPC == nil || p.GRPC.Service == nil || *p.GRPC.Service != grpcService || p.GRPC.Port != 7000 {
					t.Errorf("%s probe %+v does not ask grpc.health.v1 for %s", probeName, p, grpcService)
				}
			}
			svc, ok := find[*corev1.Service](objs, "Service", full)
			if !ok || !matches(svc.Spec.Selector, pod.Labels) || svc.Spec.Selector["app.kubernetes.io/component"] != name {
				t.Errorf("no Service %s selecting this service's pods", full)
			}
			pdb, ok := find[*policyv1.PodDisruptionBudget](objs, "PodDisruptionBudget", full)
			if !ok || !matches(pdb.Spec.Selector.MatchLabels, pod.Labels) || pdb.Spec.Selector.MatchLabels["app.kubernetes.io/component"] != name {
				t.Errorf("no PodDisruptionBudget %s for this service's pods", full)
			}
		})
	}
	cfg, ok := find[*corev1.ConfigMap](objs, "ConfigMap", "stafett-config")
	if !ok {
		t.Fatal("no stafett-config")
	}
	if got := cfg.Data["STAFETT_CONSENT_ADDR"]; !strings.HasPrefix(got, "stafett-consent:") {
		t.Errorf("STAFETT_CONSENT_ADDR = %q, want the consent service", got)
	}
	if _, shared := cfg.Data["STAFETT_SERVICES"]; shared {
		t.Error("the shared config names the services: each process must run its own")
	}
	var deployments []string
	for _, o := range objs {
		if o.kind == "Deployment" {
			deployments = append(deployments, o.name)
		}
	}
	if len(deployments) != len(production) {
		t.Errorf("deployments %v, want one per service (%d)", deployments, len(production))
	}
	if _, ok := find[*appsv1.StatefulSet](objs, "StatefulSet", "nats"); !ok {
		t.Error("no NATS StatefulSet")
	}
}

// matches reports whether every selector label is on the pod.
func matches(selector, labels map[string]string) bool {
	if len(selector) == 0 {
		return false
	}
	for k, v := range selector {
		if labels[k] != v {
			return false
		}
	}
	return true
}
