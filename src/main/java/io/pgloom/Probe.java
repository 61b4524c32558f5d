// A tiny HTTP probe for container health checks (`java -cp proxy.jar io.pgloom.Probe URL`): exit 0 on HTTP 200,
// 1 otherwise. Slim JRE images have no curl, and pgloom's own jar is always there.
package io.pgloom;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

public final class Probe {
    private Probe() {}

    public static void main(String[] args) {
        String url = args.length > 0 ? args[0] : "http://127.0.0.1:9930/readyz";
        try {
            HttpResponse<String> r = HttpClient.newBuilder()
                    .connectTimeout(Duration.ofSeconds(3))
                    .build()
                    .send(
                            HttpRequest.newBuilder(URI.create(url))
                                    .timeout(Duration.ofSeconds(5))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            System.out.print(r.body());
            System.exit(r.statusCode() == 200 ? 0 : 1);
        } catch (Exception e) {
            System.out.println("probe failed: " + e.getMessage());
            System.exit(1);
        }
    }
}
