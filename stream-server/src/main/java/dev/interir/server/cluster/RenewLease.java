package dev.interir.server.cluster;

import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.ExtendedMapEntry;
import java.io.Serial;
import java.io.Serializable;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Renews a lease in one step on the partition that holds it: only when it is still the caller's (compare, then
 * extend), so a node can never extend a lease another node won after its own lapsed.
 */
final class RenewLease implements EntryProcessor<String, String, Boolean>, Serializable {
    @Serial
    private static final long serialVersionUID = 1L;

    private final String lease;
    private final long ttlMillis;

    RenewLease(String lease, long ttlMillis) {
        this.lease = lease;
        this.ttlMillis = ttlMillis;
    }

    @Override
    public Boolean process(Map.Entry<String, String> entry) {
        if (!lease.equals(entry.getValue())) {
            return false;
        }
        ((ExtendedMapEntry<String, String>) entry).setValue(lease, ttlMillis, TimeUnit.MILLISECONDS);
        return true;
    }
}
