// DNS for backend hosts, off the hot path: the health thread (a platform thread, since getaddrinfo blocks a
// carrier) resolves each host every check period and keeps the last good address when a lookup fails.
package io.pgloom.backend;

import java.net.InetAddress;
import java.net.UnknownHostException;
import org.tinylog.Logger;

final class HostResolver {
    private HostResolver() {}

    /** Refreshes b's address; logs when it changes or when a lookup starts failing. */
    static void refresh(Backend b) {
        String host = b.hostName();
        try {
            InetAddress a = InetAddress.getByName(host);
            InetAddress before = b.address;
            if (!a.equals(before)) {
                if (before != null) {
                    Logger.warn(
                            "event=backend_address_changed database={} host={} from={} to={}",
                            b.database,
                            b.name,
                            before.getHostAddress(),
                            a.getHostAddress());
                }
                b.address = a;
            }
            b.dnsFailing = false;
        } catch (UnknownHostException e) {
            if (!b.dnsFailing) {
                Logger.warn(
                        "event=backend_dns_failed database={} host={} kept={} error={}",
                        b.database,
                        b.name,
                        b.address == null ? "none" : b.address.getHostAddress(),
                        e.getMessage());
            }
            b.dnsFailing = true;
        }
    }
}
