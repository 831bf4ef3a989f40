package dev.interir.server.cluster;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/** The cluster's figures in this node's /metrics: members it sees, cameras it runs, cameras it took over. */
final class ClusterMetrics {
    private ClusterMetrics() {
    }

    static void bind(MeterRegistry registry, CameraLeases leases) {
        Gauge.builder("interir.cluster.members", leases, CameraLeases::members)
                .description("Cluster members this node sees").register(registry);
        Gauge.builder("interir.cluster.cameras", leases, l -> l.view().cameras().size())
                .description("Cameras in the cluster").register(registry);
        Gauge.builder("interir.cluster.cameras.owned", leases, CameraLeases::owned)
                .description("Cameras this node holds the lease of and runs").register(registry);
        FunctionCounter.builder("interir.cluster.takeovers", leases, CameraLeases::takeovers)
                .description("Cameras this node took over from a node that did not give them up (died or was cut off)")
                .register(registry);
    }
}
