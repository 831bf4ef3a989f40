package dev.interir.server.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.config.RingbufferConfig;
import dev.interir.server.config.ServiceConfig;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * The Hazelcast configuration of a node, built from the {@code cluster:} section: Vert.x's own map settings, then
 * the network as this service wants it. Join by TCP-IP over the member list (or Kubernetes DNS), never multicast
 * or auto-detection, so a node joins only the cluster it was told about; the cluster port is bound to the one
 * configured interface, not to every address of the machine; nothing calls home (the machines may have no
 * internet, and should not need it).
 */
public final class HazelcastSetup {
    /** Names of the cluster-wide structures; every node must agree on them. */
    static final String CAMERAS = "interir.cameras";
    static final String LEASES = "interir.leases";
    static final String PLACED = "interir.placed";
    static final String NODES = "interir.nodes";
    static final String JOBS = "interir.jobs";
    static final String LEASE_HISTORY = "interir.lease-history";

    private HazelcastSetup() {
    }

    public static Config config(ServiceConfig.Cluster c) {
        if (c.host == null || c.host.isBlank() || "0.0.0.0".equals(c.host) || "::".equals(c.host)) {
            throw new IllegalArgumentException("cluster.host must be the address of one interface (the cluster port is "
                    + "bound to it alone), not " + c.host);
        }
        if (c.leaseSeconds < 1 || c.renewMillis < 50 || c.renewMillis * 2L > c.leaseSeconds * 1000L) {
            throw new IllegalArgumentException("cluster.renewMillis must be at most half of cluster.leaseSeconds, "
                    + "so a lease is renewed at least twice before it lapses");
        }
        Config cfg = ConfigUtil.loadConfig();
        cfg.setClusterName(c.name);
        cfg.setInstanceName("interir-" + c.host + "-" + c.port);
        cfg.setProperty("hazelcast.phone.home.enabled", "false");
        cfg.setProperty("hazelcast.logging.type", "slf4j");
        // the service leaves the cluster itself, after releasing its cameras; Hazelcast's hook would leave first
        cfg.setProperty("hazelcast.shutdownhook.enabled", "false");
        cfg.setProperty("hazelcast.socket.bind.any", "false");
        cfg.setProperty("hazelcast.health.monitoring.level", "OFF");
        // nodes started at once may each form a cluster of one before they find the others: merge them soon, not
        // after Hazelcast's default 5 minutes
        cfg.setProperty("hazelcast.merge.first.run.delay.seconds", "5");
        cfg.setProperty("hazelcast.merge.next.run.delay.seconds", "5");
        cfg.setProperty("hazelcast.wait.seconds.before.join", "1");
        cfg.setProperty("hazelcast.heartbeat.interval.seconds", "1");
        cfg.setProperty("hazelcast.max.no.heartbeat.seconds", Integer.toString(c.memberTimeoutSeconds));
        // a node that waits for a partition's new owner must not wait past its lease: renewals are retried anyway
        cfg.setProperty("hazelcast.operation.call.timeout.millis", Integer.toString(c.leaseSeconds * 1000));

        NetworkConfig net = cfg.getNetworkConfig();
        net.setPort(c.port).setPortAutoIncrement(false);
        net.getInterfaces().setEnabled(true).clear().addInterface(address(c.host));
        net.setPublicAddress(c.host + ":" + c.port);
        net.getRestApiConfig().setEnabled(false);

        JoinConfig join = net.getJoin();
        join.getMulticastConfig().setEnabled(false);
        join.getAutoDetectionConfig().setEnabled(false);
        if (c.kubernetesServiceDns != null && !c.kubernetesServiceDns.isBlank()) {
            join.getTcpIpConfig().setEnabled(false);
            join.getKubernetesConfig().setEnabled(true).setProperty("service-dns", c.kubernetesServiceDns);
        } else {
            join.getTcpIpConfig().setEnabled(true).setMembers(c.members.isEmpty()
                    ? java.util.List.of(c.host + ":" + c.port) : c.members);
        }
        cfg.addRingBufferConfig(new RingbufferConfig(LEASE_HISTORY).setCapacity(Math.max(16, c.historySize))
                .setBackupCount(1));
        return cfg;
    }

    /** Hazelcast matches interfaces by address: a host name (a container's, say) is resolved to it. */
    private static String address(String host) {
        try {
            return InetAddress.getByName(host).getHostAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("cluster.host " + host + " does not resolve: " + e.getMessage());
        }
    }
}
