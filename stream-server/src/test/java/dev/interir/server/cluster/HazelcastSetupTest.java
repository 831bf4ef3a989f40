package dev.interir.server.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import dev.interir.server.config.ServiceConfig;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The Hazelcast configuration a node gets from the cluster section (built, not started). */
class HazelcastSetupTest {

    @Test
    void joinsItsMemberListOverTcpAndNothingElse() {
        ServiceConfig.Cluster c = cluster();
        c.members = List.of("10.0.0.1:5701", "10.0.0.2:5701");
        Config cfg = HazelcastSetup.config(c);
        JoinConfig join = cfg.getNetworkConfig().getJoin();
        assertFalse(join.getMulticastConfig().isEnabled(), "no multicast");
        assertFalse(join.getAutoDetectionConfig().isEnabled(), "no auto-detection");
        assertFalse(join.getKubernetesConfig().isEnabled());
        assertTrue(join.getTcpIpConfig().isEnabled());
        assertEquals(List.of("10.0.0.1:5701", "10.0.0.2:5701"), join.getTcpIpConfig().getMembers());
        assertEquals("test-cluster", cfg.getClusterName());
    }

    @Test
    void bindsTheConfiguredInterfaceAndPortOnly() {
        ServiceConfig.Cluster c = cluster();
        c.host = "10.0.0.7";
        c.port = 5799;
        Config cfg = HazelcastSetup.config(c);
        assertEquals(5799, cfg.getNetworkConfig().getPort());
        assertFalse(cfg.getNetworkConfig().isPortAutoIncrement(), "the port asked for or none");
        assertTrue(cfg.getNetworkConfig().getInterfaces().isEnabled());
        assertEquals(List.of("10.0.0.7"), List.copyOf(cfg.getNetworkConfig().getInterfaces().getInterfaces()));
        assertEquals("false", cfg.getProperty("hazelcast.socket.bind.any"), "not every address of the machine");
        assertEquals("false", cfg.getProperty("hazelcast.phone.home.enabled"));
        assertFalse(cfg.getNetworkConfig().getRestApiConfig().isEnabled());
    }

    @Test
    void keepsVertxsOwnMapSettings() {
        Config cfg = HazelcastSetup.config(cluster());
        assertTrue(cfg.getMultiMapConfigs().containsKey("__vertx.subs"), "Vert.x's default-cluster.xml is the base");
        assertEquals(2000, cfg.getRingbufferConfig(HazelcastSetup.LEASE_HISTORY).getCapacity());
    }

    @Test
    void kubernetesDnsReplacesTheMemberList() {
        ServiceConfig.Cluster c = cluster();
        c.kubernetesServiceDns = "interir-cluster.default.svc.cluster.local";
        JoinConfig join = HazelcastSetup.config(c).getNetworkConfig().getJoin();
        assertTrue(join.getKubernetesConfig().isEnabled());
        assertEquals("interir-cluster.default.svc.cluster.local", join.getKubernetesConfig().getProperty("service-dns"));
        assertFalse(join.getTcpIpConfig().isEnabled());
        assertFalse(join.getMulticastConfig().isEnabled());
    }

    @Test
    void refusesEveryAddressAndLeasesRenewedTooRarely() {
        for (String any : new String[]{"0.0.0.0", "::", "", null}) {
            ServiceConfig.Cluster c = cluster();
            c.host = any;
            assertThrows(IllegalArgumentException.class, () -> HazelcastSetup.config(c), "host " + any);
        }
        ServiceConfig.Cluster c = cluster();
        c.renewMillis = 2000; // a 3 s lease renewed every 2 s lapses after one late renewal
        assertThrows(IllegalArgumentException.class, () -> HazelcastSetup.config(c));
    }

    @Test
    void theDefaultsAreAClusterOfOneThatIsOff() {
        ServiceConfig.Cluster c = ServiceConfig.defaults().cluster;
        assertFalse(c.enabled);
        assertEquals("127.0.0.1", c.host);
        assertEquals(List.of("127.0.0.1:5701"), HazelcastSetup.config(c).getNetworkConfig().getJoin().getTcpIpConfig()
                .getMembers());
    }

    private static ServiceConfig.Cluster cluster() {
        ServiceConfig.Cluster c = ServiceConfig.defaults().cluster;
        c.name = "test-cluster";
        return c;
    }
}
