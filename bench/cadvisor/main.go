// A cAdvisor for the bench to run beside the agent: cAdvisor's own library
// (the manager, its containerd and raw cgroup watchers and its Prometheus
// collector, as the kubelet embeds them), started with a housekeeping
// interval and metric set given on the command line and served on one
// address. Only for measuring cAdvisor's CPU and memory against the same
// containerd; nothing of it is part of cri-exporter.
package main

import (
	"flag"
	"log"
	"net/http"
	"strings"
	"time"

	"github.com/google/cadvisor/cache/memory"
	"github.com/google/cadvisor/container"
	_ "github.com/google/cadvisor/container/containerd/install"
	v2 "github.com/google/cadvisor/info/v2"
	"github.com/google/cadvisor/manager"
	"github.com/google/cadvisor/metrics"
	"github.com/google/cadvisor/utils/sysfs"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"k8s.io/utils/clock"
)

func main() {
	listen := flag.String("listen", "127.0.0.1:8080", "address to serve /metrics on")
	housekeeping := flag.Duration("housekeeping", 10*time.Second, "how often each container's stats are read")
	kinds := flag.String("metrics", "cpu,memory,diskIO,network,process,oom_event", "cAdvisor metric kinds to collect, comma-separated")
	flag.Parse() // also sets the containerd plugin's -containerd and -containerd-namespace

	included := container.MetricSet{}
	for _, k := range strings.Split(*kinds, ",") {
		if k != "" {
			included[container.MetricKind(k)] = struct{}{}
		}
	}
	dynamic := false
	m, err := manager.New(memory.New(2*time.Minute, nil), sysfs.NewRealSysFs(),
		manager.HousekeepingConfig{Interval: housekeeping, AllowDynamic: &dynamic},
		included, http.DefaultClient, []string{""}, nil, "", 0)
	if err != nil {
		log.Fatalf("cadvisor manager: %v", err)
	}
	if err := m.Start(); err != nil {
		log.Fatalf("cadvisor start: %v", err)
	}

	registry := prometheus.NewRegistry()
	options := v2.RequestOptions{IdType: v2.TypeName, Count: 1, Recursive: true}
	registry.MustRegister(metrics.NewPrometheusCollector(m, metrics.DefaultContainerLabels, included, clock.RealClock{}, options))
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(registry, promhttp.HandlerOpts{}))
	log.Printf("serving on %s, housekeeping every %s", *listen, *housekeeping)
	log.Fatal(http.ListenAndServe(*listen, mux))
}
